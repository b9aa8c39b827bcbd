"""Start-up benchmark: how long the light `devmaturity` commands take against bare `python -c pass`.

Each command runs in a fresh interpreter (the same Python, this checkout's src/ first on the path), N times;
the best time counts, since a busy machine only ever adds time. Printed as a ratio to the baseline measured in
the same run. Target: <= 15x for each.

    python bench/startup.py [--repeat 15]
"""

from __future__ import annotations

import argparse
import compileall
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET = 15.0
BASELINE = ("python -c pass", ["-c", "pass"])
COMMANDS = [
    ("devmaturity --version", ["-m", "devmaturity", "--version"]),
    ("devmaturity --help", ["-m", "devmaturity", "--help"]),
    ("devmaturity assess --help", ["-m", "devmaturity", "assess", "--help"]),
]


def best_of(args: list[str], repeat: int, env: dict[str, str]) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        subprocess.run([sys.executable, *args], env=env, stdout=subprocess.DEVNULL, check=True)
        best = min(best, time.perf_counter() - started)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=15, help="fresh processes per command; the best counts")
    args = parser.parse_args()
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")]))
    # the .pyc files written as installing a package does (PYTHONDONTWRITEBYTECODE would otherwise have every timed
    # run compile its modules from source), and the file cache warmed, before timing
    compileall.compile_dir(str(ROOT / "src"), quiet=1)
    for _, argv in [BASELINE, *COMMANDS]:
        subprocess.run([sys.executable, *argv], env=env, stdout=subprocess.DEVNULL, check=True)
    base = best_of(BASELINE[1], args.repeat, env)
    print(f"{BASELINE[0]:<28} {base * 1000:7.1f} ms  (baseline, best of {args.repeat})")
    worst = 0.0
    for name, argv in COMMANDS:
        elapsed = best_of(argv, args.repeat, env)
        ratio = elapsed / base
        worst = max(worst, ratio)
        print(f"{name:<28} {elapsed * 1000:7.1f} ms  {ratio:5.1f}x baseline")
    verdict = "met" if worst <= TARGET else "NOT met"
    print(f"worst ratio {worst:.1f}x (target <= {TARGET:g}x): {verdict}")


if __name__ == "__main__":
    main()
