"""The Space where Spaces really run: inside the Space page's iframe on the hub
(another site), with third-party storage blocked or allowed, and top-level."""

from playwright.sync_api import expect

from harness import open_space, shot, wait_booted


def space_page(page, hub):
    page.goto(f"{hub.hub_url}/spaces/{hub.devhub.options.space_id}")
    frame = page.frame_locator("#space-frame")
    return frame


def the_frame(page, hub):
    return next(f for f in page.frames if f.url.startswith(hub.space_url))


def finish_in_new_tab(context, frame_link, hub, user="alice"):
    """Click the framed copy's link; the new tab runs the whole sign-in top-level."""
    with context.expect_page() as opened:
        frame_link.click()
    tab = opened.value
    tab.wait_for_selector(f'[data-login="{user}"]')  # it went straight to the provider
    tab.click(f'[data-login="{user}"]')
    tab.click('[data-action="approve"]')
    assert wait_booted(tab) == "signed-in"
    expect(tab.locator('[data-user="preferred_username"]')).to_have_text(f"@{user}")
    assert "sign-in" not in tab.url and "code=" not in tab.url
    return tab


def no_frame_ever_showed_the_provider(page, hub, seen):
    assert not [u for u in seen if u.startswith(hub.hub_url + "/oauth") or u.startswith(hub.hub_url + "/login")]


def test_framed_with_storage_blocked_offers_a_new_tab_and_signs_in_there(page, hub, context):
    seen = []
    page.on("framenavigated", lambda f: f != page.main_frame and seen.append(f.url))
    frame = space_page(page, hub)
    link = frame.locator('[data-action="sign-in"]')
    expect(link).to_have_text("Open in a new tab to sign in")
    expect(frame.locator("html")).to_have_attribute("data-embed", "blocked")
    expect(frame.locator("html")).to_have_attribute("data-auth", "signed-out")  # not stuck on "loading"
    assert link.evaluate("a => a.tagName") == "A"
    assert link.get_attribute("href") == hub.space_url + "/?sign-in"
    assert link.get_attribute("target") == "_blank" and "noopener" in link.get_attribute("rel")
    expect(frame.locator("#embed-note")).to_contain_text("blocks storage")
    assert not [f for f in the_frame(page, hub).evaluate("performance.getEntriesByType('resource').map(e => e.name)")
                if "pyodide" in f]  # Python was not even started
    shot(page, "13-framed-storage-blocked")
    tab = finish_in_new_tab(context, link, hub)
    expect(frame.locator("#embed-note")).to_contain_text("continues in the new tab")
    shot(tab, "14-new-tab-signed-in")
    no_frame_ever_showed_the_provider(page, hub, seen)


def test_framed_with_storage_allowed_runs_python_and_signs_in_in_a_new_tab(context_3p_allowed, hub):
    context = context_3p_allowed
    page = context.pages[0] if context.pages else context.new_page()
    seen = []
    page.on("framenavigated", lambda f: f != page.main_frame and seen.append(f.url))
    frame = space_page(page, hub)
    expect(frame.locator("html")).to_have_attribute("data-embed", "framed")
    expect(frame.locator("html")).to_have_attribute("data-python", "ready", timeout=90_000)
    expect(frame.locator("html")).to_have_attribute("data-auth", "signed-out")
    link = frame.locator('[data-action="sign-in"]')
    expect(link).to_have_text("Open in a new tab to sign in")
    expect(frame.locator("#embed-note")).to_contain_text("cannot be shown inside this frame")
    shot(page, "15-framed-storage-allowed")
    tab = finish_in_new_tab(context, link, hub, user="bob")
    expect(frame.locator("#embed-note")).to_contain_text("continues in the new tab")
    # The framed copy never saw a token: the session lives in the new tab only.
    assert the_frame(page, hub).evaluate("sessionStorage.getItem('hfsignin:session')") is None
    assert tab.evaluate("sessionStorage.getItem('hfsignin:session')") is not None
    no_frame_ever_showed_the_provider(page, hub, seen)


def test_the_provider_pages_refuse_to_be_framed(page, hub):
    resp = page.request.get(f"{hub.hub_url}/oauth/authorize?client_id={hub.client_id}")
    assert resp.headers["x-frame-options"] == "DENY"
    space = page.request.get(hub.space_url + "/")
    assert f"frame-ancestors 'self' {hub.hub_url}" in space.headers["content-security-policy"]


def test_top_level_is_unchanged(page, hub):
    assert open_space(page, hub) == "signed-out"
    assert page.evaluate("document.documentElement.dataset.embed") is None
    button = page.locator('[data-action="sign-in"]')
    assert button.evaluate("b => b.tagName") == "BUTTON"
    expect(button).to_have_text("Sign in with Hugging Face")


def test_a_new_tab_with_sign_in_starts_the_flow_but_not_over_a_session(page, hub):
    page.goto(hub.space_url + "/?sign-in")
    page.wait_for_selector('[data-login="carol"]')  # straight to the provider
    page.click('[data-login="carol"]')
    page.click('[data-action="approve"]')
    assert wait_booted(page) == "signed-in"
    page.goto(hub.space_url + "/?sign-in")  # already signed in here: just the profile
    assert wait_booted(page) == "signed-in"
    assert page.url == hub.space_url + "/"
