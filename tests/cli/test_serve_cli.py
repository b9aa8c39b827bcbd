"""`devmaturity serve`: refuses to start without webhooks, and serves them on 127.0.0.1 as a real process."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from devmaturity.cli.main import run

SECRET = "whsec-cli-3c1d-never-print-me"
DATA = Path(__file__).parents[1] / "data"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_serve_without_webhooks_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    code = run(["serve", "--db", f"sqlite:///{tmp_path / 'x.db'}"])
    err = capsys.readouterr().err
    assert code == 64
    assert err.startswith("error[usage]: no webhooks configured: add [[devmaturity.webhooks]]")


def test_serve_without_webhooks_says_so_in_chinese(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    code = run(["serve", "--lang", "zh", "--db", f"sqlite:///{tmp_path / 'x.db'}"])
    err = capsys.readouterr().err
    assert code == 64
    assert err.startswith("错误[usage]：没有配置 webhook：请在 devmaturity.toml 中添加 [[devmaturity.webhooks]]")


def test_serve_without_the_secret_variable_is_a_config_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "devmaturity.toml").write_text(
        '[[devmaturity.webhooks]]\nproject = "shop"\nsecret_env = "DM_TEST_UNSET_HOOK"\n', encoding="utf-8"
    )
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DM_TEST_UNSET_HOOK", raising=False)
    code = run(["serve", "--database", f"sqlite:///{tmp_path / 'x.db'}"])
    assert code == 65
    assert "environment variable DM_TEST_UNSET_HOOK is not set" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("lang", "said"), [("en", "serving webhooks for shop on http://"), ("zh", "正在为 shop 接收 webhook：http://")]
)
def test_serve_runs_uvicorn_on_localhost(tmp_path: Path, lang: str, said: str) -> None:
    config = tmp_path / "hooks.toml"
    config.write_text('[[devmaturity.webhooks]]\nproject = "shop"\nsecret_env = "SHOP_HOOK"\n', encoding="utf-8")
    port = _free_port()
    command = [sys.executable, "-m", "devmaturity", "serve", "--port", str(port), "--config", str(config)]
    command += ["--lang", lang]
    command += ["--database", f"sqlite:///{tmp_path / 'served.db'}"]
    env = {**os.environ, "SHOP_HOOK": SECRET}
    with subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=tmp_path) as proc:
        try:
            answer = _post_when_up(proc, f"http://127.0.0.1:{port}/api/v1/projects/shop/webhooks/gitlab")
        finally:
            proc.terminate()
            output = proc.communicate(timeout=20)[0].decode()
    assert (answer.status_code, answer.json()) == (200, {"stored": 1, "problems": []})
    assert f"{said}127.0.0.1:{port}/api/v1/projects/" in output and "POST /api/v1/projects/shop" in output
    assert ("存储：" if lang == "zh" else "store: ") in output
    assert "project=shop stored=1 problems=0 status=200" in output
    assert SECRET not in output


def _post_when_up(proc: subprocess.Popen[bytes], url: str) -> httpx.Response:
    """Posts a GitLab deployment once the server answers; a server that exits first fails with its output."""
    headers = {"Content-Type": "application/json", "X-Gitlab-Event": "Deployment Hook", "X-Gitlab-Token": SECRET}
    body = (DATA / "webhooks" / "gitlab-deployment.json").read_bytes()
    deadline = time.monotonic() + 30
    while True:
        try:
            return httpx.post(url, content=body, headers=headers, timeout=5)
        except httpx.TransportError:
            if proc.poll() is not None:
                output = proc.communicate()[0].decode()
                pytest.fail(f"devmaturity serve exited with {proc.returncode}:\n{output}")
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def test_serve_stays_quiet_under_200_half_sent_requests(tmp_path: Path) -> None:
    """200 connections: a third send half a request line and stop, a third complete headers and half the
    declared body then hang up (the handler sees the disconnect), a third send garbage. The server keeps
    answering, and its whole log stays under 100 lines: expected faults are counted, never traced."""
    config = tmp_path / "hooks.toml"
    config.write_text('[[devmaturity.webhooks]]\nproject = "shop"\nsecret_env = "SHOP_HOOK"\n', encoding="utf-8")
    port = _free_port()
    command = [sys.executable, "-m", "devmaturity", "serve", "--port", str(port), "--config", str(config)]
    command += ["--database", f"sqlite:///{tmp_path / 'served.db'}"]
    env = {**os.environ, "SHOP_HOOK": SECRET}
    url = f"http://127.0.0.1:{port}/api/v1/projects/shop/webhooks/gitlab"
    half_body = (
        b"POST /api/v1/projects/shop/webhooks/gitlab HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"X-Gitlab-Token: " + SECRET.encode() + b'\r\nContent-Length: 1000\r\n\r\n{"object_kind": '
    )
    openings = [b"POST /api/v1/projects/shop/webh", half_body, b"\x16\x03\x01 not http at all\r\n\r\n"]
    with subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=tmp_path) as proc:
        try:
            assert _post_when_up(proc, url).status_code == 200
            held: list[socket.socket] = []
            for index in range(200):
                sock = socket.create_connection(("127.0.0.1", port), timeout=5)
                sock.sendall(openings[index % 3])
                if index % 3 == 0:
                    held.append(sock)  # the half request line: left hanging, for the header timeout
                else:
                    time.sleep(0.01)
                    sock.close()
            time.sleep(1.0)
            for sock in held:
                sock.close()
            time.sleep(0.5)
            assert _post_when_up(proc, url).status_code == 200  # still serving
        finally:
            proc.terminate()
            output = proc.communicate(timeout=30)[0].decode()
    lines = output.splitlines()
    assert len(lines) < 100, "\n".join(lines[:120])
    assert "Traceback" not in output and SECRET not in output
