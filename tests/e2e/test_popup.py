"""Popup sign-in in Chromium against devhub, with the browser's popup blocker ON (Playwright turns
it off by default: ``--disable-popup-blocking`` is removed here). The Space's default way of
signing in: the window opens in the click, the opener never navigates, every way it can end is
shown within seconds. COOP on devhub's sign-in pages (``coop="same-origin"``) cuts the opener, so
the answer comes over the BroadcastChannel after the opener read ``closed``."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

import harness
from conftest import _guarded
from harness import Traffic
from harness import find_chromium, launch_args, shot, wait_booted

SIGN_IN = '[data-action="sign-in"]'
WAITING = "Waiting for Hugging Face"


@pytest.fixture(scope="session")
def blocking_browser(playwright_instance):
    """Chromium with its popup blocker on, as visitors have it."""
    browser = playwright_instance.chromium.launch(executable_path=find_chromium(), args=launch_args(),
                                                  ignore_default_args=["--disable-popup-blocking"])
    yield browser
    browser.close()


@pytest.fixture
def popup_context(blocking_browser, request):
    yield from _guarded(blocking_browser.new_context(viewport={"width": 1200, "height": 900}), request)


@pytest.fixture
def space(hub):
    """The hub with the Space signing in through the popup (its default; the suite's redirect
    journeys set HFSIGNIN_SIGN_IN=redirect)."""
    hub.devhub.variables["HFSIGNIN_SIGN_IN"] = "popup"
    yield hub
    hub.devhub.variables["HFSIGNIN_SIGN_IN"] = "redirect"
    hub.devhub.variables.pop("HFSIGNIN_POPUP_TIMEOUT", None)


class Opener:
    """The Space's tab, counting its main frame's navigations after it booted."""

    def __init__(self, context, hub) -> None:
        self.page = context.new_page()
        self.page.goto(hub.space_url + "/")
        assert wait_booted(self.page) == "signed-out"
        self.url = self.page.url
        self.navigations = 0
        self.page.on("framenavigated", self._navigated)

    def _navigated(self, frame) -> None:
        if frame == self.page.main_frame:
            self.navigations += 1

    def click_sign_in(self):
        with self.page.expect_popup() as info:
            self.page.click(SIGN_IN)
        popup = info.value
        expect(self.page.locator("html")).to_have_attribute("data-auth", "popup")
        return popup

    def signed_in_as(self, login: str) -> None:
        self.page.wait_for_function("document.documentElement.dataset.auth === 'signed-in'")
        expect(self.page.locator('[data-user="preferred_username"]')).to_have_text(f"@{login}")
        assert self.navigations == 0 and self.page.url == self.url  # the opener never left

    def auth(self) -> str:
        return harness.auth_state(self.page)


def press(page, selector: str) -> None:
    """A click on the hub's page. In Firefox 153 over BiDi, mouse clicks sent to a popup's page
    were lost here (the page did not react), so there the element is clicked from the page itself."""
    if page.context.browser.browser_type.name == "firefox":
        page.locator(selector).evaluate("el => el.click()")
    else:
        page.click(selector)


def at_consent(popup, user: str = "alice") -> bool:
    """Sign in as ``user`` on the hub's page if it asks; True at the consent page, False when the
    window went straight back (consent given before: the hub answers at once and the window closes)."""
    try:
        popup.wait_for_selector('[data-login], [data-action="approve"]')
        if popup.locator(f'[data-login="{user}"]').count():
            press(popup, f'[data-login="{user}"]')
            popup.wait_for_selector('[data-action="approve"]')
    except Exception:  # noqa: BLE001 - the window closed on its own
        if popup.is_closed():
            return False
        raise
    return True


def gone(popup, timeout: float = 10_000) -> None:
    """The window closes (it may have already)."""
    if not popup.is_closed():
        popup.wait_for_event("close", timeout=timeout)
    assert popup.is_closed()


def state_of(popup) -> str:
    popup.wait_for_url("**/oauth/authorize?**")
    return parse_qs(urlsplit(popup.url).query)["state"][0]


@pytest.mark.parametrize("coop", ["none", "same-origin"])
def test_approve_in_the_popup_signs_in_without_a_page_load(popup_context, space, coop):
    space.settings(coop=coop)
    traffic = Traffic(popup_context)
    opener = Opener(popup_context, space)
    popup = opener.click_sign_in()
    at_consent(popup)
    if coop == "same-origin":  # the opener reads closed while the window is open: it waits, it does not end
        expect(opener.page.locator("#busy-text")).to_contain_text(WAITING, timeout=5000)
    else:
        expect(opener.page.locator("#busy-text")).to_contain_text("Finish signing in in the Hugging Face window")
    shot(opener.page, f"popup-opener-waiting-{coop}")
    shot(popup, f"popup-consent-{coop}")
    popup.click('[data-action="approve"]')
    opener.signed_in_as("alice")
    gone(popup)  # closed by callback.js once the opener acknowledged
    assert len(traffic.token_posts()) == 1
    expect(opener.page.locator("#profile-name")).to_be_focused()
    shot(opener.page, f"popup-signed-in-{coop}")


def test_deny_in_the_popup_shows_the_banner_and_the_button(popup_context, space):
    opener = Opener(popup_context, space)
    popup = opener.click_sign_in()
    at_consent(popup, "bob")
    popup.click('[data-action="deny"]')
    banner = opener.page.locator('[role="alert"][data-error="access_denied"]')
    expect(banner).to_be_visible()
    assert opener.auth() == "error" and opener.navigations == 0
    gone(popup)
    expect(opener.page.locator(SIGN_IN)).to_be_enabled()
    shot(opener.page, "popup-denied")


def test_a_window_open_long_after_the_click_is_blocked(popup_context, space):
    """The control: this browser's popup blocker is really on."""
    page = popup_context.new_page()
    page.goto(space.space_url + "/static_site/avatar.svg")
    page.evaluate("""() => {
        const late = document.createElementNS('http://www.w3.org/2000/svg', 'rect');
        late.setAttribute('width', 200); late.setAttribute('height', 200); late.id = 'late';
        document.documentElement.appendChild(late);
        late.addEventListener('click', async () => {
            window.__at_once = window.open('about:blank') !== null;
            await new Promise((r) => setTimeout(r, 6000));
            window.__late = window.open('about:blank') !== null;
        });
    }""")
    page.click("#late")
    page.wait_for_function("window.__late !== undefined", timeout=15_000)
    assert page.evaluate("[window.__at_once, window.__late]") == [True, False]


