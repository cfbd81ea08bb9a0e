"""make bench: whole-page timings of the Space as deployed (make build's dist/), side by side
with two baselines, measured in one run on this machine (headless Chromium, devhub on loopback).

    python scripts/bench.py [--runs 5] [--json bench-results/bench.json]

B0  bare Pyodide: loadPyodide() from the same vendored files (cold and warm)
B1  the official JS client (@huggingface/hub) doing the same sign-in round trip
S1  first paint: navigation → the sign-in button painted (cold and warm)
S2  round trip: click Approve → profile and first repository page rendered (warm)
S3  signed-in reload → profile rendered from the stored session
S4  cold first visit: empty cache → Python ready, button enabled
S5  big listing: 1,000 rows from data received to painted; longest task; DOM size
S6  weight: bytes over the network cold and on a warm revisit; JS heap; wasm memory
S7  first sign-in: fresh profile, click sign-in as soon as it is enabled, approve →
    profile and first repository page (also with 40 ms of emulated latency, and the
    bytes the whole first sign-in downloads)

Every figure is taken in the page (performance marks the app places, navigation
timing) or by Chromium (CDP); each scenario runs once to warm up, then --runs times.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import httpx  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

from devhub import DevHub, Options  # noqa: E402
from harness import find_chromium, launch_args  # noqa: E402

TARGETS = {
    "S1 cold": "≤ 150 ms", "S1 warm": "≤ 150 ms", "S2": "≤ 1000 ms, ≤ 0.35 × B0 warm", "S3": "≤ 1000 ms",
    "S4": "≤ 1.0 × B0 cold", "S5 render": "≤ 150 ms", "S5 longest task": "≤ 100 ms",
    "S6 warm revisit": "≤ 50 KB", "S6 warm revisit, immutable": "≤ 50 KB", "S7": "≤ 1.5 × S2",
}
RATIOS = {  # name: (numerator, denominator, target)
    "S2 / B0 warm": ("S2", "B0 warm", "≤ 0.35"),
    "S2 / B1": ("S2", "B1", "(reported)"),
    "S4 / B0 cold": ("S4", "B0 cold", "≤ 1.0"),
    "S7 / S2": ("S7", "S2", "≤ 1.5"),
}
LONGTASKS = """
window.__longtasks = [];
new PerformanceObserver(list => window.__longtasks.push(...list.getEntries().map(e => [e.startTime, e.duration])))
  .observe({type: 'longtask', buffered: true});
"""


def site_dir() -> Path:
    """The Space as it is deployed (dist/, built now: the library as one wheel), plus the bench
    pages and the JS peer's npm packages, as one folder."""
    sys.path.insert(0, str(ROOT / "scripts"))
    import build

    site = Path(tempfile.mkdtemp(prefix="hfsignin-bench-"))
    build.build(site)  # not dist/: a build there may be in use (the tests serve it)
    (site / "bench").symlink_to(ROOT / "bench")
    (site / "hfjs").symlink_to(ROOT / "node_modules")
    return site


def mark(page, name: str, timeout: float = 60_000) -> float:
    """The start time (ms since navigation) of performance mark ``name``, waiting for it."""
    page.wait_for_function(f"performance.getEntriesByName({name!r}).length > 0", timeout=timeout)
    return page.evaluate(f"performance.getEntriesByName({name!r})[0].startTime")


def first_page(ctx):
    """A persistent context opens with a blank page: use it."""
    return ctx.pages[0] if ctx.pages else ctx.new_page()


def fcp(page) -> float:
    page.wait_for_function("performance.getEntriesByName('first-contentful-paint').length > 0")
    return page.evaluate("performance.getEntriesByName('first-contentful-paint')[0].startTime")


