"""A bounded load test of devhub on loopback: concurrent full sign-ins (sign-in
page, consent, code + PKCE exchange) and many API listing requests.

    python -m devhub.load [--flows 50] [--requests 5000] [--workers 25]

It checks that nothing failed and that every code was redeemable exactly once,
and prints throughput and latencies.
"""

from __future__ import annotations

import argparse
import html
import re
import statistics
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlencode, urlsplit

from .cookies import browser_like_jar
from .server import DevHub, Options

_CSRF = re.compile(r'name="csrf" value="([^"]+)"')
_NEXT = re.compile(r'name="next" value="([^"]+)"')
LISTINGS = [
    "/api/models?author=prolific&limit=100&sort=likes",
    "/api/models?author=alice&expand=private&expand=likes",
    "/api/datasets?search=a&limit=20",
    "/api/spaces?sort=lastModified&expand=sdk",
    "/api/models?author=prolific&limit=50&sort=id&direction=1",
]


@dataclass
class Report:
    flows: int = 0
    flow_errors: list[str] = field(default_factory=list)
    reuse_refused: int = 0
    flow_seconds: float = 0.0
    flow_latencies: list[float] = field(default_factory=list)
    requests: int = 0
    request_errors: list[str] = field(default_factory=list)
    request_seconds: float = 0.0
    request_latencies: list[float] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.flow_errors and not self.request_errors and self.reuse_refused == self.flows

    def lines(self) -> list[str]:
        def pct(values, q):
            return statistics.quantiles(values, n=100)[q - 1] * 1000 if len(values) > 1 else 0.0

        return [
            f"sign-ins:  {self.flows} concurrent, {len(self.flow_errors)} errors, "
            f"{self.reuse_refused}/{self.flows} second redemptions refused, "
            f"{self.flows / self.flow_seconds:.1f} flows/s, p50 {pct(self.flow_latencies, 50):.0f} ms, "
            f"p95 {pct(self.flow_latencies, 95):.0f} ms",
            f"listings:  {self.requests} requests, {len(self.request_errors)} errors, "
            f"{self.requests / self.request_seconds:.0f} req/s, p50 {pct(self.request_latencies, 50):.1f} ms, "
            f"p95 {pct(self.request_latencies, 95):.1f} ms",
        ]


def _sign_in(hub_url: str, client_id: str, redirect_uri: str, user: str) -> tuple[str, bool]:
    """One full sign-in; returns (access token, whether a second redemption was refused)."""
    import httpx

    from hfsignin.pkce import generate_verifier, random_token, s256_challenge

    verifier, state = generate_verifier(), random_token()
    params = {"client_id": client_id, "redirect_uri": redirect_uri, "response_type": "code",
              "scope": "openid profile", "state": state, "nonce": random_token(),
              "code_challenge": s256_challenge(verifier), "code_challenge_method": "S256"}
    with httpx.Client(base_url=hub_url, timeout=60, cookies=browser_like_jar()) as c:
        page = c.get("/oauth/authorize?" + urlencode(params))
        login = {"csrf": _CSRF.search(page.text).group(1), "username": user,
                 "next": html.unescape(_NEXT.search(page.text).group(1))}
        back = c.get(c.post("/login", data=login).headers["location"])
        if back.status_code == 200:  # the consent page (a remembered consent answers with a 303)
            back = c.post("/oauth/authorize?" + urlencode(params),
                          data={"csrf": _CSRF.search(back.text).group(1), "action": "approve"})
        query = {k: v[0] for k, v in parse_qs(urlsplit(back.headers["location"]).query).items()}
        if query.get("state") != state:
            raise AssertionError("state not echoed")
        form = {"grant_type": "authorization_code", "code": query["code"], "redirect_uri": redirect_uri,
                "code_verifier": verifier, "client_id": client_id}
        token = c.post("/oauth/token", data=form)
        token.raise_for_status()
        again = c.post("/oauth/token", data=form)
        access = token.json()["access_token"]
        me = c.get("/oauth/userinfo", headers={"Authorization": f"Bearer {access}"})
        if me.status_code != 401:  # the replay revoked what the code issued
            raise AssertionError(f"token still valid after code reuse: {me.status_code}")
        return access, again.status_code == 400 and again.json().get("error") == "invalid_grant"


def run(hub: DevHub, flows: int = 50, requests: int = 5000, workers: int = 25) -> Report:
    import httpx

    report = Report(flows=flows, requests=requests)
    users = list(hub.world.users)
    lock = threading.Lock()

    def flow(i: int) -> None:
        start = time.perf_counter()
        try:
            _, refused = _sign_in(hub.hub_url, hub.space_app.client_id, hub.space_url + "/", users[i % len(users)])
            with lock:
                report.reuse_refused += refused
        except Exception as exc:  # noqa: BLE001 - counted and reported
            report.flow_errors.append(f"{type(exc).__name__}: {exc}")
        report.flow_latencies.append(time.perf_counter() - start)

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=flows) as pool:
        list(pool.map(flow, range(flows)))
    report.flow_seconds = time.perf_counter() - started

    per_worker = [requests // workers + (1 if i < requests % workers else 0) for i in range(workers)]

    def lister(n: int) -> None:
        with httpx.Client(base_url=hub.hub_url, timeout=60) as c:
            for j in range(n):
                start = time.perf_counter()
                try:
                    r = c.get(LISTINGS[j % len(LISTINGS)])
                    if r.status_code != 200 or not isinstance(r.json(), list):
                        report.request_errors.append(f"HTTP {r.status_code}")
                except Exception as exc:  # noqa: BLE001
                    report.request_errors.append(f"{type(exc).__name__}: {exc}")
                report.request_latencies.append(time.perf_counter() - start)

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(lister, per_worker))
    report.request_seconds = time.perf_counter() - started
    return report


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m devhub.load", description=__doc__.splitlines()[0])
    p.add_argument("--flows", type=int, default=50)
    p.add_argument("--requests", type=int, default=5000)
    p.add_argument("--workers", type=int, default=25)
    a = p.parse_args(argv)
    hub = DevHub(Options(hub_port=0, space_port=0)).start()
    try:
        report = run(hub, a.flows, a.requests, a.workers)
    finally:
        hub.stop()
    print("\n".join(report.lines()))
    for err in (report.flow_errors + report.request_errors)[:10]:
        print("  error:", err)
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
