"""Security matrix, cases 13-27 as the visitor sees them: the token endpoint
misbehaving and defective ID tokens, checked by the browser's own WebCrypto."""

from urllib.parse import parse_qsl, urlencode

import pytest
from playwright.sync_api import expect

from harness import Traffic, click_and_return, open_space, sign_in, wait_booted


def alert(page, code):
    return page.locator(f'[role="alert"][data-error="{code}"]')


def failed_sign_in(page, hub, code: str) -> None:
    """Sign in through the real pages and expect the error banner ``code`` with a working retry."""
    open_space(page, hub)
    assert sign_in(page, user="carol") == "error"
    expect(alert(page, code)).to_be_visible()
    assert "code=" not in page.url and "state=" not in page.url
    expect(page.locator('[data-action="retry"]')).to_be_visible()
    # the retry starts a clean sign-in; the hub remembers carol's consent and answers at once
    assert click_and_return(page, '[data-action="retry"]') == "signed-in"
    expect(page.locator('[data-user="preferred_username"]')).to_have_text("@carol")


def test_case_13_the_same_code_twice_is_invalid_grant(page, hub, context):
    """The browser never sends a code twice (case 12). Should an attacker replay it, devhub
    refuses and revokes what the code issued, and the app says the session ended."""
    context.guard.allow_console(r"status of 401")
    traffic = Traffic(context)
    open_space(page, hub)
    sign_in(page, user="prolific")
    group = page.locator('[data-repo-list="models"] [data-owner="prolific"]')
    expect(group.locator("[data-repo]")).to_have_count(50)
    [post] = traffic.token_posts()
    replay = page.request.post(f"{hub.hub_url}/oauth/token", form=dict(parse_qsl(post.post_data)))
    assert replay.status == 400 and replay.json()["error"] == "invalid_grant"
    # the next call to the Hub meets the revoked token (a new sort makes none: the rows re-sort here)
    group.locator("button.more").click()
    expect(page.locator("html")).to_have_attribute("data-auth", "signed-out")
    expect(alert(page, "session_expired")).to_be_visible()


def test_case_14_a_wrong_verifier_is_a_sign_in_failure(page, hub, context):
    context.guard.allow_console(r"status of 400")
    def swap_verifier(route):
        form = dict(parse_qsl(route.request.post_data))
        form["code_verifier"] = "x" * 43
        route.continue_(post_data=urlencode(form))

    page.route("**/oauth/token", swap_verifier)
    open_space(page, hub)
    assert sign_in(page, user="carol") == "error"
    expect(alert(page, "token_request_failed")).to_contain_text("rejected this sign-in")
    page.unroute("**/oauth/token")
    assert click_and_return(page, '[data-action="retry"]') == "signed-in"


def test_case_15_json_errors_are_clear(page, hub, context):
    context.guard.allow_console(r"status of 401")
    hub.fault("token", status=401, body='{"error": "invalid_client", "error_description": "<i>who?</i>"}')
    failed_sign_in(page, hub, "token_request_failed")


@pytest.mark.parametrize("fault", [
    {"status": 500, "body": "<html><body><h1>Internal error</h1></body></html>", "content_type": "text/html"},
    {"status": 503, "body": "", "headers": {"Retry-After": "30"}},
], ids=["500-html", "503-retry-after"])
def test_case_16_server_errors_are_clear_and_the_code_is_not_resubmitted(page, hub, context, fault):
    context.guard.allow_console(rf"status of {fault['status']}")
    traffic = Traffic(context)
    hub.fault("token", **fault)
    open_space(page, hub)
    assert sign_in(page, user="carol") == "error"
    expect(alert(page, "token_request_failed")).to_be_visible()
    assert "Internal error" not in page.locator('[role="alert"]').inner_text()
    page.wait_for_timeout(500)
    assert len(traffic.token_posts()) == 1


def test_case_17_a_hanging_token_endpoint_times_out_visibly(page, hub):
    hub.fault("token", delay=25)
    open_space(page, hub)
    page.click('[data-action="sign-in"]')
    page.click('[data-login="carol"]')
    page.click('[data-action="approve"]')
    page.wait_for_url(hub.space_url + "/**")
    expect(page.locator("#busy-text")).to_have_text("Completing sign-in…")  # visibly busy meanwhile
    page.wait_for_function("document.documentElement.dataset.auth === 'error'", timeout=30_000)
    expect(alert(page, "timeout")).to_contain_text("did not answer within 15 seconds")


def test_case_18_malformed_token_json_is_rejected(page, hub):
    hub.fault("token", status=200, body='{"access_token": "hf_oauth_x", ')
    failed_sign_in(page, hub, "invalid_token_response")


def test_case_19_bearer_in_capitals_and_expires_in_as_a_string_are_accepted(page, hub):
    hub.fault("token", patch={"token_type": "BEARER", "expires_in": "600", "refresh_token": None})
    open_space(page, hub)
    assert sign_in(page, user="carol") == "signed-in"
    expect(page.locator("#expiry")).to_contain_text("Expires in 9 min")


def test_case_20_a_narrower_grant_is_said_where_it_matters(page, hub):
    hub.settings(drop_scopes=["read-repos"])
    open_space(page, hub)
    assert sign_in(page, user="alice", private=True) == "signed-in"  # asked for read-repos
    expect(page.locator("#private-notice")).to_be_visible()
    expect(page.locator("#grant-private")).to_be_visible()
    expect(page.locator('[data-repo="alice/drink-me-lora"]')).to_have_count(0)


@pytest.mark.parametrize("defect", ["bad_signature", "hs256", "alg_none", "unknown_kid", "wrong_iss", "wrong_nonce",
                                    "expired", "malformed"])
def test_cases_21_to_27_defective_id_tokens_are_refused_in_the_browser(page, hub, defect):
    hub.fault("token", id_token=defect, count=2 if defect == "unknown_kid" else 1)
    open_space(page, hub)
    assert sign_in(page, user="carol") == "error"
    expect(alert(page, "invalid_id_token")).to_be_visible()
    assert page.evaluate("sessionStorage.getItem('hfsignin:session')") is None


def test_case_26_jwks_down_fails_closed(page, hub, context):
    context.guard.allow_console(r"status of 502")
    hub.fault("jwks", status=502, body="bad gateway", count=3)
    open_space(page, hub)
    page.evaluate("sessionStorage.clear()")  # no keys cached from the visit
    page.reload()
    wait_booted(page)
    assert sign_in(page, user="carol") == "error"
    expect(alert(page, "keys_unavailable")).to_be_visible()
    assert page.evaluate("sessionStorage.getItem('hfsignin:session')") is None
