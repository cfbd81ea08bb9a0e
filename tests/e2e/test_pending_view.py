"""Signed in while the profile cannot be had yet (issue 22, row 1): userinfo fails after a good
code exchange, or a stored session cannot be checked on a reload. The page says so in one
sentence, never shows the sign-in button, tries again on its own and on "Retry now", and ends
signed in without visiting the hub again; Sign out still works. Chromium and Firefox."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from harness import AUTH_STATES, assert_accessible, auth_state, open_space, shot, sign_in, wait_booted

PENDING = '[data-view="pending"]'


def signed_in_after_retries(page, timeout: float = 20_000) -> None:
    page.wait_for_function("document.documentElement.dataset.auth === 'signed-in'", timeout=timeout)
    expect(page.locator('[data-user="preferred_username"]')).to_have_text("@alice")
    page.wait_for_selector('[data-repo="alice/looking-glass-7b"]')


def the_pending_view(page, sentence: str) -> None:
    view = page.locator(PENDING)
    expect(view).to_be_visible()
    expect(view.locator("h1")).to_have_text("You are signed in")
    expect(view.locator("#pending-text")).to_contain_text(sentence)
    expect(view.locator("#pending-text")).to_contain_text("trying again in")
    # one sentence, said once; no sign-in button, no banner, while a session exists
    assert page.locator("#pending-text").inner_text().count(sentence) == 1
    expect(page.locator('[data-action="sign-in"]')).to_be_hidden()
    expect(page.locator('[role="alert"]')).to_be_hidden()
    expect(page.locator("#pending-title")).to_be_focused()


def test_a_failing_userinfo_after_the_exchange_ends_signed_in_without_the_hub(page, hub, context):
    context.guard.allow_console(r"status of 503")
    open_space(page, hub)
    hub.fault("userinfo", status=503, body='{"error": "down"}', count=1)
    context.add_init_script(AUTH_STATES)  # the callback's document
    assert sign_in(page, user="alice") == "profile-pending"
    the_pending_view(page, "Your profile could not be loaded yet: Hugging Face answered HTTP 503")
    shot(page, "22-profile-pending")
    signed_in_after_retries(page)  # on its own, about 5 s later
    states = page.evaluate("window.__authStates")
    assert states[-3:] == ["completing", "profile-pending", "signed-in"] and "signed-out" not in states
    assert len(hub.events("authorize")) == 1 and len(hub.events("token")) == 1  # no second visit to the hub
    assert page.evaluate("sessionStorage.getItem('hfsignin:session')") is not None


def test_retry_now_asks_again_and_a_second_failure_waits_longer(page, hub, context):
    context.guard.allow_console(r"status of 50[23]")
    open_space(page, hub)
    hub.fault("userinfo", status=502, count=1)
    assert sign_in(page, user="alice") == "profile-pending"  # the first try is 5 s away
    expect(page.locator("#pending-text")).to_contain_text("HTTP 502; trying again in")
    hub.fault("userinfo", status=503, count=1)
    page.click('[data-action="retry-profile"]')  # fails again: the next try is 10 s away
    page.wait_for_function("/HTTP 503; trying again in (10|9|8) s/.test(document.querySelector('#pending-text').textContent)")
    page.click('[data-action="retry-profile"]')
    signed_in_after_retries(page, timeout=5_000)  # at once, not after 10 s
    assert len(hub.events("token")) == 1


def test_sign_out_from_the_pending_view_forgets_the_tokens(page, hub, context):
    context.guard.allow_console(r"status of 503")
    open_space(page, hub)
    hub.fault("userinfo", status=503, count=5)
    assert sign_in(page, user="alice") == "profile-pending"
    the_pending_view(page, "HTTP 503")
    for scheme in ("dark", "light"):  # axe-core: no violation, either scheme (it fails for 5 tries)
        page.emulate_media(color_scheme=scheme)
        assert_accessible(page, f"profile-pending ({scheme})")
    page.click('[data-action="pending-sign-out"]')
    expect(page.locator("html")).to_have_attribute("data-auth", "signed-out")
    expect(page.locator('[data-action="sign-in"]')).to_be_focused()
    page.wait_for_timeout(6_000)  # past the first automatic try: nothing comes back
    assert auth_state(page) == "signed-out"
    assert page.evaluate("sessionStorage.getItem('hfsignin:session')") is None


def test_a_reload_that_cannot_check_the_stored_session_keeps_it_and_tries_again(page, hub, context):
    context.guard.allow_console(r"status of 503")
    open_space(page, hub)
    assert sign_in(page, user="alice") == "signed-in"
    hub.fault("userinfo", status=503, count=1)
    page.reload()
    assert wait_booted(page) == "profile-pending"
    the_pending_view(page, "Your session could not be checked yet: Hugging Face answered HTTP 503")
    signed_in_after_retries(page)
    assert len(hub.events("authorize")) == 1


@pytest.mark.firefox
def test_firefox_a_failing_userinfo_ends_signed_in(ff_page, hub):
    page = ff_page
    open_space(page, hub)
    hub.fault("userinfo", status=503, count=1)
    assert sign_in(page, user="alice") == "profile-pending"
    the_pending_view(page, "Your profile could not be loaded yet: Hugging Face answered HTTP 503")
    shot(page, "firefox-22-profile-pending")
    signed_in_after_retries(page)
    assert len(hub.events("authorize")) == 1
