"""Security matrix, cases 28-35 in the browser: the Hub API misbehaving, tabs,
sign-out, renewal, tampering, and no token ever leaking."""

import json

from playwright.sync_api import expect

from harness import Traffic, begin_sign_in, open_space, sign_in, wait_booted


def alert(page, code):
    return page.locator(f'[role="alert"][data-error="{code}"]')


def test_case_28_a_revoked_token_means_session_expired_and_no_loop(page, hub, context):
    context.guard.allow_console(r"status of 401")
    open_space(page, hub)
    sign_in(page, user="prolific")
    group = page.locator('[data-repo-list="models"] [data-owner="prolific"]')
    expect(group.locator("[data-repo]")).to_have_count(50)
    hub.revoke("prolific")
    group.locator("button.more").click()  # the next call to the Hub (a new sort needs none: rows re-sort here)
    expect(page.locator("html")).to_have_attribute("data-auth", "signed-out")
    expect(alert(page, "session_expired")).to_be_visible()
    assert page.evaluate("sessionStorage.getItem('hfsignin:session')") is None
    url = page.url
    page.wait_for_timeout(1000)
    assert page.url == url  # no redirect loop
    expect(page.locator('[data-action="retry"]')).to_have_text("Sign in again")


def test_case_29_forbidden_is_a_per_feature_message(page, hub, context):
    context.guard.allow_console(r"status of 403")
    hub.fault("spaces", status=403, body='{"error": "insufficient scope"}')
    open_space(page, hub)
    sign_in(page, user="bob")
    page.click("#tab-spaces")
    status = page.locator('[data-repo-list="spaces"] [data-owner="bob"] .group-status')
    expect(status).to_contain_text("needs a permission you have not granted")
    expect(page.locator("html")).to_have_attribute("data-auth", "signed-in")
    expect(page.locator('[role="alert"]')).to_be_hidden()


def test_case_31_a_broken_page_n_keeps_what_loaded_and_retries_the_rest(page, hub, context):
    context.guard.allow_console(r"status of 502")
    hub.fault("models", skip=1, status=502, body="bad gateway", content_type="text/plain")
    open_space(page, hub)
    sign_in(page, user="prolific")
    group = page.locator('[data-repo-list="models"] [data-owner="prolific"]')
    expect(group.locator("[data-repo]")).to_have_count(50)
    group.locator("button.more").click()
    expect(group.locator(".group-status.error")).to_contain_text("HTTP 502")
    expect(group.locator("[data-repo]")).to_have_count(50)  # partial results stay
    group.locator('[data-action="retry-list"]').click()
    expect(group.locator("[data-repo]")).to_have_count(100)
    expect(page.locator("#tab-models .count")).to_have_text("100+")


def test_case_32_a_slow_api_keeps_the_page_usable_then_times_out(page, hub, context):
    open_space(page, hub)
    sign_in(page, user="bob")
    page.wait_for_selector('[data-repo="bob/reggae-bert"]')
    hub.fault("datasets", delay=30)
    page.reload()  # the lists load again (a new sort of lists that have every row fetches nothing)
    assert wait_booted(page) == "signed-in"
    page.click("#tab-datasets")
    group = page.locator('[data-repo-list="datasets"] [data-owner="bob"]')
    expect(group).to_have_attribute("aria-busy", "true")
    page.click("#tab-models")  # still usable meanwhile
    expect(page.locator('[data-repo-list="models"] [data-repo="bob/reggae-bert"]')).to_be_visible()
    page.click("#tab-datasets")
    expect(group.locator(".group-status.error")).to_contain_text("did not answer", timeout=30_000)
    expect(page.locator("html")).to_have_attribute("data-auth", "signed-in")


def test_case_33_two_tabs_signing_in_at_once_both_succeed(context, hub):
    a, b = context.new_page(), context.new_page()
    open_space(a, hub)
    open_space(b, hub)
    state_a, state_b = begin_sign_in(a)["state"], begin_sign_in(b)["state"]
    assert state_a != state_b
    a.click('[data-login="alice"]')
    a.wait_for_selector('[data-action="approve"]')
    b.reload()  # the hub now knows alice in this browser: tab B is at the consent page too
    b.wait_for_selector('[data-action="approve"]')
    b.click('[data-action="approve"]')  # finish in the opposite order
    assert wait_booted(b) == "signed-in"
    a.click('[data-action="approve"]')
    assert wait_booted(a) == "signed-in"
    for tab in (a, b):
        expect(tab.locator('[data-user="preferred_username"]')).to_have_text("@alice")
        expect(tab.locator('[role="alert"]')).to_be_hidden()
    assert len(hub.events("token")) == 2
    assert a.evaluate("sessionStorage.getItem('hfsignin:session')") != b.evaluate("sessionStorage.getItem('hfsignin:session')")


