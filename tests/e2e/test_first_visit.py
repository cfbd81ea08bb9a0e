"""The first visit on an ordinary link (issue 20): with the Space's HFSIGNIN_SNAPSHOT at its default
("auto"), a boot judges the link on its first downloads. On devhub's own limit for its Space host
(20 Mbit/s, 40 ms) the page downloads Pyodide compressed and the cut standard library, about 5 MB
instead of 20, and boots without the snapshot; the return from the provider downloads nothing big
again, in a profile on disk and in a private window; and once the page has long been ready, the
plain files and the snapshot are fetched for the next page, which then boots from them.

The rest of the suite sets HFSIGNIN_SNAPSHOT=always (tests/conftest.py): a busy machine's loopback
must not decide which way a test boots."""

import pytest

from harness import open_space, published, sign_in, wait_booted

SLOW = {"space_rate": 20, "space_latency": 40}
RUNTIME = "({...hfsigninRuntime, wasmBytes: undefined})"
# Every response of this document on the wire (Resource Timing: 0 from the HTTP cache, a few
# hundred bytes for a 304), and the files of more than 10 KB among them.
WIRE = """() => [...performance.getEntriesByType('navigation'), ...performance.getEntriesByType('resource')]
    .reduce((n, e) => n + (e.transferSize || 0), 0)"""
BIG = """() => performance.getEntriesByType('resource').filter(e => e.transferSize > 10000)
    .map(e => new URL(e.name).pathname.split("/").pop())"""
BIG_SIZES = """() => performance.getEntriesByType("resource").map(e => [new URL(e.name).pathname.split("/").pop(), e.transferSize, e.encodedBodySize, e.responseStatus])"""


def with_http_cache(context):
    """Playwright's request interception turns Chromium's HTTP cache off: the guard's route, which
    fails a test whose page leaves loopback, is removed for these tests, which count what comes
    from that cache (their pages only know devhub's two loopback origins)."""
    context.unroute("**/*")
    return context


@pytest.fixture
def judged(hub):
    """The Space as published: HFSIGNIN_SNAPSHOT unset, the link judged per boot (harness.published)."""
    yield from published(hub)


def runtime(page) -> dict:
    return page.evaluate(RUNTIME)


def test_an_ordinary_link_boots_compressed_and_the_next_page_from_the_plain_files(context_3p_allowed, judged):
    hub = judged
    context = with_http_cache(context_3p_allowed)
    page = context.pages[0] if context.pages else context.new_page()
    hub.settings(**SLOW)
    assert open_space(page, hub) == "signed-out"
    first = runtime(page)
    assert (first["files"], first["stdlib"], first["boot"], first["snapshot"]) == (
        "compressed", "cut", "normal", "deferred"), first
    big = page.evaluate(BIG)
    assert {"pyodide.asm.wasm.gz", "pyodide.asm.mjs.gz"} <= set(big), big
    assert not {"pyodide.asm.wasm", "pyodide.asm.mjs", "python_stdlib.zip"} & set(big), big
    assert not any(name.endswith(".bin.gz") for name in big), big  # no snapshot on this link
    wire = page.evaluate(WIRE)
    assert 4_000_000 < wire < 6_000_000, wire  # 20.4 MB before issue 20

    # The return from the provider (a redirect): everything big comes from the HTTP cache.
    assert sign_in(page) == "signed-in"
    assert page.evaluate(BIG) == [], page.evaluate(BIG_SIZES)
    back = runtime(page)
    assert (back["files"], back["boot"]) == ("compressed", "normal"), back  # cached files say nothing of the link

    # Once the page has been ready 15 s: the plain files and the snapshot, for the next page.
    hub.settings(space_rate=None, space_latency=None)
    page.wait_for_function("hfsigninRuntime.snapshot === 'prefetched' && "
                           "localStorage.getItem('hfsignin:plain-files') !== null", timeout=90_000)
    page.reload()
    assert wait_booted(page) == "signed-in"
    again = runtime(page)
    assert (again["files"], again["stdlib"], again["boot"], again["snapshot"]) == (
        "plain", "cut", "snapshot", "verified"), again
    assert page.evaluate(BIG) == []  # the plain files from the HTTP cache, the snapshot from Cache Storage


def test_a_private_window_downloads_nothing_twice_on_the_return(context, judged):
    """A context of the session's browser keeps its HTTP cache in memory, as a private window: the
    compressed files (3.5 MB at most) stay in it, where the plain 9.6 MB wasm did not."""
    hub = judged
    page = with_http_cache(context).new_page()
    hub.settings(**SLOW)
    assert open_space(page, hub) == "signed-out"
    assert runtime(page)["files"] == "compressed"
    assert sign_in(page) == "signed-in"
    assert page.evaluate(BIG) == []
    assert page.evaluate(WIRE) < 200_000, page.evaluate(WIRE)


PROBE = """<!doctype html><meta charset="utf-8"><title>probe</title>
<script type="module">
import { loadPyodide } from "./pyodide-loader.mjs";
const py = await loadPyodide();
window.probe = py.runPython(`
import sys
import statistics, email.mime.text, xml.dom.minidom
import email.message  # in the cut library: still from there
[m.__file__ for m in (statistics, email.mime.text, xml.dom.minidom, email.message)] + [hfsigninRuntime_stdlib]
`.replace("hfsigninRuntime_stdlib", JSON.stringify(hfsigninRuntime.stdlib))).toJs();
window.probeFetches = performance.getEntriesByType("resource").filter((e) => e.name.endsWith("/python_stdlib.zip")).length;
</script>"""


def test_an_import_the_cut_library_lacks_loads_the_whole_one_once(context, hub):
    """A Space author's own import of a module the cut library lacks: a top-level module, a package
    missing altogether, a submodule of a package the cut has in part. The whole library is fetched
    once, checked against its digest, and each module found in it."""
    url = hub.space_url + "/static_site/probe.html"
    context.route(url, lambda route: route.fulfill(body=PROBE, content_type="text/html"))
    page = context.new_page()
    page.goto(url)
    page.wait_for_function("window.probe !== undefined", timeout=120_000)
    files = page.evaluate("window.probe")
    assert files[-1] == "cut"
    assert [f.rsplit(".zip/", 1)[0] for f in files[:3]] == ["/lib/python314-full"] * 3, files
    assert files[3].startswith("/lib/python314.zip/email/"), files
    assert page.evaluate("window.probeFetches") == 1