def test_a_blocked_window_falls_back_to_the_redirect(popup_context, space):
    """A click that is not the visitor's (no user activation): no window opens, the tab itself goes."""
    opener = Opener(popup_context, space)
    # page.evaluate runs as a user gesture: click from a timer once its activation has expired.
    with opener.page.expect_navigation(url="**/oauth/authorize?**", timeout=15_000):
        opener.page.evaluate("setTimeout(() => document.querySelector('[data-action=\"sign-in\"]').click(), 5500)")
    assert len(popup_context.pages) == 1
    at_consent(opener.page)
    opener.page.click('[data-action="approve"]')
    assert wait_booted(opener.page) == "signed-in"


def test_a_closed_window_is_noticed_and_cancel_returns_to_the_button(popup_context, space):
    opener = Opener(popup_context, space)
    popup = opener.click_sign_in()
    at_consent(popup)
    popup.close()
    # On the provider's page a closed window reads like a COOP cut: the page waits and says so, with Cancel.
    expect(opener.page.locator("#busy-text")).to_contain_text(WAITING, timeout=2500)
    shot(opener.page, "popup-closed-waiting")
    opener.page.click('[data-action="cancel-popup"]')
    expect(opener.page.locator("html")).to_have_attribute("data-auth", "signed-out")
    expect(opener.page.locator(SIGN_IN)).to_be_focused()
    expect(opener.page.locator("#announcer")).to_have_text("Sign-in cancelled")
    # and sign-in starts again
    popup = opener.click_sign_in()
    at_consent(popup)
    popup.click('[data-action="approve"]')
    opener.signed_in_as("alice")


def test_no_answer_in_time_ends_with_a_retry(popup_context, space):
    space.devhub.variables["HFSIGNIN_POPUP_TIMEOUT"] = "5"
    opener = Opener(popup_context, space)
    popup = opener.click_sign_in()
    at_consent(popup)
    banner = opener.page.locator('[role="alert"][data-error="popup_timeout"]')
    expect(banner).to_be_visible(timeout=10_000)
    gone(popup, 5000)  # the attempt is over: its window goes too
    shot(opener.page, "popup-timeout")
    with opener.page.expect_popup() as info:
        opener.page.click('[data-action="retry"]')
    at_consent(info.value)
    info.value.click('[data-action="approve"]')
    opener.signed_in_as("alice")


def test_a_second_click_focuses_the_open_window(popup_context, space):
    opener = Opener(popup_context, space)
    popup = opener.click_sign_in()
    at_consent(popup)
    opener.page.click('[data-action="show-popup"]')
    opener.page.wait_for_timeout(300)
    assert len(popup_context.pages) == 2  # still the one window
    popup.click('[data-action="approve"]')
    opener.signed_in_as("alice")


def test_two_sign_ins_in_a_row(popup_context, space):
    opener = Opener(popup_context, space)
    for round in (1, 2):
        popup = opener.click_sign_in()
        if at_consent(popup):
            popup.click('[data-action="approve"]')
        else:
            assert round == 2  # the hub remembers the consent of the first
        opener.signed_in_as("alice")
        opener.page.click('[data-action="sign-out"]')
        expect(opener.page.locator("html")).to_have_attribute("data-auth", "signed-out")


