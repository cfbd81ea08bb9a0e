"""The loader under the sign-in button while Python loads (issue 20, "progress that means
something"): the bytes the boot downloads, received of expected, then PyScript's last steps, in
words and as a progressbar with values; at least one change a second while bytes arrive, never
backwards; nothing shown under a second of loading (a boot from the cache), its space kept.

The link is devhub's own (its Space host's rate and latency, ``space_rate``/``space_latency``),
not the browser's throttling: it reaches every engine. The Space boots as published
(HFSIGNIN_SNAPSHOT unset: the link judged, so on a slow one the compressed runtime, about 4.7 MB,
and no snapshot; tests/e2e/test_first_visit.py). Each slow test starts from a fresh context
(nothing in the HTTP cache nor in Cache Storage), so the runtime really is downloaded. What the
page shows is recorded from inside it by an init script: the bar's value and aria-valuetext every
100 ms and at every write, when it first became visible, every ``hfsignin:download`` event and
when Python was ready, all on the page's own clock (performance.now(), 0 at the navigation).
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from harness import assert_accessible, shot, wait_booted
from harness import published as published_space

RATE_MBIT = 12  # the runtime's first-visit bytes (about 5 MB, gzipped) take several seconds
LATENCY_MS = 40
REVEAL_MS = 1000  # boot.js's REVEAL_MS: nothing before this much loading
BYTES_SHARE = 85  # boot.js's BYTES_SHARE: where the bar stands once every byte arrived
MOST_SILENT_MS = 1000  # the longest the loader may go unchanged while bytes arrive

BAR = "Loading Python"  # the progressbar's accessible name
DOWNLOADING = re.compile(r"^Downloading Python — (\d+\.\d) of (\d+\.\d) MB$")
STAGES = ["Downloading Python", "Starting Python…", "Loading the sign-in code…", "Almost ready…", "Python is ready"]

# Records, from the start of each document of the context, what the loader shows.
RECORDER = r"""(() => {
  const record = window.__loader = { samples: [], writes: [], downloads: [], visibleAt: null, shownAt: null,
                                      readyAt: null };
  const bar = () => document.getElementById("boot-progress");
  const visible = (el) => !!el && (el.checkVisibility
    ? el.checkVisibility({ visibilityProperty: true })
    : getComputedStyle(el).visibility === "visible" && el.getClientRects().length > 0);
  addEventListener("hfsignin:download", (event) => {
    record.downloads.push({ t: performance.now(), received: event.detail.received, expected: event.detail.expected });
  });
  const sample = () => {
    const el = bar();
    if (el) record.samples.push({ t: performance.now(), value: el.value, text: el.getAttribute("aria-valuetext"),
                                  visible: visible(el) });
    if (record.readyAt !== null && performance.now() > record.readyAt + 1000) clearInterval(sampling);
  };
  const sampling = setInterval(sample, 100);
  const frame = () => {  // every frame: when the bar was first visible, to the frame
    if (record.visibleAt === null && visible(bar())) record.visibleAt = performance.now();
    if (record.readyAt === null) requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
  new MutationObserver((mutations) => {  // every write of the bar's words, as it is made
    for (const m of mutations) {
      if (m.target.id === "boot-progress") record.writes.push({ t: performance.now(), value: m.target.value,
                                                                 text: m.target.getAttribute("aria-valuetext") });
    }
  }).observe(document, { subtree: true, attributes: true, attributeFilter: ["aria-valuetext"] });
  new MutationObserver(() => {
    const root = document.documentElement;
    if (!root) return;
    if (record.shownAt === null && root.dataset.loader === "shown") record.shownAt = performance.now();
    if (record.readyAt === null && root.dataset.python === "ready") { record.readyAt = performance.now(); sample(); }
  }).observe(document, { subtree: true, childList: true, attributes: true, attributeFilter: ["data-loader", "data-python"] });
})();"""


def megabytes(n: int) -> str:
    return f"{int(n // 100_000) / 10:.1f}"


@pytest.fixture
def published(hub):
    """The Space as published (harness.published)."""
    yield from published_space(hub)


@pytest.fixture
def slow_space(published):
    """That Space behind a slow link."""
    published.settings(space_rate=RATE_MBIT, space_latency=LATENCY_MS)
    return published


def with_http_cache(context):
    """The guard's route (a test fails whose page leaves loopback) turns Chromium's HTTP cache off;
    a returning visitor's boot needs it (as tests/e2e/test_first_visit.py)."""
    context.unroute("**/*")
    return context


def stage(text: str) -> str:
    return "Downloading Python" if DOWNLOADING.match(text or "") else text


def check_a_slow_boot(record: dict) -> dict:
    """What a slow first visit must show; returns figures for the test's output."""
    downloads = record["downloads"]
    assert downloads, "no hfsignin:download event: the runtime was not downloaded (or the loader says nothing)"
    expected = downloads[-1]["expected"]
    start = next(d["t"] for d in downloads if d["received"] > 0)
    # The download complete: the loader's last event says received === expected (it may say it again).
    partial = [i for i, d in enumerate(downloads) if d["received"] < d["expected"]]
    complete = partial[-1] + 1 if partial else 0
    complete = complete if complete < len(downloads) else None
    end = downloads[complete if complete is not None else -1]["t"]
    assert end - start >= 2000, f"bytes arrived for {end - start:.0f} ms only: is the link slow, the cache cold?"

    samples = [s for s in record["samples"] if s["text"] is not None]
    # Never backwards: the bar's value, and the bytes said.
    values = [s["value"] for s in samples]
    assert values == sorted(values), f"the bar went back: {values}"
    said = [(float(m[1]), float(m[2])) for m in (DOWNLOADING.match(s["text"]) for s in samples) if m]
    assert said, "the loader never said what it downloads"
    received = [r for r, _ in said]
    assert received == sorted(received), f"the megabytes said went back: {received}"
    # The words' total is the loader's; the megabytes said never pass it, and the bar reaches the whole
    # download (BYTES_SHARE) with the last event, when the words turn to the next stage. (Every write
    # counts here, not only samples: that one is followed at once by Pyodide's start.)
    total = float(megabytes(expected))
    assert said[-1][1] == total and max(received) <= total, (said, expected)
    if complete is not None:
        at_end = [w for w in record["writes"] if w["t"] >= end]
        assert at_end and at_end[0]["value"] == BYTES_SHARE and at_end[0]["text"] == "Starting Python…", at_end[:2]
    assert max(values) >= 80, values
    # Throttled: at most five writes a second, give or take the download complete and Python ready.
    times = [w["t"] for w in record["writes"]]
    busiest = max(sum(1 for u in times if t <= u < t + 1000) for t in times)
    assert busiest <= 7, f"{busiest} writes within a second"

    # At least one change in every second while bytes arrive: between the first byte and the last,
    # no second without a new value or new words.
    changes = [start] + [b["t"] for a, b in zip(samples, samples[1:], strict=False)
                         if (a["value"], a["text"]) != (b["value"], b["text"]) and start <= b["t"] <= end] + [end]
    gaps = [b - a for a, b in zip(changes, changes[1:], strict=False)]
    assert max(gaps) <= MOST_SILENT_MS, f"the loader stood still for {max(gaps):.0f} ms while bytes arrived"

    # The words come in the order of the boot's stages, and end ready.
    seen = []
    for s in samples:
        if not seen or seen[-1] != stage(s["text"]):
            seen.append(stage(s["text"]))
    if seen[0] == "Starting Python…":  # index.html's words, before the first byte
        seen = seen[1:]
    assert all(w in STAGES for w in seen), seen
    order = [STAGES.index(w) for w in seen]
    assert order == sorted(order), f"the words went back: {seen}"
    assert seen[-1] == "Python is ready", seen

    # Shown after a second of loading, not before; visible while bytes still arrived.
    assert record["visibleAt"] is not None and REVEAL_MS <= record["visibleAt"] < end, record["visibleAt"]
    assert not [s for s in record["samples"] if s["visible"] and s["t"] < REVEAL_MS]

    # Last, the loader's side of the contract (boot.js copes without it: "Loaded interpreter" ends
    # the download words as well).
    assert complete is not None, (
        f"the loader's last hfsignin:download says {downloads[-1]['received']} of {expected} bytes: "
        "it must end with received === expected")
    return {"bytes": expected, "download_ms": round(end - start), "events": len(downloads), "writes": len(times),
            "busiest_second": busiest,
            "max_gap_ms": round(max(gaps)), "visible_at": round(record["visibleAt"]), "ready_at": round(record["readyAt"]),
            "stages": seen}


def the_bar_mid_download(page):
    """The progressbar, exposed with its name, value and words, while bytes arrive."""
    bar = page.get_by_role("progressbar", name=BAR)
    expect(bar).to_be_visible(timeout=30_000)
    expect(bar).to_have_attribute("aria-valuetext", DOWNLOADING, timeout=30_000)
    expect(bar).to_have_attribute("max", "100")
    return bar


def test_a_slow_first_visit_shows_bytes_then_steps(context, page, slow_space):
    context.add_init_script(RECORDER)
    page.goto(slow_space.space_url + "/", wait_until="commit")
    the_bar_mid_download(page)
    expect(page.locator("#boot-label")).to_have_text(DOWNLOADING)
    assert wait_booted(page) == "signed-out"
    expect(page.get_by_role("progressbar")).to_have_count(0)  # gone from view and from the accessibility tree
    page.wait_for_function("window.__loader.samples.some((s) => s.t > window.__loader.readyAt)")
    figures = check_a_slow_boot(page.evaluate("window.__loader"))
    print(figures)
    assert page.get_by_role("progressbar", include_hidden=True).get_attribute("aria-valuetext") == "Python is ready"


def test_a_boot_under_a_second_shows_nothing(context, published):
    """Visits after the first in the same context, on loopback: the runtime from the HTTP cache, the
    snapshot from Cache Storage. Nothing shows in the first second of loading; a boot that is over
    by then never shows the loader at all."""
    hub = published
    page = with_http_cache(context).new_page()
    page.goto(hub.space_url + "/")
    assert wait_booted(page) == "signed-out"
    # The link was fast: once ready, the plain files and the snapshot are fetched for the next page.
    page.wait_for_function("hfsigninRuntime.snapshot === 'prefetched' || hfsigninRuntime.snapshot === 'verified'",
                           timeout=90_000)
    context.add_init_script(RECORDER)
    for _ in range(3):
        page.goto(hub.space_url + "/")
        assert wait_booted(page) == "signed-out"
        page.wait_for_function("window.__loader.readyAt !== null")
        record = page.evaluate("window.__loader")
        print({"ready_at": round(record["readyAt"]), "visible_at": record["visibleAt"], "shown_at": record["shownAt"],
               "download_events": len(record["downloads"]), "boot": page.evaluate("hfsigninRuntime.boot")})
        assert record["visibleAt"] is None or record["visibleAt"] >= REVEAL_MS, record["visibleAt"]
        assert record["shownAt"] is None or record["shownAt"] >= REVEAL_MS, record["shownAt"]
        assert not [s for s in record["samples"] if s["visible"] and s["t"] < REVEAL_MS]
        if record["readyAt"] < REVEAL_MS:
            assert record["visibleAt"] is None and record["shownAt"] is None, record
        # Hidden once ready, and out of the accessibility tree, its place kept (nothing below moves).
        expect(page.locator(".boot")).to_be_hidden()
        assert page.locator(".boot").bounding_box()["height"] > 0
        expect(page.get_by_role("progressbar")).to_have_count(0)


@pytest.mark.parametrize("scheme, viewport", [("light", {"width": 1200, "height": 900}),
                                             ("dark", {"width": 1200, "height": 900}),
                                             ("light", {"width": 390, "height": 844})],
                         ids=["light", "dark", "390px"])
def test_the_loader_mid_download_pictures(page, published, scheme, viewport):
    """Pictures of the loader while bytes arrive (looked at), and axe-core on it, in both schemes and
    at 390 px; a slower link, so that there is time for them."""
    published.settings(space_rate=4, space_latency=LATENCY_MS)
    page.set_viewport_size(viewport)
    page.emulate_media(color_scheme=scheme)
    page.goto(published.space_url + "/", wait_until="commit")
    bar = the_bar_mid_download(page)
    page.wait_for_function("document.getElementById('boot-progress').value >= 25", timeout=30_000)
    assert_accessible(page, f"the loader mid-download ({scheme}, {viewport['width']} px)")
    shot(page, f"loader-mid-download-{scheme}-{viewport['width']}")
    assert 25 <= float(bar.get_attribute("value")) < BYTES_SHARE
    expect(bar).to_have_attribute("aria-valuetext", DOWNLOADING)
    published.settings(space_rate=None)  # the rest of the boot at loopback speed
    assert wait_booted(page) == "signed-out"


@pytest.mark.firefox
def test_firefox_a_slow_first_visit_shows_bytes_then_steps(ff_context, ff_page, slow_space):
    ff_context.add_init_script(RECORDER)
    ff_page.goto(slow_space.space_url + "/", wait_until="commit")
    the_bar_mid_download(ff_page)
    shot(ff_page, "firefox-loader-mid-download")
    assert wait_booted(ff_page) == "signed-out"
    expect(ff_page.get_by_role("progressbar")).to_have_count(0)
    ff_page.wait_for_function("window.__loader.samples.some((s) => s.t > window.__loader.readyAt)")
    print(check_a_slow_boot(ff_page.evaluate("window.__loader")))
