"""Security matrix, cases 3-12: the authorization request and the redirect back,
as a visitor's browser lives them."""

from urllib.parse import urlencode

import pytest
from playwright.sync_api import expect

from harness import AUTH_STATES, Traffic, begin_sign_in, cancelled_note, open_space, sign_in, wait_booted


def banner(page, code):
    return page.locator(f'[role="alert"][data-error="{code}"]')


def land(page, hub, query: str) -> str:
    """Arrive on the Space with a crafted callback query; returns data-auth once settled."""
    page.goto(f"{hub.space_url}/?{query}")
    return wait_booted(page)


def assert_no_loop(page, hub):
    url = page.url
    page.wait_for_timeout(800)
    assert page.url == url and url.startswith(hub.space_url) and "code=" not in url and "state=" not in url


def test_case_03_authorize_request_shape(page, hub):
    open_space(page, hub)
    q = begin_sign_in(page)
    assert q["response_type"] == "code" and q["client_id"] == hub.client_id
    assert "openid" in q["scope"].split() and len(q["nonce"]) == 43 and len(q["state"]) == 43
    assert q["redirect_uri"] == hub.space_url + "/"  # the exact page, no query
    assert q["code_challenge_method"] == "S256" and len(q["code_challenge"]) == 43
    assert "client_secret" not in q and "code_verifier" not in q


@pytest.mark.parametrize("query", ["code=stolen&state={other}", "code=stolen"], ids=["wrong", "missing"])
def test_case_04_wrong_or_missing_state_is_rejected_without_a_token_request(page, hub, context, query):
    traffic = Traffic(context)
    open_space(page, hub)
    real = begin_sign_in(page)["state"]
    other = real[:-4] + ("AAAA" if not real.endswith("AAAA") else "BBBB")
    assert land(page, hub, query.format(other=other)) == "error"
    expect(banner(page, "state_mismatch")).to_be_visible()
    assert traffic.token_posts() == []
    assert_no_loop(page, hub)


def test_case_05_a_callback_with_no_pending_sign_in_says_it_expired(page, hub, context):
    traffic = Traffic(context)
    assert land(page, hub, "code=abc&state=" + "s" * 43) == "error"
    expect(banner(page, "transaction_missing")).to_contain_text("expired")
    assert traffic.token_posts() == []
    assert_no_loop(page, hub)
    page.click('[data-action="retry"]')  # "sign in again" starts a fresh attempt
    page.wait_for_selector('[data-login="alice"]')


@pytest.mark.parametrize("query,code", [
    ("code=a&code=b&state={state}", "invalid_callback"),
    ("code=a&state={state}&state={state}", "invalid_callback"),
], ids=["code", "state"])
def test_case_06_duplicated_parameters_are_rejected(page, hub, context, query, code):
    traffic = Traffic(context)
    open_space(page, hub)
    state = begin_sign_in(page)["state"]
    assert land(page, hub, query.format(state=state)) == "error"
    expect(banner(page, code)).to_be_visible()
    assert traffic.token_posts() == []


def test_case_07_a_foreign_iss_is_rejected_before_any_request(page, hub, context):
    traffic = Traffic(context)
    open_space(page, hub)
    state = begin_sign_in(page)["state"]
    assert land(page, hub, urlencode({"code": "abc", "state": state, "iss": "https://evil.example"})) == "error"
    expect(banner(page, "issuer_mismatch")).to_be_visible()
    assert traffic.token_posts() == []


def test_case_08_access_denied_is_cancelled_with_a_retry_and_clears_the_transaction(page, hub, context):
    open_space(page, hub)
    context.add_init_script(AUTH_STATES)  # the page the refusal lands on
    assert sign_in(page, user="bob", approve=False) == "signed-out"
    cancelled_note(page)  # a choice, not an error: a note, focused, and the sign-in button
    # no "Completing sign-in…" for an answer that completes nothing
    assert page.evaluate("window.__authStates") == ["loading", "signed-out"]
    assert not [k for k in page.evaluate("Object.keys(sessionStorage)") if k.startswith("hfsignin:tx:")]


def test_case_09_error_with_a_forged_state_is_neutral_and_inert(page, hub, context):
    traffic = Traffic(context)
    open_space(page, hub)
    begin_sign_in(page)
    page.goto(hub.space_url + "/")  # back on the Space, sign-in pending
    wait_booted(page)
    page.evaluate("window.__pwned = undefined")
    evil = "<img src=x onerror=\"window.__pwned=1\">Your account is locked, call +1-555"
    assert land(page, hub, urlencode({"error": "access_denied", "error_description": evil, "state": "f" * 43})) == "error"
    alert = banner(page, "state_mismatch")
    expect(alert).to_be_visible()
    assert "locked" not in alert.inner_text() and alert.locator("img").count() == 0
    assert page.evaluate("window.__pwned") is None and traffic.token_posts() == []


def test_case_10_error_description_markup_and_javascript_error_uri_are_inert(page, hub):
    open_space(page, hub)
    state = begin_sign_in(page)["state"]
    query = urlencode({"error": "server_error", "state": state, "error_uri": "javascript:window.__pwned=1",
                       "error_description": "<b>bold</b><script>window.__pwned=2</script>"})
    assert land(page, hub, query) == "error"
    alert = banner(page, "authorization_failed")
    expect(alert).to_contain_text("could not complete the sign-in")
    assert "bold" not in alert.inner_text() and alert.locator("b, script, a").count() == 0
    hrefs = page.evaluate("[...document.querySelectorAll('[href]')].map(e => e.getAttribute('href'))")
    assert not [h for h in hrefs if h.lower().startswith("javascript:")]
    assert page.evaluate("window.__pwned") is None


def test_case_11_code_and_error_together_are_rejected(page, hub, context):
    traffic = Traffic(context)
    open_space(page, hub)
    state = begin_sign_in(page)["state"]
    assert land(page, hub, f"code=abc&error=access_denied&state={state}") == "error"
    expect(banner(page, "invalid_callback")).to_be_visible()
    assert traffic.token_posts() == []


def test_case_12_reload_and_back_after_success_do_not_exchange_again(page, hub, context):
    traffic = Traffic(context)
    open_space(page, hub)
    assert sign_in(page, user="alice") == "signed-in"
    assert len(traffic.token_posts()) == 1
    page.reload()
    assert wait_booted(page) == "signed-in"
    page.go_back()  # to the provider, which answers at once with a fresh code for the old state
    page.wait_for_url(hub.space_url + "/**")
    assert wait_booted(page) == "signed-in"
    expect(page.locator('[role="alert"]')).to_be_hidden()
    assert "code=" not in page.url
    assert len(traffic.token_posts()) == 1  # the replayed callback was never exchanged
