"""A small closed-loop HTTP load generator: N threads, each a logged-in session sending requests one
after another, either back to back (saturation) or with a think time between them (people at work).

Only ever talks to 127.0.0.1 (the gunicorn the benchmark started). Standard library only, so the bench
needs nothing that `make setup` does not install. Each thread keeps its own cookies (session and CSRF)
and sends them by hand: the production settings mark cookies Secure, which a browser would not send over
plain HTTP, but the server accepts them (see the report for the settings used).
"""

from __future__ import annotations

import http.client
import math
import random
import re
import threading
import time
import urllib.parse
import uuid
from dataclasses import dataclass, field
from http.cookies import SimpleCookie

HOST = "127.0.0.1"


class LoadError(RuntimeError):
    pass


def multipart(fields: dict, files: dict):
    """-> (body bytes, content type) for fields {name: value or [values]} and files {name: (filename, bytes,
    content type)}."""
    boundary = uuid.uuid4().hex
    out = []
    for name, value in fields.items():
        for v in value if isinstance(value, list | tuple) else [value]:
            out.append(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{v}\r\n'.encode()
            )
    for name, (filename, content, ctype) in files.items():
        out.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
            f"Content-Type: {ctype}\r\n\r\n".encode()
        )
        out.append(content + b"\r\n")
    out.append(f"--{boundary}--\r\n".encode())
    return b"".join(out), f"multipart/form-data; boundary={boundary}"


@dataclass
class Session:
    port: int
    label: str = ""
    cookies: dict = field(default_factory=dict)

    def _headers(self, extra=None):
        headers = {"Host": f"{HOST}:{self.port}", "Connection": "close", "User-Agent": "logistics-bench"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if extra:
            headers.update(extra)
        return headers

    def request(self, method: str, path: str, data: dict | None = None, timeout: float = 60.0):
        """-> (status, body bytes, location, seconds)."""
        body = None
        extra = {}
        if method == "POST":
            payload = dict(data or {})
            files = payload.pop("_files", None)
            if "csrftoken" in self.cookies:
                payload.setdefault("csrfmiddlewaretoken", self.cookies["csrftoken"])
            if files:
                body, extra["Content-Type"] = multipart(payload, files)
            else:
                body = urllib.parse.urlencode(payload, doseq=True)
                extra["Content-Type"] = "application/x-www-form-urlencoded"
            extra["Referer"] = f"http://{HOST}:{self.port}{path}"
        started = time.perf_counter()
        conn = http.client.HTTPConnection(HOST, self.port, timeout=timeout)
        try:
            conn.request(method, path, body=body, headers=self._headers(extra))
            resp = conn.getresponse()
            content = resp.read()
            elapsed = time.perf_counter() - started
            for header in resp.headers.get_all("Set-Cookie") or []:
                jar = SimpleCookie()
                jar.load(header)
                for key, morsel in jar.items():
                    if morsel["max-age"] == "0" or morsel.value == "":
                        self.cookies.pop(key, None)
                    else:
                        self.cookies[key] = morsel.value
            return resp.status, content, resp.headers.get("Location", ""), elapsed
        finally:
            conn.close()

    def login(self, username: str, password: str):
        status, body, _loc, _t = self.request("GET", "/accounts/login/")
        if status != 200:
            raise LoadError(f"登录页返回 {status}")
        match = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)
        token = match.group(1).decode() if match else self.cookies.get("csrftoken", "")
        status, body, location, _t = self.request(
            "POST",
            "/accounts/login/",
            {"username": username, "password": password, "csrfmiddlewaretoken": token},
        )
        if status != 302 or "sessionid" not in self.cookies:
            raise LoadError(f"{username} 登录失败（HTTP {status}）")
        self.label = username
        return self

    def switch_school(self, school_id: int):
        status, _b, _l, _t = self.request("POST", "/school/switch/", {"school": school_id, "next": "/"})
        if status != 302:
            raise LoadError(f"{self.label} 切换学校失败（HTTP {status}）")


@dataclass
class Result:
    latencies: list = field(default_factory=list)  # seconds, successful requests
    errors: list = field(default_factory=list)  # (status, path, snippet)
    wall: float = 0.0
    requests: int = 0

    def pct(self, p: float) -> float:
        if not self.latencies:
            return float("nan")
        data = sorted(self.latencies)
        k = max(0, min(len(data) - 1, math.ceil(p / 100 * len(data)) - 1))  # nearest rank
        return data[k] * 1000

    @property
    def rps(self) -> float:
        return len(self.latencies) / self.wall if self.wall else 0.0


def run_load(
    sessions, make_request, *, duration: float, max_requests: int, expect=(200,), think: float = 0.0
) -> Result:
    """Closed loop: each session in its own thread sends make_request(session, n) until `duration`
    seconds or `max_requests` in all. With `think` > 0 each user waits a random 0.5–1.5 × `think`
    seconds after each response (and a random part of it before the first request, so users don't
    start in step), as a person reading the page would; with 0 the requests go back to back.
    Returns latencies of expected responses and errors."""
    result = Result()
    lock = threading.Lock()
    counter = {"n": 0}
    deadline = time.perf_counter() + duration
    rng = random.Random(20261121)  # seeded: every run draws from the same sequence
    pauses = {id(s): rng.uniform(0, think) for s in sessions}

    def pause(session):
        if think > 0:
            with lock:
                seconds = rng.uniform(0.5 * think, 1.5 * think)
            time.sleep(min(seconds, max(0.0, deadline - time.perf_counter())))

    def worker(session):
        if think > 0:
            time.sleep(pauses[id(session)])
        while True:
            with lock:
                if counter["n"] >= max_requests or time.perf_counter() >= deadline:
                    return
                n = counter["n"]
                counter["n"] += 1
            spec = make_request(session, n)
            if spec is None:  # nothing left to do (e.g. no pending approvals)
                return
            method, path, data = spec
            try:
                status, body, _loc, elapsed = session.request(method, path, data)
            except OSError as exc:
                with lock:
                    result.errors.append((0, path, str(exc)[:200]))
                continue
            with lock:
                result.requests += 1
                if status in expect:
                    result.latencies.append(elapsed)
                else:
                    snippet = body[:300].decode("utf-8", "replace")
                    result.errors.append((status, path, snippet))
            pause(session)

    threads = [threading.Thread(target=worker, args=(s,), daemon=True) for s in sessions]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join(duration + 120)
    result.wall = time.perf_counter() - started
    return result
