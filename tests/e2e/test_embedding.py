"""The Space where Spaces really run: inside the Space page's iframe on the hub
(another site), with third-party storage blocked or allowed, and top-level."""

import re

from playwright.sync_api import expect

from harness import open_space, shot, space_frame_link_to_new_tab, space_page_in_another_site, wait_booted, wait_until


def space_page(page, hub):
    page.goto(f"{hub.hub_url}/spaces/{hub.devhub.options.space_id}")
    frame = page.frame_locator("#space-frame")
    return frame


def the_frame(page, hub):
    return next(f for f in page.frames if f.url.startswith(hub.space_url))




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
    # Python runs in the frame all the same (tests/e2e/test_blocked_frame_boot.py), and leaves the link as it is
    expect(frame.locator("html")).to_have_attribute("data-python", "ready", timeout=90_000)
    expect(frame.locator("#runtime-status")).to_have_text("Python ready")
    expect(link).to_have_text("Open in a new tab to sign in")
    shot(page, "13-framed-storage-blocked")
    tab = space_frame_link_to_new_tab(context, link)
    expect(frame.locator("#embed-note")).to_contain_text("continues in the new tab")
    shot(tab, "14-new-tab-signed-in")
    no_frame_ever_showed_the_provider(page, hub, seen)


def test_the_private_repositories_choice_made_in_the_frame_travels_to_the_new_tab(page, hub, context):
    frame = space_page(page, hub)
    expect(frame.locator("html")).to_have_attribute("data-python", "ready", timeout=90_000)
    link = frame.locator('[data-action="sign-in"]')
    assert link.get_attribute("href") == hub.space_url + "/?sign-in"
    frame.locator("#want-private").check()
    assert link.get_attribute("href") == hub.space_url + "/?sign-in=private"
    shot(page, "13b-framed-private-choice")
    tab = space_frame_link_to_new_tab(context, link)
    [authorize] = hub.events("authorize")
    assert "read-repos" in authorize["scope"].split()
    expect(tab.locator('[data-repo="alice/drink-me-lora"]')).to_have_attribute("data-private", "true")
    assert "sign-in" not in tab.url


def test_framed_with_storage_allowed_signs_in_inside_the_space_page(context_3p_allowed, hub):
    """The provider's Space page is the frame's parent: the whole flow stays in the frame, the
    Space page lets the provider's pages scroll meanwhile, and the visitor ends signed in there."""
    context = context_3p_allowed
    page = context.pages[0] if context.pages else context.new_page()
    frame = space_page(page, hub)
    expect(frame.locator("html")).to_have_attribute("data-embed", "space")
    expect(frame.locator("html")).to_have_attribute("data-auth", "signed-out", timeout=90_000)
    button = frame.locator('[data-action="sign-in"]')
    assert button.evaluate("b => b.tagName") == "BUTTON"
    iframe = page.locator("#space-frame")
    expect(iframe).to_have_attribute("data-scrolling", "false")
    shot(page, "15-framed-storage-allowed")
    button.click()
    frame.locator('[data-login="bob"]').click()  # the provider's sign-in page, inside the frame
    expect(iframe).to_have_attribute("data-scrolling", "true")
    shot(page, "15b-framed-consent")
    frame.locator('[data-action="approve"]').click()
    expect(frame.locator("html")).to_have_attribute("data-auth", "signed-in", timeout=90_000)
    expect(frame.locator('[data-user="preferred_username"]')).to_have_text("@bob")
    expect(iframe).to_have_attribute("data-scrolling", "false")
    assert page.url == f"{hub.hub_url}/spaces/{hub.devhub.options.space_id}"  # the top page never moved
    assert len(context.pages) == 1
    assert the_frame(page, hub).evaluate("sessionStorage.getItem('hfsignin:session')") is not None
    shot(page, "15c-framed-signed-in")


def test_when_the_provider_refuses_the_frame_sign_in_falls_back_to_a_new_tab(context_3p_allowed, hub):
    context = context_3p_allowed
    context.guard.allow_console(r"(?i)refused to (display|frame)|x-frame-options|frame-ancestors")
    hub.settings(framing="deny")
    page = context.pages[0] if context.pages else context.new_page()
    frame = space_page(page, hub)
    expect(frame.locator("html")).to_have_attribute("data-auth", "signed-out", timeout=90_000)
    frame.locator('[data-action="sign-in"]').click()
    page.wait_for_timeout(1_500)  # the frame now shows the browser's refusal; the visitor reloads
    frame = space_page(page, hub)
    link = frame.locator('[data-action="sign-in"]')
    expect(link).to_have_text("Open in a new tab to sign in")
    expect(frame.locator("html")).to_have_attribute("data-embed", "framed")
    expect(frame.locator("#embed-note")).to_contain_text("could not be shown inside this page")
    space_frame_link_to_new_tab(context, link, user="bob")


