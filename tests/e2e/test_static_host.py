"""devhub's Space host as huggingface.co's static hosting: any static site runs as it is (no
policy of devhub's own), the app works wherever the variables script is injected or says why it
cannot, and the Space page honours SET_SCROLLING from its own frame only."""

from pathlib import Path
from urllib.parse import urlencode

import pytest
from playwright.sync_api import expect

from devhub import DevHub, Options
from harness import Attempt, open_space, shot, sign_in, wait_booted

ROOT = Path(__file__).resolve().parents[2]
# The page's own CSP refusing the injected script (Chromium's wording, older and newer).
BLOCKED_INLINE = r"(Refused to execute inline script because it violates|Executing inline script violates) the following"
FOREIGN = """<!doctype html>
<html>
<head>
<title>Someone else's Space</title>
<script type="module">document.body.dataset.ran = window.huggingface ? "with variables" : "alone";</script>
</head>
<body><h1>Hello</h1></body>
</html>
"""


@pytest.fixture
def foreign_hub(tmp_path):
    """devhub serving a small static site that is not this project's: inline scripts, no CSP."""
    (tmp_path / "index.html").write_text(FOREIGN)
    (tmp_path / "inner.html").write_text("<!doctype html><title>inner</title><p>inner</p>")
    hub = DevHub(Options(site=tmp_path, hub_port=0, space_port=0)).start()
    yield hub
    hub.stop()


def test_a_foreign_static_site_runs_its_inline_script(page, foreign_hub):
    response = page.goto(foreign_hub.space_url + "/")
    assert "content-security-policy" not in response.headers
    expect(page.locator("body")).to_have_attribute("data-ran", "with variables")
    assert page.evaluate("window.huggingface.variables.SPACE_ID") == "hfsignin/sign-in-with-hf"


@pytest.mark.parametrize("placement", ["head-start", "crlf-quirk"])
def test_the_app_signs_in_when_the_script_runs(page, hub, placement):
    """crlf-quirk with our index.html: <head> is on the first line, so the quirk cuts nothing."""
    hub.settings(inject=placement)
    assert open_space(page, hub) == "signed-out"
    assert page.evaluate("window.huggingface.variables.OAUTH_CLIENT_ID") == hub.client_id
    assert sign_in(page, user="bob") == "signed-in"
    expect(page.locator('[data-user="preferred_username"]')).to_have_text("@bob")


def test_the_app_reads_a_blocked_script_as_data_and_signs_in(page, hub, context):
    """Injected at the end of <head>, after the page's meta CSP: the script is refused (never
    'unsafe-inline'), its element stays, and the app reads its text as JSON."""
    context.guard.allow_console(BLOCKED_INLINE)
    hub.settings(inject="head-end")
    context.add_init_script("addEventListener('hfsignin:boot-failed', () => { window.bootFailed = true; })")
    assert open_space(page, hub) == "signed-out"
    assert not page.evaluate("window.bootFailed")  # the blocked inline script is not a failed boot
    assert page.evaluate("window.huggingface") is None  # the script did not run
    inline = page.evaluate("[...document.head.querySelectorAll('script:not([src])')].map(s => s.text)")
    assert [t for t in inline if t.startswith("window.huggingface = ")]
    meta = page.locator('meta[http-equiv="Content-Security-Policy"]').get_attribute("content")
    assert "'unsafe-inline'" not in meta
    expect(page.locator("#provider-note")).to_contain_text("localhost")  # OPENID_PROVIDER_URL was read
    assert sign_in(page, user="carol") == "signed-in"
    expect(page.locator('[data-user="preferred_username"]')).to_have_text("@carol")


@pytest.fixture
def head_on_line_three(tmp_path):
    """This app with index.html's <head> moved to line 3, served with the reported quirk."""
    html = (ROOT / "index.html").read_text()
    first, rest = html.split("\n", 1)
    assert first.endswith("<head>")
    doctype, html_tag = first.removesuffix("<head>").split("><", 1)
    (tmp_path / "index.html").write_text(f"{doctype}>\n<{html_tag}\n<head>\n{rest}")
    for name in ("static_site", "py", "pyscript.toml", "README.md"):
        (tmp_path / name).symlink_to(ROOT / name)
    hub = DevHub(Options(site=tmp_path, hub_port=0, space_port=0, inject="crlf-quirk")).start()
    yield hub
    hub.stop()


