"""boot.js watches the boot: an error before Python runs, or a boot that stops
making progress, becomes a banner with a Reload button instead of an endless
spinner; on a callback page the sign-in survives the reload."""

import pytest
from playwright.sync_api import expect

from harness import ROOT, auth_state, begin_sign_in, open_space, wait_booted, wait_until

LOADER = "**/static_site/pyodide-loader.mjs"
SNAPSHOT_DIGEST = __import__("json").loads((ROOT / "static_site" / "snapshot.json").read_text())["gz_sha256"]


# When the page last showed a sign of progress, as boot.js's watchdog counts them: a file loaded,
# a step of PyScript's, the loader's steps and bytes.
LAST_PROGRESS = """
window.__lastProgress = performance.now();
const seen = () => { window.__lastProgress = performance.now(); };
for (const name of ["py:progress", "hfsignin:boot", "hfsignin:download"]) addEventListener(name, seen);
new PerformanceObserver(seen).observe({ type: "resource" });
"""


def failed_banner(page):
    banner = page.locator('[role="alert"][data-error="python_failed"]')
    expect(banner).to_be_visible()
    expect(page.locator('[data-action="reload"]')).to_be_visible()
    expect(page.locator('[data-action="retry"]')).to_be_hidden()
    assert auth_state(page) == "error"
    return banner




def test_an_interpreter_that_cannot_load_shows_python_failed_and_reload_recovers(page, hub, context):
    context.route(LOADER, lambda route: route.abort())
    context.guard.allow_console(r"pyodide-loader\.mjs|Failed to fetch dynamically imported module|ERR_FAILED")
    page.goto(hub.space_url + "/")
    banner = failed_banner(page)
    expect(banner).to_contain_text("Python could not start")
    expect(banner).to_contain_text("Reloading usually fixes it")
    expect(page.locator('[data-action="sign-in"]')).to_be_disabled()
    context.unroute(LOADER)
    page.click('[data-action="reload"]')
    assert wait_booted(page) == "signed-out"
    expect(page.locator('[role="alert"]')).to_be_hidden()


def test_on_a_callback_page_nothing_is_lost_reload_finishes_the_sign_in(page, hub, context):
    open_space(page, hub)
    begin_sign_in(page)
    page.click('[data-login="bob"]')
    context.route(LOADER, lambda route: route.abort())
    context.guard.allow_console(r"pyodide-loader\.mjs|Failed to fetch dynamically imported module|ERR_FAILED")
    page.click('[data-action="approve"]')
    page.wait_for_url("**/?code=*")
    expect(failed_banner(page)).to_contain_text("Your sign-in is not lost")
    assert hub.events("token") == []  # the code is still unused
    context.unroute(LOADER)
    page.click('[data-action="reload"]')
    assert wait_booted(page) == "signed-in"
    expect(page.locator('[data-user="preferred_username"]')).to_have_text("@bob")
    assert len(hub.events("token")) == 1


@pytest.mark.parametrize("returning", [False, True], ids=["landing", "callback"])
def test_a_boot_that_goes_silent_trips_the_watchdog_and_a_late_success_clears_it(page, hub, context, returning):
    """Python restored from the snapshot, then nothing for longer than the bound: the banner
    shows, the snapshot is switched off in this browser (it may be what hangs), and when the
    boot does finish after all the banner goes away and the page goes on from the state it
    was in (on a callback page, the sign-in completes: no illegal state change)."""
    held = []
    if returning:
        open_space(page, hub)
        begin_sign_in(page)
        page.click('[data-login="bob"]')
    context.route("**/py/space_app/main.py", lambda route: held.append(route))
    context.add_init_script(LAST_PROGRESS)
    context.clock.install()
    if returning:
        page.click('[data-action="approve"]')
        page.wait_for_url("**/?code=*")
    else:
        page.goto(hub.space_url + "/")
    wait_until(page, lambda: held)
    page.wait_for_function("window.hfsigninRuntime && hfsigninRuntime.boot === 'snapshot'")
    # Silent for real before the clock jumps: a file or step that ends after the jump would
    # count as progress and start the bound again (a busy machine finishes the boot's last
    # files late).
    page.wait_for_function("performance.now() - window.__lastProgress > 1500", polling=100, timeout=60_000)
    assert page.locator('[role="alert"]').is_hidden()
    context.clock.fast_forward(31_000)
    failed_banner(page)
    assert page.evaluate("localStorage.getItem('hfsignin:snapshot-failed')") == SNAPSHOT_DIGEST
    for route in held:
        route.continue_()
    context.unroute("**/py/space_app/main.py")
    assert wait_booted(page) == ("signed-in" if returning else "signed-out")
    expect(page.locator('[role="alert"]')).to_be_hidden()
    assert page.locator('[data-action="reload"]').is_hidden()


def test_progress_keeps_the_watchdog_quiet_on_a_slow_page(page, hub, context):
    """The page's body arrives 5 s late: well inside the bound, and the bound only counts
    silence once the page is parsed. No banner at any point."""
    context.add_init_script("""
        window.__bannerSeen = false;
        addEventListener('DOMContentLoaded', () => new MutationObserver(() => {
            if (document.querySelector('[data-error="python_failed"]')) window.__bannerSeen = true;
        }).observe(document.documentElement, {attributes: true, subtree: true}));
    """)
    hub.settings(body_delay=5)
    assert open_space(page, hub) == "signed-out"
    assert page.evaluate("window.__bannerSeen") is False
