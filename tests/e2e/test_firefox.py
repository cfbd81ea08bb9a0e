"""The core journeys in Firefox (ESR, driven over WebDriver BiDi) against devhub, under
the same guard as Chromium: sign-in with consent, reload signed in, sign-out, access
denied, and the Space inside the hub's Space page with third-party storage blocked
(network.cookie.cookieBehavior=1) and allowed (5, Firefox's default)."""

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from harness import (deny_then_retry, open_space, shot, sign_in, space_frame_link_to_new_tab, space_page_in_another_site,
                     wait_booted, wait_until)

pytestmark = pytest.mark.firefox


def boot_path(page) -> str:
    return page.evaluate("document.documentElement.dataset.pythonBoot")


def session_keys(page) -> list[str]:
    return page.evaluate("Object.keys(sessionStorage)")


def space_page(page, hub):
    page.goto(f"{hub.hub_url}/spaces/{hub.devhub.options.space_id}")
    return page.frame_locator("#space-frame")


def the_frame(page, hub):
    return next(f for f in page.frames if f.url.startswith(hub.space_url))




def test_the_guard_sees_firefox_pages(ff_context, ff_page, hub):
    """Over BiDi too, the guard routes every request and hears console errors, frames included."""
    ff_page.goto(f"{hub.hub_url}/spaces/{hub.devhub.options.space_id}")
    frame = the_frame(ff_page, hub)
    frame.evaluate("new Image().src = 'https://huggingface.co/avatars/probe.png'")  # img-src allows huggingface.co
    frame.evaluate("console.error('guard-probe')")
    guard = ff_context.guard
    for _ in range(50):
        if guard.external and guard.console_errors:
            break
        ff_page.wait_for_timeout(100)
    assert guard.external == ["https://huggingface.co/avatars/probe.png"]
    assert any("guard-probe" in e for e in guard.console_errors), guard.console_errors
    guard.external.clear()
    guard.console_errors.clear()


def test_sign_in_with_consent_reload_and_sign_out(ff_page, hub):
    page = ff_page
    assert open_space(page, hub) == "signed-out"
    assert boot_path(page) == "snapshot"  # Firefox restores the build's Pyodide memory snapshot
    shot(page, "firefox-01-signed-out")
    assert sign_in(page, user="alice", orgs=["wonderland-lab"]) == "signed-in"
    expect(page.locator('[data-user="name"]')).to_have_text("Alice Liddell")
    expect(page.locator('[data-user="preferred_username"]')).to_have_text("@alice")
    expect(page.locator('[data-user="email"]')).to_have_text("alice@wonderland.example")
    expect(page.locator("[data-org]")).to_have_count(1)
    expect(page.locator('[data-org="wonderland-lab"]')).to_contain_text("admin")
    page.wait_for_selector('[data-repo="wonderland-lab/queen-of-hearts-70b"]')
    expect(page.locator('[data-repo="alice/looking-glass-7b"]')).to_have_attribute("data-private", "false")
    assert "code=" not in page.url and "state=" not in page.url
    shot(page, "firefox-02-signed-in")

    tokens_before = len(hub.events("token"))
    page.reload()
    assert wait_booted(page) == "signed-in"
    assert boot_path(page) == "snapshot"  # again, from the checked copy in Cache Storage
    expect(page.locator('[data-user="name"]')).to_have_text("Alice Liddell")
    page.wait_for_selector('[data-repo="alice/looking-glass-7b"]')
    assert len(hub.events("token")) == tokens_before

    page.click('[data-action="sign-out"]')
    expect(page.locator("html")).to_have_attribute("data-auth", "signed-out")
    assert not [k for k in session_keys(page) if k.startswith(("hfsignin:session", "hfsignin:tx:"))]
    expect(page.locator("[data-repo]")).to_have_count(0)
    page.reload()
    assert wait_booted(page) == "signed-out"


def test_deny_shows_access_denied_and_retry_signs_in(ff_page, hub):
    deny_then_retry(ff_page, hub, "firefox-03-access-denied")


def test_framed_with_storage_blocked_offers_a_new_tab_and_signs_in_there(ff_context, ff_page, hub):
    page = ff_page
    seen = []
    page.on("framenavigated", lambda f: f != page.main_frame and seen.append(f.url))
    frame = space_page(page, hub)
    html = frame.locator("html")
    expect(html).to_have_attribute("data-embed", "blocked")
    expect(html).to_have_attribute("data-auth", "signed-out")  # not stuck on "loading"
    link = frame.locator('[data-action="sign-in"]')
    expect(link).to_have_text("Open in a new tab to sign in")
    assert link.get_attribute("href") == hub.space_url + "/?sign-in"
    assert link.get_attribute("target") == "_blank" and "noopener" in link.get_attribute("rel")
    expect(frame.locator("#embed-note")).to_contain_text("blocks storage")
    inside = the_frame(page, hub)
    # What cookieBehavior=1 does to a cross-site frame in Firefox: sessionStorage still works,
    # IndexedDB (which PyScript opens) throws, so the frame is "blocked"; boot.js stands in for
    # IndexedDB there and Python runs all the same (tests/e2e/test_blocked_frame_boot.py).
    assert inside.evaluate("(() => { sessionStorage.setItem('x', '1'); return sessionStorage.getItem('x'); })()") == "1"
    assert inside.evaluate("window.indexedDB instanceof IDBFactory") is False
    expect(html).to_have_attribute("data-python", "ready", timeout=90_000)
    expect(frame.locator("#runtime-status")).to_have_text("Python ready")
    expect(link).to_have_text("Open in a new tab to sign in")
    # the private-repositories choice made here goes along to the tab that signs in
    frame.locator("#want-private").check()
    assert link.get_attribute("href") == hub.space_url + "/?sign-in=private"
    shot(page, "firefox-04-framed-storage-blocked")
    tab = space_frame_link_to_new_tab(ff_context, link, user="alice")
    expect(frame.locator("#embed-note")).to_contain_text("continues in the new tab")
    assert "read-repos" in hub.events("authorize")[0]["scope"].split()
    expect(tab.locator('[data-repo="alice/drink-me-lora"]')).to_have_attribute("data-private", "true")
    shot(tab, "firefox-05-new-tab-signed-in")
    assert not [u for u in seen if u.startswith((hub.hub_url + "/oauth", hub.hub_url + "/login"))]


