"""Every state a visitor can see, looked at: the provider's pages, dark mode,
loading and failing lists, an expiring session, the keyboard."""

from playwright.sync_api import expect

from harness import begin_sign_in, open_space, shot, sign_in, wait_booted, wait_until


def test_provider_pages_and_dark_mode(page, hub):
    page.emulate_media(color_scheme="dark")
    open_space(page, hub)
    shot(page, "08-dark-signed-out")
    page.emulate_media(color_scheme="light")
    page.click('[data-action="sign-in"]')
    page.wait_for_selector('[data-login="alice"]')
    # the seed's hostile 10,000-character name wraps instead of widening the page, once the page's
    # stylesheet applies: the accounts are in the DOM (and measurable) before it arrives on a busy
    # machine, and a browser paints nothing before it (provoked with 800 ms of emulated latency)
    page.wait_for_load_state("load")
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
    shot(page, "02-hub-sign-in")
    page.click('[data-login="alice"]')
    page.wait_for_selector('[data-action="approve"]')
    expect(page.locator('[data-org="wonderland-lab"]')).to_be_visible()
    shot(page, "03-hub-consent")
    page.emulate_media(color_scheme="dark")
    page.click('[data-action="approve"]')
    assert wait_booted(page) == "signed-in"
    page.wait_for_selector('[data-repo="alice/looking-glass-7b"]')
    shot(page, "09-dark-signed-in")
    bg = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert bg != "rgb(247, 247, 248)"  # the dark palette applied


def test_a_failing_list_shows_its_error_and_retries(page, hub, context):
    context.guard.allow_console(r"status of 500")
    hub.fault("datasets", status=500, body='{"error": "boom"}')
    open_space(page, hub)
    sign_in(page, user="bob")
    page.click("#tab-datasets")
    group = page.locator('[data-repo-list="datasets"] [data-owner="bob"]')
    expect(group.locator(".group-status.error")).to_contain_text("Could not load datasets")
    expect(group.locator(".group-status")).to_contain_text("HTTP 500")
    expect(page.locator('[data-repo-list="models"] [data-repo="bob/reggae-bert"]')).to_have_count(1)
    expect(page.locator('[role="alert"]')).to_be_hidden()  # one list failing is not a page error
    shot(page, "10-list-error")
    group.locator('[data-action="retry-list"]').click()
    expect(group.locator('[data-repo="bob/one-love-lyrics"]')).to_be_visible()
    expect(group.locator(".group-status")).to_be_hidden()


def test_a_list_told_to_slow_down_says_when_and_retries_by_itself(page, hub, context):
    """HF's 429 (RateLimit, reset in 3 s): the group counts down, then loads without a click."""
    context.guard.allow_console(r"status of 429")
    hub.fault("datasets", rate_limit={"reset": 3})
    open_space(page, hub)
    sign_in(page, user="bob")
    page.click("#tab-datasets")
    group = page.locator('[data-repo-list="datasets"] [data-owner="bob"]')
    status = group.locator(".group-status")
    expect(status).to_contain_text("Hugging Face asked this Space to wait. Trying again in ")
    expect(group.locator('[data-action="retry-list"]')).to_have_text("Retry now")
    shot(page, "10b-list-rate-limited")
    expect(group.locator('[data-repo="bob/one-love-lyrics"]')).to_be_visible(timeout=10_000)
    expect(status).to_be_hidden()
    assert len([e for e in hub.events("fault") if e["endpoint"] == "datasets"]) == 1  # one 429, then the rows


def test_slow_lists_show_loading_and_sorting_reorders(page, hub):
    open_space(page, hub)
    sign_in(page, user="alice")
    page.wait_for_selector('[data-repo="alice/looking-glass-7b"]')
    hub.fault("models", delay=1.5)
    page.reload()
    assert wait_booted(page) == "signed-in"
    group = page.locator('[data-repo-list="models"] [data-owner="alice"]')
    expect(group).to_have_attribute("aria-busy", "true")
    expect(group.locator(".group-status")).to_have_text("Loading…")
    expect(group).not_to_have_attribute("aria-busy", "true", timeout=10_000)
    page.select_option("#sort", "id")  # every row is here: sorted in the page (tests/e2e/test_lists.py)
    expect(group.locator("[data-repo]").first).to_have_attribute("data-repo", "alice/cheshire-embed")
    ids = group.locator("[data-repo]").evaluate_all("els => els.map(e => e.dataset.repo)")
    assert ids == sorted(ids) == ["alice/cheshire-embed", "alice/looking-glass-7b"]
    page.select_option("#sort", "likes")
    expect(group.locator("[data-repo]").first).to_have_attribute("data-repo", "alice/looking-glass-7b")


def test_case_35_a_session_that_expires_while_open_signs_out_with_a_message(page, hub):
    hub.settings(expires_in=6)
    hub.fault("token", patch={"refresh_token": None})  # nothing to renew it with
    open_space(page, hub)
    sign_in(page, user="carol")
    expect(page.locator("#expiry")).to_contain_text(" s")
    expect(page.locator("html")).to_have_attribute("data-auth", "signed-out", timeout=15_000)
    banner = page.locator('[role="alert"][data-error="session_expired"]')
    expect(banner).to_contain_text("expired")
    assert page.evaluate("sessionStorage.getItem('hfsignin:session')") is None
    shot(page, "11-session-expired")
    page.reload()
    assert wait_booted(page) == "signed-out"


def test_keyboard_only_sign_in(page, hub):
    open_space(page, hub)
    page.keyboard.press("Tab")  # skip link
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.dataset.action") == "sign-in"
    page.keyboard.press("Enter")
    page.wait_for_selector('[data-login="bob"]')
    page.focus('[data-login="bob"]')
    page.keyboard.press("Enter")
    page.wait_for_selector('[data-action="approve"]')
    page.focus('[data-action="approve"]')
    page.keyboard.press("Enter")
    assert wait_booted(page) == "signed-in"
    assert page.evaluate("document.activeElement.id") == "profile-name"  # focus follows the new content
    page.focus("#tab-models")
    page.keyboard.press("ArrowRight")
    expect(page.locator("#tab-datasets")).to_have_attribute("aria-selected", "true")
    expect(page.locator("#panel-datasets")).to_be_visible()


def test_the_busy_words_show_before_python_runs(page, hub, context):
    """boot.js writes the busy view's words for a return from the provider and for a stored
    session at once, not "Loading…" until Python starts (Python's own file is held here)."""
    open_space(page, hub)
    begin_sign_in(page)
    page.click('[data-login="bob"]')
    held = []
    context.route("**/py/space_app/main.py", lambda route: held.append(route))
    page.click('[data-action="approve"]')
    wait_until(page, lambda: held)
    expect(page.locator("#busy-text")).to_have_text("Completing sign-in…")
    for route in held:
        route.continue_()
    context.unroute("**/py/space_app/main.py")
    assert wait_booted(page) == "signed-in"
    held.clear()
    context.route("**/py/space_app/main.py", lambda route: held.append(route))
    page.reload()
    wait_until(page, lambda: held)
    assert page.evaluate("document.documentElement.dataset.boot") == "restoring"
    expect(page.locator("#busy-text")).to_have_text("Restoring your session…")
    for route in held:
        route.continue_()
    context.unroute("**/py/space_app/main.py")
    assert wait_booted(page) == "signed-in"
    assert page.evaluate("document.documentElement.dataset.boot") is None  # over once signed in