class Bench:
    def __init__(self, playwright, hub: DevHub, runs: int, warm_up: bool = True) -> None:
        self.playwright, self.hub, self.runs, self.warm_up = playwright, hub, runs, warm_up
        self.executable = find_chromium()
        self.space = hub.space_url
        self.control = httpx.Client(base_url=hub.hub_url, timeout=30)
        self.results: dict[str, list[float]] = {}

    def record(self, name: str, value: float) -> None:
        self.results.setdefault(name, []).append(value)

    def context(self):
        """A browser with a fresh on-disk profile, like a visitor's: an empty cache at first,
        then a real disk cache (incognito-style contexts keep no large file, such as the wasm)."""
        profile = tempfile.mkdtemp(prefix="hfsignin-bench-profile-")
        ctx = self.playwright.chromium.launch_persistent_context(
            profile, executable_path=self.executable, args=launch_args(), viewport={"width": 1200, "height": 900})
        ctx.add_init_script(LONGTASKS)
        return ctx

    def counted_context(self):
        """A fresh context whose page reports, through CDP, the bytes of every response it gets."""
        ctx = self.context()
        page = first_page(ctx)
        cdp = ctx.new_cdp_session(page)
        cdp.send("Network.enable")
        received: list[int] = []
        cdp.on("Network.loadingFinished", lambda e: received.append(e["encodedDataLength"]))
        return ctx, page, cdp, received

    def repeat(self, fn) -> None:
        if self.warm_up:
            fn(record=False)
        for _ in range(self.runs):
            fn(record=True)

    # -- baselines and cold/warm loads ------------------------------------------------

    def visit_twice(self, path: str, measure):
        """A fresh profile opens ``path`` on an empty cache, then reloads it warm;
        ``measure(page)`` after each load. Returns the context, the page and both results."""
        ctx = self.context()
        page = first_page(ctx)
        page.goto(self.space + path)
        cold = measure(page)
        page.reload()
        return ctx, page, cold, measure(page)

    def b0(self, record: bool) -> None:
        ctx, _, cold, warm = self.visit_twice("/bench/b0/", lambda page: mark(page, "b0:ready"))
        if record:
            self.record("B0 cold", cold)
            self.record("B0 warm", warm)
        ctx.close()

    def first_visit(self, record: bool) -> None:
        ctx, _, (s1_cold, s4), (s1_warm, _) = self.visit_twice(
            "/", lambda page: (fcp(page), mark(page, "hfsignin:ready")))
        if record:
            self.record("S1 cold", s1_cold)
            self.record("S4", s4)
            self.record("S1 warm", s1_warm)
        ctx.close()

    def b1(self, record: bool) -> None:
        ctx, page, _, _ = self.visit_twice("/bench/b1/", lambda page: mark(page, "b1:ready"))  # warms the cache
        self.control.post("/_devhub/reset", json={})
        page.click("#sign-in")
        page.click('[data-login="bob"]')
        page.wait_for_selector('[data-action="approve"]')
        page.click('[data-action="approve"]')  # the callback's navigation starts here
        value = mark(page, "b1:rendered")
        if record:
            self.record("B1", value)
        ctx.close()

    # -- the Space ------------------------------------------------------------------------

    def warm_context(self):
        """A context that has visited the Space before: HTTP cache and the checked copy of the
        Pyodide snapshot in Cache Storage."""
        ctx = self.context()
        page = first_page(ctx)
        page.goto(self.space + "/")
        mark(page, "hfsignin:ready")
        page.wait_for_function(KEPT_COPY, timeout=120_000)
        return ctx, page

    def approve_as(self, page, user: str) -> None:
        """From the signed-out Space: sign-in, the hub's sign-in page, consent. The callback's
        navigation starts with the click on Approve (the marks count from it)."""
        self.control.post("/_devhub/reset", json={})
        page.click('[data-action="sign-in"]')
        page.click(f'[data-login="{user}"]')
        page.wait_for_selector('[data-action="approve"]')
        page.click('[data-action="approve"]')

    def round_trip(self, record: bool) -> None:
        ctx, page = self.warm_context()
        page.reload()
        mark(page, "hfsignin:ready")
        self.approve_as(page, "alice")
        s2 = mark(page, "hfsignin:repos")
        boot = page.evaluate("hfsigninRuntime.boot")
        page.reload()
        s3 = mark(page, "hfsignin:profile")
        if record:
            self.record("S2", s2)
            self.record("S3", s3)
            self.record("S2 boot is snapshot", 1.0 if boot == "snapshot" else 0.0)
        ctx.close()

    def first_sign_in(self, record: bool) -> None:
        """The visitor who comes once: a fresh profile, sign-in clicked the moment it is enabled."""
        for latency, name in ((0, "S7"), (40, "S7 +40 ms")):
            ctx, page, cdp, received = self.counted_context()
            if latency:
                cdp.send("Network.emulateNetworkConditions", {"offline": False, "latency": latency,
                                                              "downloadThroughput": -1, "uploadThroughput": -1})
            page.goto(self.space + "/")
            page.wait_for_selector('[data-action="sign-in"]:not([disabled])', timeout=120_000)
            self.approve_as(page, "alice")
            value = mark(page, "hfsignin:repos")
            boot = page.evaluate("document.documentElement.dataset.pythonBoot")
            if record:
                self.record(name, value)
                if not latency:
                    self.record("S7 boot is snapshot", 1.0 if boot == "snapshot" else 0.0)
                    self.record("S7 bytes", sum(received) / 1e6)
            ctx.close()

    def big_listing(self, record: bool) -> None:
        ctx, page = self.warm_context()
        self.approve_as(page, "prolific")
        mark(page, "hfsignin:repos")
        group = page.locator('[data-repo-list="models"] [data-owner="prolific"]')
        page.evaluate("performance.clearMarks('hfsignin:rows-received'); performance.clearMeasures()")
        group.locator("button.load-all").click()
        page.wait_for_function(
            "document.querySelectorAll('[data-repo-list=\"models\"] [data-repo]').length === 1200", timeout=60_000)
        figures = page.evaluate("""() => {
            // The 1,000-row page: from its data received to its rows painted.
            const renders = performance.getEntriesByName('hfsignin:render-rows');
            const big = renders.reduce((a, b) => (b.duration > a.duration ? b : a));
            const end = big.startTime + big.duration;
            const tasks = window.__longtasks.filter(([s, d]) => s + d >= big.startTime && s <= end);
            return {render: big.duration,
                    longest: Math.max(0, ...tasks.map(([s, d]) => d)),
                    nodes: document.getElementsByTagName('*').length};
        }""")
        if record:
            self.record("S5 render", figures["render"])
            self.record("S5 longest task", figures["longest"])
            self.record("S5 DOM nodes", figures["nodes"])
        ctx.close()

    def weight(self, record: bool) -> None:
        """Bytes of a cold visit and a revisit, under both caching modes of the Space host (what
        huggingface.co sends is not known: devhub revalidates by default, immutable on request)."""
        for cache in ("revalidate", "immutable"):
            self.control.post("/_devhub/settings", json={"cache": cache})
            ctx, page, cdp, received = self.counted_context()
            cdp.send("Performance.enable")
            page.goto(self.space + "/")
            mark(page, "hfsignin:ready")
            page.wait_for_function(KEPT_COPY, timeout=120_000)
            cold = sum(received)
            received.clear()
            page.goto(self.space + "/")  # a revisit: from the HTTP cache, revalidated or not
            mark(page, "hfsignin:ready")
            page.wait_for_timeout(300)
            warm, requests = sum(received), len(received)
            metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
            wasm = page.evaluate("hfsigninRuntime.wasmBytes()")
            if record and cache == "revalidate":
                self.record("S6 cold", cold / 1e6)
                self.record("S6 warm revisit", warm / 1e3)
                self.record("S6 warm requests", requests)
                self.record("S6 JS heap", metrics.get("JSHeapTotalSize", 0) / 1e6)
                self.record("S6 wasm memory", wasm / 1e6)
            elif record:
                self.record("S6 warm revisit, immutable", warm / 1e3)
                self.record("S6 warm requests, immutable", requests)
            ctx.close()
        self.control.post("/_devhub/settings", json={"cache": None})