def test_a_frame_whose_parent_is_not_the_provider_signs_in_in_a_new_tab(context_3p_allowed, hub):
    context = context_3p_allowed
    page = context.pages[0] if context.pages else context.new_page()
    parent = f"{hub.space_url}/a-page-that-embeds-the-space.html"  # its own site, not the provider's
    context.route(parent, lambda route: route.fulfill(
        content_type="text/html", body=f"<!doctype html><title>Embedder</title>"
                                       f"<iframe id=f src='{hub.space_url}/' width=900 height=700></iframe>"))
    page.goto(parent)
    frame = page.frame_locator("#f")
    expect(frame.locator("html")).to_have_attribute("data-embed", "framed")
    link = frame.locator('[data-action="sign-in"]')
    expect(link).to_have_text("Open in a new tab to sign in")
    expect(frame.locator("#embed-note")).to_contain_text("cannot tell that it is shown on Hugging Face")


def test_a_site_that_frames_the_provider_space_page_gets_no_in_frame_sign_in(context_3p_allowed, hub):
    """Another site frames the provider's Space page, which frames the Space: the Space's parent is
    the provider, but the tab is not. Sign-in goes to a new tab, as in any frame but the provider's."""
    context = context_3p_allowed
    page = context.pages[0] if context.pages else context.new_page()
    with space_page_in_another_site(page, hub) as (frame, other_site):
        html = frame.locator("html")
        assert the_frame(page, hub).evaluate("[...location.ancestorOrigins]") == [hub.hub_url, other_site]
        link = frame.locator('[data-action="sign-in"]')
        expect(link).to_have_text("Open in a new tab to sign in")
        expect(frame.locator("#embed-note")).to_contain_text("cannot tell that it is shown on Hugging Face")
        expect(html).to_have_attribute("data-auth", "signed-out", timeout=90_000)
        assert html.get_attribute("data-embed") != "space"


def test_with_no_provider_variable_the_provider_is_huggingface_co(context_3p_allowed, hub):
    """A page without OPENID_PROVIDER_URL signs in with https://huggingface.co, hfsignin's default
    provider: framed by that origin's Space page, the Space signs in inside the frame."""
    context = context_3p_allowed
    page = context.pages[0] if context.pages else context.new_page()
    served = page.request.get(hub.space_url + "/").text()
    without = re.sub(r'"OPENID_PROVIDER_URL": "[^"]*", ', "", served, count=1)
    assert without != served and "OPENID_PROVIDER_URL" not in without
    context.route(hub.space_url + "/", lambda route: route.fulfill(content_type="text/html", body=without))
    # huggingface.co, played by the test: its Space page, and 503 for the rest (the app's prefetch)
    asked = []
    context.guard.allow_console(r"status of 503 .*https://huggingface\.co/")
    context.route("https://huggingface.co/**", lambda route: (asked.append(route.request.url), route.fulfill(
        status=503, headers={"Access-Control-Allow-Origin": "*"}, body="")))
    provider_page = f"https://huggingface.co/spaces/{hub.devhub.options.space_id}"
    context.route(provider_page, lambda route: route.fulfill(
        content_type="text/html", body=f"<!doctype html><title>The provider's Space page</title>"
                                       f"<iframe id=f src='{hub.space_url}/' width=1100 height=800></iframe>"))
    page.goto(provider_page)
    frame = page.frame_locator("#f")
    html = frame.locator("html")
    expect(html).to_have_attribute("data-embed", "space")
    expect(html).to_have_attribute("data-auth", "signed-out", timeout=90_000)
    expect(frame.locator("#provider-note")).to_contain_text("huggingface.co")
    assert frame.locator('[data-action="sign-in"]').evaluate("b => b.tagName") == "BUTTON"
    wait_until(page, lambda: asked)  # and the library, too, turned to huggingface.co
    assert asked[0] == "https://huggingface.co/.well-known/openid-configuration"


def test_the_provider_pages_can_be_framed_by_the_hub_only(page, hub):
    """As on huggingface.co (SAMEORIGIN); the Space, like a static Space on HF, sends no policy."""
    resp = page.request.get(f"{hub.hub_url}/oauth/authorize?client_id={hub.client_id}")
    assert resp.headers["x-frame-options"] == "SAMEORIGIN"
    assert resp.headers["content-security-policy"] == "frame-ancestors 'self'"
    space = page.request.get(hub.space_url + "/")
    assert "content-security-policy" not in space.headers and "x-frame-options" not in space.headers


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
