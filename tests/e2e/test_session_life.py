"""The session's life in the browser: renewal across tabs (one duplicated, one frozen),
a tab that slept past expiry, a reload after expiry, backoff, a 401 on one list, and
persist="local". devhub issues seconds-long tokens here (``expires_in``)."""

from playwright.sync_api import expect

from harness import open_space, sign_in, wait_booted


def refreshes(hub):
    return [e for e in hub.events("token") if e["grant_type"] == "refresh_token"]


def stored_token(page):
    return page.evaluate("JSON.parse(sessionStorage.getItem('hfsignin:session') || 'null')?.access_token")


def test_a_duplicated_tab_and_a_frozen_one_stay_signed_in_without_reusing_a_refresh_token(page, hub, context):
    hub.settings(expires_in=5)  # renewed a second before expiry, again and again
    open_space(page, hub)
    sign_in(page, user="carol")
    with context.expect_page() as opened:
        page.evaluate("window.open(location.href)")  # like "Duplicate tab": sessionStorage is copied
    twin = opened.value
    assert wait_booted(twin) == "signed-in"
    page.wait_for_function("() => true", timeout=1000)
    page.wait_for_timeout(9_000)  # two renewals with both tabs awake
    cdp = context.new_cdp_session(twin)
    cdp.send("Page.setWebLifecycleState", {"state": "frozen"})
    page.wait_for_timeout(9_000)  # two more while the twin is frozen
    cdp.send("Page.setWebLifecycleState", {"state": "active"})
    twin.wait_for_timeout(2_000)
    for tab in (page, twin):
        expect(tab.locator("html")).to_have_attribute("data-auth", "signed-in")
    assert len(refreshes(hub)) >= 4 and hub.events("refresh_reuse") == []
    twin.wait_for_function(f"JSON.parse(sessionStorage.getItem('hfsignin:session')).access_token === "
                           f"{stored_token(page)!r}", timeout=10_000)
    twin.select_option("#sort", "likes")  # the adopted token works
    expect(twin.locator('[data-repo="carol/binary-star"]')).to_be_visible()


def test_a_tab_that_slept_past_expiry_is_signed_in_when_it_wakes(page, hub, context):
    hub.settings(expires_in=4)
    open_space(page, hub)
    sign_in(page, user="carol")
    before = len(refreshes(hub))
    cdp = context.new_cdp_session(page)
    cdp.send("Page.setWebLifecycleState", {"state": "frozen"})  # a hidden tab's timers do not run
    page.wait_for_timeout(6_000)  # past the token's expiry
    cdp.send("Page.setWebLifecycleState", {"state": "active"})
    page.evaluate("dispatchEvent(new Event('focus'))")
    expect(page.locator("#expiry")).to_contain_text("Expires in", timeout=10_000)
    expect(page.locator("html")).to_have_attribute("data-auth", "signed-in")
    assert len(refreshes(hub)) > before


def test_reload_after_the_access_token_expired_renews_it_once(page, hub):
    hub.settings(expires_in=3)
    open_space(page, hub)
    sign_in(page, user="carol")
    page.goto("about:blank")  # away before the renewal is due
    hub.http.post("/_devhub/settings", json={"expires_in": None})
    page.wait_for_timeout(4_000)
    before = len(refreshes(hub))
    page.go_back()
    assert wait_booted(page) == "signed-in"
    assert len(refreshes(hub)) - before == 1


def test_a_503_asking_to_wait_ten_minutes_is_asked_once_and_said_in_one_line(page, hub, context):
    context.guard.allow_console(r"status of 503")
    hub.settings(expires_in=8)  # renewal due after 6.4 s
    open_space(page, hub)
    sign_in(page, user="carol")
    hub.fault("token", status=503, body="", headers={"Retry-After": "600"}, count=50)
    line = page.locator("#renewal")
    # what happened, and when the next try is, counting down from the ten minutes asked
    expect(line).to_contain_text("Hugging Face could not renew it just now; trying again in 9 min 5", timeout=15_000)
    expect(page.locator("html")).to_have_attribute("data-auth", "signed-in")
    expect(page.locator("html")).to_have_attribute("data-auth", "signed-out", timeout=10_000)  # it expired
    expect(page.locator('[role="alert"][data-error="session_expired"]')).to_contain_text("expired")
    assert len([e for e in hub.events("fault") if e["endpoint"] == "token"]) == 1


def test_a_401_on_one_page_of_a_list_shows_there_and_the_session_stays(page, hub, context):
    context.guard.allow_console(r"status of 401")
    hub.fault("models", skip=1, status=401, body='{"error": "Invalid credentials"}')
    open_space(page, hub)
    sign_in(page, user="prolific")
    group = page.locator('[data-repo-list="models"] [data-owner="prolific"]')
    expect(group.locator("[data-repo]")).to_have_count(50)
    checks = len(hub.events("userinfo"))
    group.locator("button.more").click()
    expect(group.locator(".group-status.error")).to_contain_text("HTTP 401")
    expect(page.locator("html")).to_have_attribute("data-auth", "signed-in")
    assert len(hub.events("userinfo")) == checks + 1  # asked once whether the session still stands
    expect(page.locator('[role="alert"]')).to_be_hidden()


def test_persist_local_keeps_the_session_for_new_tabs_and_signs_out_everywhere(page, hub, context):
    hub.devhub.variables["HFSIGNIN_PERSIST"] = "local"
    try:
        open_space(page, hub)
        sign_in(page, user="bob")
        other = context.new_page()  # a new tab: nothing copied
        assert open_space(other, hub) == "signed-in"
        expect(other.locator('[data-user="preferred_username"]')).to_have_text("@bob")
        assert page.evaluate("sessionStorage.getItem('hfsignin:session')") is None
        page.click('[data-action="sign-out"]')
        expect(other.locator("html")).to_have_attribute("data-auth", "signed-out")
        expect(other.locator("#signed-out-note")).to_have_text("You signed out in another tab.")
        assert page.evaluate("localStorage.getItem('hfsignin:session')") is None
        third = context.new_page()
        assert open_space(third, hub) == "signed-out"
    finally:
        del hub.devhub.variables["HFSIGNIN_PERSIST"]