def test_case_34_sign_out_wipes_memory_and_storage(page, hub):
    open_space(page, hub)
    sign_in(page, user="alice")
    token = json.loads(page.evaluate("sessionStorage.getItem('hfsignin:session')"))["access_token"]
    page.click('[data-action="sign-out"]')
    expect(page.locator("html")).to_have_attribute("data-auth", "signed-out")
    storage = page.evaluate("JSON.stringify({...sessionStorage}) + JSON.stringify({...localStorage})")
    assert token not in storage and "hfsignin:session" not in storage and "hfsignin:tx:" not in storage
    assert token not in page.content()
    page.reload()
    assert wait_booted(page) == "signed-out"


def test_renewal_with_a_short_lived_token_keeps_the_visitor_signed_in(page, hub):
    hub.settings(expires_in=8)
    open_space(page, hub)
    sign_in(page, user="carol")
    expect(page.locator("#expiry")).to_contain_text("renews automatically")
    page.wait_for_timeout(12_000)
    expect(page.locator("html")).to_have_attribute("data-auth", "signed-in")
    grants = [e["grant_type"] for e in hub.events("token")]
    assert grants[0] == "authorization_code" and grants.count("refresh_token") >= 1
    page.select_option("#sort", "likes")  # the renewed token works
    expect(page.locator('[data-repo="carol/binary-star"]')).to_be_visible()


def test_a_refused_renewal_ends_the_session_with_a_message(page, hub, context):
    context.guard.allow_console(r"status of 400")
    hub.settings(expires_in=6)
    open_space(page, hub)
    sign_in(page, user="carol")
    hub.fault("token", status=400, body='{"error": "invalid_grant"}')
    expect(page.locator("html")).to_have_attribute("data-auth", "signed-out", timeout=15_000)
    expect(alert(page, "session_expired")).to_be_visible()


def test_a_tampered_stored_session_is_discarded_on_reload(page, hub):
    open_space(page, hub)
    sign_in(page, user="bob")
    page.evaluate("""() => {
        const s = JSON.parse(sessionStorage.getItem('hfsignin:session'));
        s.userinfo.preferred_username = 'alice'; s.userinfo.sub = 'aaaaaaaaaaaaaaaaaaaaaaaa';
        s.claims.sub = 'aaaaaaaaaaaaaaaaaaaaaaaa';
        sessionStorage.setItem('hfsignin:session', JSON.stringify(s));
    }""")
    page.reload()
    assert wait_booted(page) == "signed-out"
    assert page.evaluate("sessionStorage.getItem('hfsignin:session')") is None


def test_no_token_or_code_leaks_anywhere(page, hub, context):
    traffic = Traffic(context)
    console, navigations = [], []
    page.on("console", lambda m: console.append(m.text))
    page.on("framenavigated", lambda f: f == page.main_frame and navigations.append(f.url))
    open_space(page, hub)
    sign_in(page, user="alice", orgs=["wonderland-lab"], private=True)
    page.wait_for_selector('[data-repo="alice/drink-me-lora"]')
    page.click('[data-action="urllib-whoami"]')
    expect(page.locator("#urllib-result")).to_contain_text("→ 200")
    page.reload()
    assert wait_booted(page) == "signed-in"
    stored = json.loads(page.evaluate("sessionStorage.getItem('hfsignin:session')"))
    callback = next(u for u in navigations if "code=" in u)
    code = dict(p.split("=", 1) for p in callback.split("?", 1)[1].split("&"))["code"]
    secrets = {"code": code, "access": stored["access_token"], "refresh": stored["refresh_token"],
               "id": stored["id_token"]}
    assert "code=" not in page.url and "state=" not in page.url
    for name, secret in secrets.items():
        assert not [m for m in console if secret in m], f"{name} in the console"
        assert secret not in page.evaluate("JSON.stringify({...localStorage})"), f"{name} in localStorage"
        for url in navigations:
            assert url == callback or secret not in url, f"{name} in a navigation"
        for r in traffic.requests:
            if r.url != callback:
                assert secret not in r.url, f"{name} in a request URL: {r.url}"
            assert secret not in (r.headers.get("referer") or ""), f"{name} in a Referer"
            if secret is not code and r.post_data and not r.url.endswith("/oauth/token"):
                assert secret not in r.post_data, f"{name} in a request body"
    # the callback page's own subresources carry no Referer at all
    assert not [r for r in traffic.requests if r.headers.get("referer") and "code=" in r.headers["referer"]]
    page.click('[data-action="sign-out"]')
    left = page.evaluate("JSON.stringify({...sessionStorage})")
    assert not [n for n, s in secrets.items() if s in left]
