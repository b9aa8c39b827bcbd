"""A local fake of the REST APIs for tests: payload files by route, real paging headers, scripted faults, a log."""

from __future__ import annotations

import json
import threading
import time
from collections import defaultdict, deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

SECRET_PARAMS = ("access_token", "private_token")  # never echoed into Link headers, as real servers do not


@dataclass(frozen=True, slots=True, kw_only=True)
class Recorded:
    """One request as the server saw it; header names are lower case."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]


@dataclass(frozen=True, slots=True, kw_only=True)
class Fault:
    """A scripted answer given instead of (or, with only `delay`, before) the route's own."""

    status: int = 0  # 0: the route's normal answer after `delay`
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""
    delay: float = 0.0


@dataclass(slots=True, kw_only=True)
class Route:
    pages: list[bytes]
    paging: str  # "github" (Link), "gitlab" (Link + X-*-Page), "gitee" (total_count/total_page), "sonarqube", "none"
    status: int = 200
    headers: Mapping[str, str] = field(default_factory=dict)


class ApiServer:
    """A threaded HTTP server on 127.0.0.1 and a random port; use it as a context manager.

    `serve(path, *files)` answers GET `path` with the files (relative to the data directory) as pages 1..n, chosen
    by the `page` query parameter, with the paging headers of the API named by `paging`. `fail` and `slow` queue
    faults for a path (or "*" for any path), used up first. Every request is kept in `requests`.
    """

    def __init__(self, data: Path) -> None:
        self.data = data
        self.requests: list[Recorded] = []
        self._routes: dict[str, Route] = {}
        self._faults: dict[str, deque[Fault]] = defaultdict(deque)
        self._lock = threading.Lock()
        self._http = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._thread = threading.Thread(target=self._http.serve_forever, args=(0.02,), daemon=True)

    @property
    def url(self) -> str:
        host, port = self._http.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> ApiServer:
        self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self._http.shutdown()
        self._http.server_close()
        self._thread.join(timeout=5)

    # --- scripting ---

    def serve(self, path: str, *files: str, paging: str = "github") -> None:
        pages = [(self.data / name).read_bytes() for name in files]
        with self._lock:
            self._routes[path] = Route(pages=pages, paging=paging)

    def serve_body(
        self, path: str, body: bytes, *, status: int = 200, headers: Mapping[str, str] | None = None
    ) -> None:
        with self._lock:
            self._routes[path] = Route(pages=[body], paging="none", status=status, headers=headers or {})

    def fail(
        self, path: str, status: int, *, times: int = 1, headers: Mapping[str, str] | None = None, body: Any = None
    ) -> None:
        payload = json.dumps(body if body is not None else {"message": f"scripted {status}"}).encode()
        with self._lock:
            self._faults[path].extend([Fault(status=status, headers=headers or {}, body=payload)] * times)

    def slow(self, path: str, seconds: float, *, times: int = 1) -> None:
        with self._lock:
            self._faults[path].extend([Fault(delay=seconds)] * times)

    # --- inspection ---

    def paths(self) -> list[str]:
        return [request.path for request in self.requests]

    def queries(self, path: str) -> list[dict[str, str]]:
        return [request.query for request in self.requests if request.path == path]

    # --- answering (called from handler threads) ---

    def _answer(self, method: str, target: str, headers: Mapping[str, str]) -> tuple[int, dict[str, str], bytes, float]:
        split = urlsplit(target)
        query = {key: values[-1] for key, values in parse_qs(split.query, keep_blank_values=True).items()}
        with self._lock:
            self.requests.append(Recorded(method=method, path=split.path, query=query, headers=dict(headers)))
            fault = self._take_fault(split.path)
            route = self._routes.get(split.path)
        if fault is not None and fault.status:
            return fault.status, {"Content-Type": "application/json", **fault.headers}, fault.body, fault.delay
        delay = fault.delay if fault is not None else 0.0
        if route is None:
            return 404, {"Content-Type": "application/json"}, b'{"message": "Not Found"}', delay
        return (*self._page(route, split.path, query), delay)

    def _take_fault(self, path: str) -> Fault | None:
        for key in (path, "*"):
            if self._faults[key]:
                return self._faults[key].popleft()
        return None

    def _page(self, route: Route, path: str, query: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        number = int(query.get("p" if route.paging == "sonarqube" else "page", "1") or "1")
        body = route.pages[number - 1] if 1 <= number <= len(route.pages) else b"[]"
        headers = {"Content-Type": "application/json; charset=utf-8", **route.headers}
        headers |= _paging_headers(route, self.url + path, query, number)
        return route.status, headers, body


def _count(body: bytes) -> int:
    data = json.loads(body)
    return len(data) if isinstance(data, list) else 1


def _paging_headers(route: Route, base: str, query: dict[str, str], number: int) -> dict[str, str]:
    last = len(route.pages)
    if route.paging in ("none", "sonarqube") or last == 0:
        return {}  # SonarQube pages with `p`/`ps` and answers `paging` in the body, as the page files hold it
    kept = {key: value for key, value in query.items() if key not in SECRET_PARAMS}

    def link(page: int, rel: str) -> str:
        return f'<{base}?{urlencode({**kept, "page": page})}>; rel="{rel}"'

    total = sum(_count(page) for page in route.pages)
    if route.paging == "gitee":
        return {"total_count": str(total), "total_page": str(last)}
    rels = [link(number + 1, "next")] if number < last else []
    rels += [link(number - 1, "prev")] if number > 1 else []
    rels += [link(1, "first"), link(last, "last")]
    headers = {"Link": ", ".join(rels)}
    if route.paging == "gitlab":
        headers |= {
            "X-Page": str(number),
            "X-Per-Page": kept.get("per_page", "20"),
            "X-Next-Page": str(number + 1) if number < last else "",
            "X-Prev-Page": str(number - 1) if number > 1 else "",
            "X-Total": str(total),
            "X-Total-Pages": str(last),
        }
    return headers


def _handler(server: ApiServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body go out in two writes; don't wait for delayed ACKs

        def do_GET(self) -> None:
            headers = {key.lower(): value for key, value in self.headers.items()}
            status, answer_headers, body, delay = server._answer("GET", self.path, headers)
            if delay:
                time.sleep(delay)
            try:
                self.send_response(status)
                for key, value in answer_headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up waiting (a timeout test)

        def log_message(self, format: str, *args: Any) -> None:
            pass  # tests read server.requests instead

    return Handler