UNITS = {"S5 DOM nodes": "nodes", "S6 cold": "MB", "S6 warm revisit": "KB", "S6 JS heap": "MB",
         "S6 warm revisit, immutable": "KB", "S6 warm requests": "requests", "S6 warm requests, immutable": "requests",
         "S6 wasm memory": "MB", "S2 boot is snapshot": "share", "S7 boot is snapshot": "share", "S7 bytes": "MB"}
# The checked, decompressed copy of the build's snapshot is in Cache Storage (a returning visitor).
KEPT_COPY = """async () => {
    try { return (await (await caches.open('hfsignin-pyodide-snapshots')).keys()).length === 1; }
    catch (e) { return false; }
}"""


def summarize(results: dict[str, list[float]]) -> dict:
    out = {}
    for name, values in results.items():
        out[name] = {"median": statistics.median(values), "min": min(values), "max": max(values),
                     "runs": len(values), "unit": UNITS.get(name, "ms")}
    med = {k: v["median"] for k, v in out.items()}
    out["ratios"] = {name: med[a] / med[b] for name, (a, b, _) in RATIOS.items() if a in med and b in med}
    return out


def table(summary: dict, machine: str) -> str:
    lines = [f"make bench on {machine}", "",
             f"{'scenario':<30} {'median':>10} {'min–max':>20}  target", "-" * 86]
    for name, s in summary.items():
        if name == "ratios":
            continue
        unit = s["unit"]
        fmt = (lambda v: f"{v:.0f}") if unit in ("ms", "nodes", "KB", "requests") else (lambda v: f"{v:.2f}")
        lines.append(f"{name:<30} {fmt(s['median']) + ' ' + unit:>10} "
                     f"{fmt(s['min']) + '–' + fmt(s['max']) + ' ' + unit:>20}  {TARGETS.get(name, '')}")
    lines.append("")
    for name, value in summary["ratios"].items():
        lines.append(f"{name:<30} {value:>10.2f}  {RATIOS[name][2]}")
    return "\n".join(lines)