def test_each_tab_takes_only_its_own_windows_answer(popup_context, space):
    first, second = Opener(popup_context, space), Opener(popup_context, space)
    popup_1, popup_2 = first.click_sign_in(), second.click_sign_in()
    assert state_of(popup_1) != state_of(popup_2)
    at_consent(popup_2)
    popup_2.click('[data-action="approve"]')
    second.signed_in_as("alice")
    assert first.auth() == "popup"
    # The first window's hub page predates alice's sign-in in the other (its form has expired):
    # loaded again, the hub answers at once (alice consented) and the window returns.
    try:
        popup_1.reload()
    except Exception:  # noqa: BLE001 - it already went back and closed
        assert popup_1.is_closed()
    if not popup_1.is_closed() and at_consent(popup_1):
        popup_1.click('[data-action="approve"]')
    first.signed_in_as("alice")


def test_a_forged_message_from_another_origin_and_a_replay_are_ignored(popup_context, space):
    traffic = Traffic(popup_context)
    opener = Opener(popup_context, space)
    popup = opener.click_sign_in()
    at_consent(popup)
    state = state_of(popup)
    # The provider's page is another origin: whatever it posts to the opener is not an answer.
    popup.evaluate("([state]) => window.opener.postMessage({type: 'hfsignin:callback', state, code: 'forged'}, '*')",
                   [state])
    opener.page.wait_for_timeout(500)
    assert opener.auth() == "popup" and traffic.token_posts() == []
    popup.click('[data-action="approve"]')
    opener.signed_in_as("alice")
    # The same answer again, from this origin, once the attempt is over: nothing happens.
    opener.page.evaluate("""([state]) => {
        window.postMessage({type: 'hfsignin:callback', state, code: 'replayed'}, location.origin);
        new BroadcastChannel('hfsignin:popup:' + state).postMessage({type: 'hfsignin:callback', state, code: 'replayed'});
    }""", [state])
    opener.page.wait_for_timeout(500)
    assert len(traffic.token_posts()) == 1 and opener.auth() == "signed-in"


def test_the_callback_page_alone_says_what_it_is(popup_context, space):
    page = popup_context.new_page()
    page.goto(space.space_url + "/callback.html?code=abc&state=" + "s" * 43)
    expect(page.locator("#callback-title")).to_have_text("Sign-in could not return to the Space", timeout=6000)
    assert "code=" not in page.url  # the code left the address bar at once
    shot(page, "popup-callback-unanswered")
    page.goto(space.space_url + "/callback.html")
    expect(page.locator("#callback-title")).to_have_text("Nothing to finish here")


# -- Firefox (ESR over WebDriver BiDi), its popup blocker on --------------------------------------

@pytest.fixture(scope="session")
def ff_blocking(playwright_instance, tmp_path_factory):
    """Firefox with its popup blocker on (dom.disable_open_during_load, Firefox's own default)."""
    browser = harness.launch_firefox(playwright_instance, tmp_path_factory.mktemp("firefox-popups"),
                                     {**harness.FIREFOX_3P_BLOCKED, "dom.disable_open_during_load": True})
    yield browser
    browser.close()


@pytest.fixture
def ff_popup_context(ff_blocking, request):
    guarded = _guarded(ff_blocking.new_context(viewport={"width": 1200, "height": 900}), request)
    ctx = next(guarded)
    ctx.guard.allow_console(harness.PLAYWRIGHT_SCREENSHOT_STYLE)
    yield ctx
    yield from guarded


@pytest.mark.firefox
@pytest.mark.parametrize("coop", ["none", "same-origin"])
def test_firefox_approve_in_the_popup(ff_popup_context, space, coop):
    space.settings(coop=coop)
    opener = Opener(ff_popup_context, space)
    popup = opener.click_sign_in()
    if at_consent(popup):
        press(popup, '[data-action="approve"]')
    opener.signed_in_as("alice")
    gone(popup)
    shot(opener.page, f"firefox-popup-signed-in-{coop}")


@pytest.mark.firefox
def test_firefox_deny_and_the_blockers_control(ff_popup_context, space):
    opener = Opener(ff_popup_context, space)
    popup = opener.click_sign_in()
    at_consent(popup, "bob")
    press(popup, '[data-action="deny"]')
    expect(opener.page.locator('[role="alert"][data-error="access_denied"]')).to_be_visible()
    assert opener.navigations == 0
    # the control: an open 6 s after a click is refused by this Firefox
    opener.page.evaluate("""() => document.querySelector('#hero-title').addEventListener('click', async () => {
        await new Promise((r) => setTimeout(r, 6000));
        window.__late = window.open('about:blank') !== null;
    })""")
    opener.page.click("#hero-title")
    opener.page.wait_for_function("window.__late !== undefined", timeout=15_000)
    assert opener.page.evaluate("window.__late") is False
