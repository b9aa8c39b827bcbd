"""Deliberately insecure sample scanned by Bandit and Semgrep for tests/data/sarif (see README.md there)."""

import hashlib
import subprocess

import yaml

PASSWORD = "hunter2"


def run(cmd):
    return subprocess.call(cmd, shell=True)


def load(text):
    return yaml.load(text)


def calc(expr):
    return eval(expr)


def digest(data):
    return hashlib.md5(data).hexdigest()


def ignored(cmd):
    return subprocess.call(cmd, shell=True)  # nosec B602


def trusted_calc(expr):
    return eval(expr)  # nosemgrep: python-eval-injection
