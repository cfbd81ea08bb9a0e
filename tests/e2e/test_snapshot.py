"""The build's Pyodide memory snapshot: restored from the first visit on, only when
its digest matches the served static_site/snapshot.json, never holding anything of
the visitor, and switched off in a browser where a boot through it once died."""

import json

from playwright.sync_api import expect

from harness import ROOT, open_space, sign_in, wait_booted, wait_until

MANIFEST = json.loads((ROOT / "static_site" / "snapshot.json").read_text())
CACHE_KEYS = "async () => (await (await caches.open('hfsignin-pyodide-snapshots')).keys()).map(r => r.url)"
FIND_IN_COPY = """async (needles) => {
    // The kept copy's size, and which of the needles occur in its bytes.
    const cache = await caches.open('hfsignin-pyodide-snapshots');
    const [request] = await cache.keys();
    const hay = new Uint8Array(await (await cache.match(request)).arrayBuffer());
    const found = needles.filter((text) => {
        const n = new TextEncoder().encode(text);
        outer: for (let i = hay.indexOf(n[0]); i >= 0 && i <= hay.length - n.length; i = hay.indexOf(n[0], i + 1)) {
            for (let j = 1; j < n.length; j++) if (hay[i + j] !== n[j]) continue outer;
            return true;
        }
        return false;
    });
    return {size: hay.length, found};
}"""




def boot_path(page) -> str:
    return page.evaluate("document.documentElement.dataset.pythonBoot")


def kept_copy(page) -> bool:
    """The decompressed copy is stored shortly after a boot that downloaded it."""
    page.wait_for_function(f"""async () => {{
        const keys = await ({CACHE_KEYS})();
        return keys.length === 1 && keys[0].endsWith('/{MANIFEST["sha256"]}');
    }}""", polling=200)
    return True


def test_the_first_visit_restores_the_build_snapshot_and_does_the_whole_job(page, hub):
    assert open_space(page, hub) == "signed-out"
    assert boot_path(page) == "snapshot"
    assert kept_copy(page)
    page.reload()
    assert wait_booted(page) == "signed-out"
    assert boot_path(page) == "snapshot"  # this time from the checked copy
    # The restored interpreter does the whole job: sign-in, WebCrypto, DOM, storage, urllib.
    assert sign_in(page, user="bob") == "signed-in"
    assert boot_path(page) == "snapshot"
    page.click('[data-action="urllib-whoami"]')
    expect(page.locator("#urllib-result")).to_contain_text("→ 200")


def test_the_snapshot_holds_nothing_of_the_visitor(page, hub):
    open_space(page, hub)
    sign_in(page, user="alice")
    kept_copy(page)
    session = json.loads(page.evaluate("sessionStorage.getItem('hfsignin:session')"))
    secrets = [session["access_token"], session["refresh_token"], session["id_token"][:40], "Alice Liddell"]
    scan = page.evaluate(FIND_IN_COPY, secrets + ["pyodide"])
    assert scan["size"] == MANIFEST["bytes"]
    assert scan["found"] == ["pyodide"]  # the search works, and finds nothing of the visitor


def test_a_planted_snapshot_with_the_expected_key_is_refused_and_dropped(page, hub, context):
    """Cache Storage is writable by any script of the origin: a planted copy under the exact
    key the app uses, the right size and a real snapshot's shape, must still not be restored."""
    open_space(page, hub)
    kept_copy(page)
    page.evaluate("""async () => {
        const cache = await caches.open('hfsignin-pyodide-snapshots');
        const [request] = await cache.keys();
        const bytes = new Uint8Array(await (await cache.match(request)).arrayBuffer());
        bytes[bytes.length - 4096] ^= 0xff;  // interpreter memory, changed
        await cache.put(request, new Response(bytes));
    }""")
    warnings = []
    page.on("console", lambda m: m.type == "warning" and warnings.append(m.text))
    page.reload()
    assert wait_booted(page) == "signed-out"
    assert any("did not match this build's digest" in w for w in warnings), warnings
    assert boot_path(page) == "snapshot"  # the genuine file, downloaded and checked again
    assert kept_copy(page)


def test_a_snapshot_file_that_does_not_match_the_manifest_boots_normally(page, hub, context):
    context.route(f"**/{MANIFEST['url'].rsplit('/', 1)[1]}",
                  lambda route: route.fulfill(status=200, body=b"\x1f\x8b" + bytes(4096)))
    warnings = []
    page.on("console", lambda m: m.type == "warning" and warnings.append(m.text))
    assert open_space(page, hub) == "signed-out"
    assert boot_path(page) == "normal"
    assert any("snapshot was not used" in w for w in warnings), warnings
    assert page.evaluate(CACHE_KEYS) == []


def test_a_build_without_a_snapshot_boots_normally(page, hub, context):
    context.route("**/static_site/snapshot.json", lambda route: route.fulfill(status=404, body="not found"))
    context.guard.allow_console(r"(?i)404 \(not found\).*snapshot\.json")
    assert open_space(page, hub) == "signed-out"
    assert boot_path(page) == "normal"
    assert sign_in(page, user="bob") == "signed-in"


def test_a_snapshot_boot_whose_tab_crashed_switches_the_snapshot_off(page, hub, context):
    """The renderer dies after restoring the snapshot and before Python is ready: the next
    boot in this browser boots normally and drops the copy; a new build's snapshot would be
    tried again (the switch names this snapshot's digest)."""
    held = []
    context.route("**/py/space_app/main.py", lambda route: held.append(route))
    page.goto(hub.space_url + "/")
    page.wait_for_function("window.hfsigninRuntime && hfsigninRuntime.boot === 'snapshot'")
    wait_until(page, lambda: held)  # Python is restored; the app's code is held back, so it is not ready
    page.wait_for_function("Object.keys(localStorage).some(k => k.startsWith('hfsignin:snapshot-boot:'))")
    context.guard.crash_expected = True  # this crash is the test's own
    with page.expect_event("crash"):
        try:
            context.new_cdp_session(page).send("Page.crash", timeout=3000)
        except Exception:  # noqa: BLE001 - no answer comes from a crashed renderer
            pass
    page.close()
    context.unroute("**/py/space_app/main.py")

    again = context.new_page()
    assert open_space(again, hub) == "signed-out"
    assert boot_path(again) == "normal"
    assert again.evaluate("localStorage.getItem('hfsignin:snapshot-failed')") == MANIFEST["gz_sha256"]
    assert again.evaluate(CACHE_KEYS) == []
    again.reload()
    assert wait_booted(again) == "signed-out"
    assert boot_path(again) == "normal"  # stays off for this snapshot
    again.evaluate(f"localStorage.setItem('hfsignin:snapshot-failed', '{'0' * 64}')")  # another build's
    again.reload()
    assert wait_booted(again) == "signed-out"
    assert boot_path(again) == "snapshot"


def test_leaving_a_page_while_it_boots_is_not_a_failure(page, hub, context):
    held = []
    context.route("**/py/space_app/main.py", lambda route: held.append(route))
    page.goto(hub.space_url + "/")
    wait_until(page, lambda: held)
    context.unroute("**/py/space_app/main.py")
    page.goto(hub.space_url + "/")  # the visitor reloads or navigates before Python is ready
    assert wait_booted(page) == "signed-out"
    assert boot_path(page) == "snapshot"
    assert page.evaluate("localStorage.getItem('hfsignin:snapshot-failed')") is None