def test_a_head_cut_by_the_quirk_is_explained_on_the_page(page, context, head_on_line_three):
    # The cut leaves no <head>: the meta policy sits in <body>, where Chromium ignores it and says so.
    context.guard.allow_console(r"outside the document's <head>")
    page.goto(head_on_line_three.space_url + "/")
    assert wait_booted(page) == "error"
    assert page.evaluate("[...document.querySelectorAll('*')].some(e => e.localName.includes('<script'))")
    banner = page.locator('[role="alert"][data-error="variables_unreadable"]')
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("could not be read")
    expect(banner).to_contain_text("first line of index.html")
    expect(page.locator("#banner-retry")).to_be_hidden()
    shot(page, "17-variables-unreadable")


# -- the Space page ------------------------------------------------------------------------------

def space_page(page, hub):
    page.goto(f"{hub.hub_url}/spaces/{hub.options.space_id}")
    expect(page.frame_locator("#space-frame").locator("h1")).to_have_text("Hello")
    return page.locator("#space-frame"), page.frame(url=hub.space_url + "/")


def show_in_frame(page, url: str):
    """Point the Space page's iframe at ``url`` (as a link inside it would) and return its frame."""
    with page.expect_event("framenavigated", predicate=lambda f: f.url == url) as navigated:
        page.locator("#space-frame").evaluate("(f, url) => { f.src = url; }", url)
    navigated.value.wait_for_load_state()
    return navigated.value


def post_scrolling(target, enabled, recipient="parent"):
    target.evaluate(f"e => {recipient}.postMessage({{type: 'SET_SCROLLING', enabled: e}}, '*')", enabled)


def test_set_scrolling_from_the_space_frame_toggles_scrolling(page, foreign_hub):
    frame, inside = space_page(page, foreign_hub)
    expect(frame).to_have_attribute("data-scrolling", "false")
    assert frame.get_attribute("scrolling") is None
    post_scrolling(inside, True)
    expect(frame).to_have_attribute("data-scrolling", "true")
    expect(frame).to_have_attribute("scrolling", "yes")
    inside.evaluate("parent.postMessage({type: 'SET_SCROLLING', enabled: 'no'}, '*')")  # malformed: ignored
    post_scrolling(inside, False)
    expect(frame).to_have_attribute("data-scrolling", "false")
    assert frame.get_attribute("scrolling") is None
    shot(page, "18-space-page-scrolling")


def test_set_scrolling_from_any_other_window_or_origin_is_ignored(page, foreign_hub):
    frame, inside = space_page(page, foreign_hub)
    post_scrolling(page.main_frame, True, recipient="window")  # the Space page itself: another source
    # A window of the Space's origin that is not the Space's frame: a frame inside it.
    inside.evaluate("""url => new Promise(done => {
        const f = document.createElement('iframe');
        f.onload = done;
        f.src = url;
        document.body.appendChild(f);
    })""", foreign_hub.space_url + "/inner.html")
    post_scrolling(page.frame(url=foreign_hub.space_url + "/inner.html"), True, recipient="top")
    # The Space's frame, once it shows another origin (here a page of the hub's own).
    post_scrolling(show_in_frame(page, foreign_hub.hub_url + "/alice"), True)
    page.wait_for_timeout(300)
    expect(frame).to_have_attribute("data-scrolling", "false")
    post_scrolling(show_in_frame(page, foreign_hub.space_url + "/inner.html"), True)  # the Space again
    expect(frame).to_have_attribute("data-scrolling", "true")


def test_the_sign_in_page_shows_in_the_space_page_frame_unless_denied(page, foreign_hub, context):
    blocked = "violates the following Content Security Policy directive: \"frame-ancestors 'none'\""
    context.guard.allow_console(blocked)
    app = type("SpaceApp", (), {"client_id": foreign_hub.space_app.client_id, "space_url": foreign_hub.space_url})
    authorize = f"{foreign_hub.hub_url}/oauth/authorize?{urlencode(Attempt(app()).params)}"
    space_page(page, foreign_hub)
    show_in_frame(page, authorize)
    expect(page.frame_locator("#space-frame").locator('[data-login="alice"]')).to_be_visible()
    foreign_hub.variants.update({"framing": "deny"})
    with page.expect_console_message(lambda m: blocked in m.text):
        page.locator("#space-frame").evaluate("(f, url) => { f.src = url; }", authorize + "&again=1")
    expect(page.frame_locator("#space-frame").locator('[data-login="alice"]')).to_have_count(0)
