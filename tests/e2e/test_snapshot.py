"""The Pyodide memory snapshot: made after a first normal boot, restored on the
next visit, never holding anything of the visitor, and never trusted blindly."""

import json

from playwright.sync_api import expect

from harness import open_space, sign_in, wait_booted

SNAPSHOT_READY = "hfsigninRuntime.snapshot === 'stored'"
SNAPSHOT_BYTES = """async () => {
    const cache = await caches.open('hfsignin-pyodide-snapshots');
    const [request] = await cache.keys();
    return request ? {url: request.url, bytes: new Uint8Array(await (await cache.match(request)).arrayBuffer())} : null;
}"""


def test_first_visit_boots_normally_then_later_visits_restore_the_snapshot(page, hub):
    assert open_space(page, hub) == "signed-out"
    assert page.evaluate("document.documentElement.dataset.pythonBoot") == "normal"
    page.wait_for_function(SNAPSHOT_READY, timeout=90_000)
    page.reload()
    assert wait_booted(page) == "signed-out"
    assert page.evaluate("document.documentElement.dataset.pythonBoot") == "snapshot"
    # The restored interpreter does the whole job: sign-in, WebCrypto, DOM, storage.
    assert sign_in(page, user="bob") == "signed-in"
    assert page.evaluate("document.documentElement.dataset.pythonBoot") == "snapshot"
    page.click('[data-action="urllib-whoami"]')
    expect(page.locator("#urllib-result")).to_contain_text("→ 200")


def test_the_snapshot_holds_nothing_of_the_visitor(page, hub):
    open_space(page, hub)
    sign_in(page, user="alice")
    page.wait_for_function(SNAPSHOT_READY, timeout=90_000)  # made while signed in
    session = json.loads(page.evaluate("sessionStorage.getItem('hfsignin:session')"))
    snapshot = page.evaluate(f"({SNAPSHOT_BYTES})()")
    assert "pyodide-314.0.7-v1.bin" in snapshot["url"]
    raw = bytes(snapshot["bytes"].values()) if isinstance(snapshot["bytes"], dict) else bytes(snapshot["bytes"])
    assert len(raw) > 10_000_000
    for secret in (session["access_token"], session["refresh_token"], session["id_token"][:40], "Alice Liddell"):
        assert secret.encode() not in raw


def test_a_corrupt_snapshot_falls_back_to_a_normal_boot_and_is_replaced(page, hub, context):
    open_space(page, hub)
    page.wait_for_function(SNAPSHOT_READY, timeout=90_000)
    page.evaluate("""async () => {
        const cache = await caches.open('hfsignin-pyodide-snapshots');
        const [request] = await cache.keys();
        await cache.put(request, new Response(new Uint8Array(4096).fill(7)));
    }""")
    warnings = []
    page.on("console", lambda m: m.type == "warning" and warnings.append(m.text))
    page.reload()
    assert wait_booted(page) == "signed-out"
    assert page.evaluate("document.documentElement.dataset.pythonBoot") == "normal"
    assert any("could not be restored" in w for w in warnings)
    page.wait_for_function(SNAPSHOT_READY, timeout=90_000)  # a good one again
    page.reload()
    wait_booted(page)
    assert page.evaluate("document.documentElement.dataset.pythonBoot") == "snapshot"


def test_a_snapshot_of_another_runtime_is_never_restored(page, hub):
    open_space(page, hub)
    page.evaluate("""async () => {
        const cache = await caches.open('hfsignin-pyodide-snapshots');
        await cache.put(new URL('./static_site/snapshot/pyodide-0.0.1-v1.bin', location.href).href,
                        new Response(new Uint8Array(64)));
    }""")
    page.reload()
    wait_booted(page)
    assert page.evaluate("document.documentElement.dataset.pythonBoot") == "normal"
    keys = page.evaluate("async () => (await (await caches.open('hfsignin-pyodide-snapshots')).keys()).map(r => r.url)")
    assert not [k for k in keys if "pyodide-0.0.1" in k]