def chromium_version(executable: str) -> str:
    import subprocess

    try:
        out = subprocess.run([executable, "--version"], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return next((w for w in out.split() if w[:1].isdigit()), out.strip() or "unknown")


def machine_info(version: str) -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores ({cpu}), Chromium {version}, headless"


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--cache", choices=["revalidate", "immutable"], default="revalidate",
                   help="the Space host's caching (huggingface.co's is not known; S6 measures both anyway)")
    p.add_argument("--no-warm-up", dest="warm_up", action="store_false",
                   help="skip each scenario's warm-up run (a smoke test of the benchmark, not figures to quote)")
    p.add_argument("--json", type=Path, default=ROOT / "bench-results" / "bench.json")
    p.add_argument("--only", nargs="+", metavar="SCENARIO",
                   choices=["b0", "first_visit", "b1", "round_trip", "first_sign_in", "big_listing", "weight"],
                   help="run only these scenarios (the table then lacks the others' ratios)")
    a = p.parse_args(argv)
    executable = find_chromium()
    if a.runs < 1:
        p.error("--runs must be at least 1")
    if executable is None:
        print("bench: no Chromium found (see `make test`)", file=sys.stderr)
        return 1
    site = site_dir()
    hub = DevHub(Options(hub_port=0, space_port=0, site=site, readme=site / "README.md", cache=a.cache,
                         test_control=True)).start()
    try:
        with sync_playwright() as pw:
            bench = Bench(pw, hub, a.runs, a.warm_up)
            scenarios = (bench.b0, bench.first_visit, bench.b1, bench.round_trip, bench.first_sign_in,
                         bench.big_listing, bench.weight)
            for scenario in scenarios:
                if a.only and scenario.__name__ not in a.only:
                    continue
                started = time.monotonic()
                bench.repeat(scenario)
                print(f"bench: {scenario.__name__} done in {time.monotonic() - started:.0f} s", file=sys.stderr)
            machine = machine_info(chromium_version(executable))
    finally:
        hub.stop()
    summary = summarize(bench.results)
    print(table(summary, machine))
    a.json.parent.mkdir(parents=True, exist_ok=True)
    a.json.write_text(json.dumps({"machine": machine, "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
                                  "results": summary, "raw": bench.results}, indent=2))
    print(f"\nbench: figures written to {a.json.relative_to(ROOT) if a.json.is_relative_to(ROOT) else a.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