def test_framed_with_storage_allowed_signs_in_inside_the_space_page(ff_context_3p_allowed, hub):
    """As in Chromium: location.ancestorOrigins (Firefox ESR 153 has it) names the provider alone."""
    context = ff_context_3p_allowed
    page = context.new_page()
    frame = space_page(page, hub)
    html = frame.locator("html")
    expect(html).to_have_attribute("data-embed", "space")
    expect(html).to_have_attribute("data-python", "ready", timeout=90_000)
    expect(html).to_have_attribute("data-auth", "signed-out")
    assert the_frame(page, hub).evaluate("document.documentElement.dataset.pythonBoot") == "snapshot"
    shot(page, "firefox-06-framed-storage-allowed")
    frame.locator('[data-action="sign-in"]').click()
    frame.locator('[data-login="bob"]').click()  # the provider's page, inside the frame
    expect(page.locator("#space-frame")).to_have_attribute("data-scrolling", "true")
    frame.locator('[data-action="approve"]').click()
    expect(html).to_have_attribute("data-auth", "signed-in", timeout=90_000)
    expect(frame.locator('[data-user="preferred_username"]')).to_have_text("@bob")
    expect(page.locator("#space-frame")).to_have_attribute("data-scrolling", "false")
    assert len(context.pages) == 1
    shot(page, "firefox-07-framed-signed-in")


def test_a_site_that_frames_the_provider_space_page_gets_no_in_frame_sign_in(ff_context_3p_allowed, hub):
    """The Space's parent (and its referrer) is the provider's Space page, but another site frames
    that page: sign-in goes to a new tab. Firefox ESR 153 has location.ancestorOrigins too."""
    page = ff_context_3p_allowed.new_page()
    with space_page_in_another_site(page, hub) as (frame, other_site):
        html = frame.locator("html")
        space = the_frame(page, hub)
        assert space.evaluate("[...location.ancestorOrigins]") == [hub.hub_url, other_site]
        assert space.evaluate("new URL(document.referrer).origin") == hub.hub_url
        expect(frame.locator('[data-action="sign-in"]')).to_have_text("Open in a new tab to sign in")
        expect(html).to_have_attribute("data-auth", "signed-out", timeout=90_000)


def back_from_the_provider(page, hub, ready: str) -> None:
    """Back from the provider's page (``ready``: a selector there). Firefox restores the app from
    its back-forward cache, the page as it was left ("redirecting"); Playwright over BiDi hears of
    no finished navigation then, so the page is read with evaluate() rather than locators."""
    page.wait_for_selector(ready)
    page.evaluate("window.history.back()")
    wait_until(page, lambda: read(page, "location.origin") == hub.space_url)


def read(page, expression: str):
    """``expression`` in the page, or None while a navigation replaces its document."""
    try:
        return page.evaluate(expression)
    except PlaywrightError:
        return None


def auth_now(page) -> str:
    return read(page, "document.documentElement.dataset.auth")


def test_back_from_the_provider_page_is_not_an_endless_spinner(ff_page, hub):
    """Firefox keeps the app in its back-forward cache while the visitor is on the provider's
    page; Back brings it back as it was left, "Taking you to Hugging Face…", unless the app
    notices. (Chromium reloads the page instead; a signed-in page is reloaded by Firefox too.)"""
    page = ff_page
    open_space(page, hub)
    page.evaluate("window.stayedInMemory = true")
    page.click('[data-action="sign-in"]')
    back_from_the_provider(page, hub, '[data-login="alice"]')
    assert page.evaluate("window.stayedInMemory") is True  # restored from the cache, not loaded again
    wait_until(page, lambda: auth_now(page) == "signed-out", seconds=10)
    assert page.evaluate("document.querySelector('[data-action=sign-in]').disabled") is False
    page.evaluate("document.querySelector('[data-action=sign-in]').click()")  # a click, as the visitor's
    page.click('[data-login="alice"]')
    page.click('[data-action="approve"]')
    wait_until(page, lambda: auth_now(page) == "signed-in", seconds=60)
