"""`devmaturity serve` as a real process on 127.0.0.1: webhooks, the API without webhooks, zh lines, and the
limits from settings (header and body timeouts, the connection limit) against slow clients."""

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
    ("lang", "said"),
    [("en", "serving webhooks for shop on http://"), ("zh", "接收以下项目的 Webhook：shop，地址 http://")],
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


SERVICE_KEY = "serve-test-service-key-8e2f1d7c4b9a0e3f"


class Server:
    """`devmaturity serve` started in a subprocess on a free port with extra environment; its output on exit."""

    def __init__(self, tmp_path: Path, env: dict[str, str], args: tuple[str, ...] = ()) -> None:
        self.port = _free_port()
        command = [sys.executable, "-m", "devmaturity", "serve", "--port", str(self.port), *args]
        command += ["--database", f"sqlite:///{tmp_path / 'served.db'}"]
        full = {k: v for k, v in os.environ.items() if not k.startswith("DEVMATURITY_")}
        self.proc = subprocess.Popen(
            command, env={**full, **env}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=tmp_path
        )
        self.output = ""

    def __enter__(self) -> Server:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"http://127.0.0.1:{self.port}/health", timeout=2)
                return self
            except httpx.TransportError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    self.proc.kill()
                    pytest.fail(f"serve did not start:\n{self.proc.communicate()[0].decode()}")
                time.sleep(0.1)

    def __exit__(self, *_: object) -> None:
        self.proc.terminate()
        self.output = self.proc.communicate(timeout=30)[0].decode()

    def connect(self) -> socket.socket:
        return socket.create_connection(("127.0.0.1", self.port), timeout=10)


def _until_closed(sock: socket.socket) -> tuple[float, bytes]:
    """Seconds until the server closes the connection, and what it sent before (the socket is closed then)."""
    start, received = time.monotonic(), b""
    with sock:
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                return time.monotonic() - start, received
            received += chunk


def test_serve_without_webhooks_serves_the_api_and_says_so_in_zh(tmp_path: Path) -> None:
    with Server(tmp_path, {"DEVMATURITY_LANG": "zh"}) as server:
        health = httpx.get(f"http://127.0.0.1:{server.port}/health")
        ready = httpx.get(f"http://127.0.0.1:{server.port}/ready")
        me = httpx.get(f"http://127.0.0.1:{server.port}/api/v1/auth/me", headers={"Accept-Language": "zh"})
    assert health.json() == {"status": "ok"} and ready.json()["status"] == "ready"
    assert me.status_code == 401 and me.json()["title"] == "需要登录或有效的 API 令牌"
    assert f"服务地址 http://127.0.0.1:{server.port}（API：/api/v1" in server.output
    assert "警告：未设置 DEVMATURITY_SECRET_KEY" in server.output
    assert "限制：请求头 10 秒，请求体 30 秒，空闲连接 5 秒，最多 100 个并发连接" in server.output


def test_serve_prints_english_with_lang_en_and_no_key_warning_with_a_key(tmp_path: Path) -> None:
    env = {"DEVMATURITY_LANG": "zh", "DEVMATURITY_SECRET_KEY": SERVICE_KEY}
    with Server(tmp_path, env, ("--lang", "en")) as server:
        pass
    assert f"serving http://127.0.0.1:{server.port} (API: /api/v1" in server.output
    assert "warning" not in server.output and SERVICE_KEY not in server.output


def test_a_slow_body_is_dropped_within_the_body_timeout(tmp_path: Path) -> None:
    env = {"DEVMATURITY_SECRET_KEY": SERVICE_KEY, "DEVMATURITY_SERVER_BODY_TIMEOUT": "2"}
    head = (
        b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n"
    )
    with Server(tmp_path, env) as server:
        stalled = server.connect()
        stalled.sendall(head + b'{"name": ')  # and nothing more
        stalled_at = time.monotonic()
        trickle = server.connect()
        trickle.sendall(head)
        trickle_at = time.monotonic()
        while time.monotonic() - trickle_at < 1.8:  # one byte every 0.3 s: alive, but never done
            trickle.sendall(b" ")
            time.sleep(0.3)
        _, stalled_answer = _until_closed(stalled)
        stalled_after = time.monotonic() - stalled_at  # an upper bound: the answer may have waited in the buffer
        _, trickle_answer = _until_closed(trickle)
        trickle_after = time.monotonic() - trickle_at
        assert httpx.get(f"http://127.0.0.1:{server.port}/health").status_code == 200
    assert stalled_after < 2 + 1.5 and trickle_after < 2 + 1.5, (stalled_after, trickle_after)
    assert trickle_after >= 1.9  # not before its time
    assert stalled_answer.startswith(b"HTTP/1.1 408 ") and b'"slug":"request-timeout"' in stalled_answer
    assert trickle_answer.startswith(b"HTTP/1.1 408 ")
    assert "Traceback" not in server.output


def test_half_sent_headers_are_dropped_within_the_header_timeout(tmp_path: Path) -> None:
    with Server(tmp_path, {"DEVMATURITY_SERVER_HEADER_TIMEOUT": "1"}) as server:
        sock = server.connect()
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n")  # headers never finished
        after, answer = _until_closed(sock)
    assert answer == b"" and 0.5 < after < 1 + 1.5, after


def test_over_the_connection_limit_is_answered_503_at_once(tmp_path: Path) -> None:
    env = {"DEVMATURITY_SERVER_MAX_CONNECTIONS": "3", "DEVMATURITY_SERVER_HEADER_TIMEOUT": "20"}
    with Server(tmp_path, env) as server:
        held = [server.connect() for _ in range(3)]
        for sock in held:
            sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n")
        time.sleep(0.3)
        started = time.monotonic()
        over = httpx.get(f"http://127.0.0.1:{server.port}/health", timeout=5)
        waited = time.monotonic() - started
        for sock in held:
            sock.close()
        time.sleep(0.3)
        again = httpx.get(f"http://127.0.0.1:{server.port}/health", timeout=5)
    assert over.status_code == 503 and waited < 2
    assert again.status_code == 200


def test_headers_over_the_size_limit_are_refused(tmp_path: Path) -> None:
    with Server(tmp_path, {"DEVMATURITY_SERVER_MAX_HEADER_BYTES": "2048"}) as server:
        big = httpx.get(f"http://127.0.0.1:{server.port}/health", headers={"X-Padding": "a" * 4096}, timeout=5)
        small = httpx.get(f"http://127.0.0.1:{server.port}/health", headers={"X-Padding": "a" * 512}, timeout=5)
    assert big.status_code == 431 and big.json()["slug"] == "headers-too-large" and small.status_code == 200


def _children(pid: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.add(int(entry.name))
    return found


def test_serve_with_workers_answers_from_each_and_stops_them_all(tmp_path: Path) -> None:
    """--workers 2: two forked processes accept on the one port (each with its own connections to the store);
    SIGTERM to the command stops both and it exits 0."""
    env = {"DEVMATURITY_SECRET_KEY": SERVICE_KEY}
    with Server(tmp_path, env, ("--workers", "2")) as server:
        workers = _children(server.proc.pid)
        with httpx.Client(base_url=f"http://127.0.0.1:{server.port}") as client:
            answers = [client.get("/ready") for _ in range(40)]
    assert len(workers) == 2
    assert all(a.status_code == 200 and a.json()["status"] == "ready" for a in answers)
    assert server.proc.returncode == 0, server.output
    assert "2 worker processes share the listening socket" in server.output
    assert not any(Path(f"/proc/{pid}").exists() for pid in workers)
