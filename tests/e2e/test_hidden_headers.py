"""What a browser script cannot see on huggingface.co is uncertain (docs/devhub.md): the key
set may have no CORS at all, and Link, Retry-After and RateLimit may be hidden from scripts.
The app behaves on every variant devhub plays."""

from playwright.sync_api import expect

from harness import open_space, shot, sign_in


def test_a_key_set_without_cors_signs_in_on_tls_trust_and_says_so(page, hub, context):
    context.guard.allow_console(r"(?i)cors|access-control|/oauth/jwks|failed to fetch|ERR_FAILED")
    hub.settings(jwks_cors=False)
    open_space(page, hub)
    assert sign_in(page, user="bob") == "signed-in"
    expect(page.locator("#trust")).to_contain_text("Received over TLS")
    page.reload()  # a stored token is never trusted over TLS: userinfo proves the session, and the page says so
    expect(page.locator("html")).to_have_attribute("data-auth", "signed-in")
    expect(page.locator("#trust")).to_contain_text("Confirmed by the provider's profile service")
    page.set_viewport_size({"width": 390, "height": 844})
    shot(page, "trust-userinfo-390")
    page.set_viewport_size({"width": 1280, "height": 900})
    hub.settings(jwks_cors=None)
    page.reload()  # a restore proves the session by userinfo, and says how it is trusted now
    expect(page.locator("html")).to_have_attribute("data-auth", "signed-in")
    expect(page.locator("#trust")).to_contain_text("Signature checked")


def test_hidden_link_headers_say_more_may_exist(page, hub):
    hub.settings(expose_headers=False)
    open_space(page, hub)
    sign_in(page, user="prolific")
    group = page.locator('[data-repo-list="models"] [data-owner="prolific"]')
    expect(group.locator("[data-repo]")).to_have_count(50)
    expect(group.locator(".group-status")).to_contain_text("More may exist")
    expect(page.locator("#tab-models .count")).to_have_text("50+")
    expect(group.locator("button.more")).to_be_hidden()  # no link to follow: nothing to pretend


def test_a_hidden_retry_after_still_backs_off(page, hub, context):
    context.guard.allow_console(r"status of 503")
    hub.settings(expires_in=20, expose_headers=False)  # renewal due after 16 s
    open_space(page, hub)
    sign_in(page, user="carol")
    hub.fault("token", status=503, body="", headers={"Retry-After": "600"}, count=50)
    line = page.locator("#renewal")
    # the ten minutes asked are invisible to the page: capped exponential backoff, starting near 10 s
    expect(line).to_contain_text("trying again in", timeout=25_000)
    assert "min" not in line.inner_text()
    page.wait_for_timeout(1_500)
    assert len([e for e in hub.events("fault") if e["endpoint"] == "token"]) == 1
