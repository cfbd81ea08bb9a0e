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
from harness import Traffic, press, shot, wait_booted

SIGN_IN = '[data-action="sign-in"]'
WAITING = "Waiting for Hugging Face"


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


def test_deny_in_the_popup_leaves_a_note_and_the_button(popup_context, space):
    opener = Opener(popup_context, space)
    popup = opener.click_sign_in()
    at_consent(popup, "bob")
    popup.click('[data-action="deny"]')
    gone(popup)  # closed by callback.js once the opener acknowledged
    harness.cancelled_note(opener.page)  # a choice, not an error: no banner, the note focused
    assert opener.auth() == "signed-out" and opener.navigations == 0
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


# -- inside the provider's Space page -------------------------------------------------------------

class SpacePage:
    """The hub's Space page framing the Space; counts the top page's navigations."""

    def __init__(self, context, hub, embed: str) -> None:
        self.context = context
        self.page = context.pages[0] if context.pages else context.new_page()
        self.url = f"{hub.hub_url}/spaces/{hub.devhub.options.space_id}"
        self.page.goto(self.url)
        self.frame = self.page.frame_locator("#space-frame")
        expect(self.frame.locator("html")).to_have_attribute("data-embed", embed)
        expect(self.frame.locator("html")).to_have_attribute("data-auth", "signed-out", timeout=90_000)
        expect(self.frame.locator("html")).to_have_attribute("data-python", "ready")
        self.navigations = 0
        self.page.on("framenavigated", self._navigated)

    def _navigated(self, frame) -> None:
        if frame == self.page.main_frame or frame.url.startswith("http://127.0.0.1"):
            self.navigations += 1  # the top page, or the Space's frame

    def click_sign_in(self):
        button = self.frame.locator(SIGN_IN)
        assert button.evaluate("b => b.tagName") == "BUTTON"
        with self.page.expect_popup() as info:
            button.click()
        return info.value

    def signed_in_as(self, login: str) -> None:
        expect(self.frame.locator("html")).to_have_attribute("data-auth", "signed-in", timeout=30_000)
        expect(self.frame.locator('[data-user="preferred_username"]')).to_have_text(f"@{login}")
        assert self.navigations == 0 and self.page.url == self.url  # neither the page nor its frame moved
        assert len(self.context.pages) == 1  # no tab or window left open


@pytest.mark.parametrize("storage", ["blocked", "allowed"])
def test_inside_the_space_page_sign_in_happens_in_the_frame_through_the_popup(
        popup_context, popup_context_3p_allowed, space, storage):
    context = popup_context if storage == "blocked" else popup_context_3p_allowed
    space_page = SpacePage(context, space, "blocked" if storage == "blocked" else "space")
    if storage == "blocked":
        expect(space_page.frame.locator("#embed-note")).to_contain_text("sign-in opens a small window")
    popup = space_page.click_sign_in()
    if at_consent(popup, "bob"):
        popup.click('[data-action="approve"]')
    space_page.signed_in_as("bob")
    gone(popup)
    kept = space_page.frame.locator("#session-kept")
    if storage == "blocked":  # Chromium refuses the frame sessionStorage: the session lives in the page only
        expect(kept).to_be_visible()
    else:
        expect(kept).to_be_hidden()
    shot(space_page.page, f"popup-in-frame-storage-{storage}")


@pytest.mark.parametrize("storage", ["blocked", "allowed"])
def test_inside_the_space_page_with_coop_the_answer_comes_over_the_channel(
        popup_context, popup_context_3p_allowed, space, storage):
    """COOP on the provider's pages cuts the opener; the window's BroadcastChannel still reaches
    the frame in Chromium (here, between these loopback sites), so the frame signs in all the same."""
    space.settings(coop="same-origin")
    context = popup_context if storage == "blocked" else popup_context_3p_allowed
    space_page = SpacePage(context, space, "blocked" if storage == "blocked" else "space")
    popup = space_page.click_sign_in()
    if at_consent(popup, "bob"):
        popup.click('[data-action="approve"]')
    space_page.signed_in_as("bob")
    gone(popup)


# -- Firefox (ESR over WebDriver BiDi), its popup blocker on --------------------------------------

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
    # The window closes itself once the opener has the answer; axe-core runs after that (run while
    # the window closed, it lost Firefox over BiDi once in CI: its page's context "destroyed").
    gone(popup)
    harness.cancelled_note(opener.page)
    assert opener.navigations == 0
    # the control: an open 6 s after a click is refused by this Firefox
    opener.page.evaluate("""() => document.querySelector('#hero-title').addEventListener('click', async () => {
        await new Promise((r) => setTimeout(r, 6000));
        window.__late = window.open('about:blank') !== null;
    })""")
    opener.page.click("#hero-title")
    opener.page.wait_for_function("window.__late !== undefined", timeout=15_000)
    assert opener.page.evaluate("window.__late") is False


@pytest.mark.firefox
@pytest.mark.parametrize("storage", ["blocked", "allowed"])
def test_firefox_inside_the_space_page_signs_in_in_the_frame(request, space, storage):
    """cookieBehavior=1 (blocked: the frame keeps only sessionStorage) and Firefox's own default, Total
    Cookie Protection (allowed, partitioned)."""
    context = request.getfixturevalue("ff_popup_context" if storage == "blocked" else "ff_popup_context_3p_allowed")
    space_page = SpacePage(context, space, "blocked" if storage == "blocked" else "space")
    popup = space_page.click_sign_in()
    if at_consent(popup, "bob"):
        press(popup, '[data-action="approve"]')
    space_page.signed_in_as("bob")
    gone(popup)
    expect(space_page.frame.locator("#session-kept")).to_be_hidden()  # Firefox keeps sessionStorage in both
    shot(space_page.page, f"firefox-popup-in-frame-storage-{storage}")


@pytest.mark.firefox
def test_firefox_inside_the_space_page_with_coop_the_window_offers_to_sign_in_there(ff_popup_context, space):
    """COOP cuts the opener, and Firefox refuses a blocked frame its BroadcastChannel: no channel is
    left. The window says so and signs in there, top-level (the new-tab flow); the frame waits, with Cancel."""
    space.settings(coop="same-origin")
    space_page = SpacePage(ff_popup_context, space, "blocked")
    popup = space_page.click_sign_in()
    if at_consent(popup, "bob"):
        press(popup, '[data-action="approve"]')
    popup.wait_for_url("**/callback.html")
    expect(popup.locator("#callback-title")).to_have_text("Sign-in could not return to the Space", timeout=8000)
    expect(space_page.frame.locator("#busy-text")).to_contain_text(WAITING)
    shot(popup, "firefox-popup-in-frame-coop-window")
    press(popup, "#callback-open")  # ?sign-in: this window goes to the hub, which answers at once (consent given)
    # (a locator, not wait_for_function: Firefox runs that as eval, which the callback page's CSP refuses)
    expect(popup.locator("html")).to_have_attribute("data-auth", "signed-in", timeout=90_000)
    expect(popup.locator('[data-user="preferred_username"]')).to_have_text("@bob")
    space_page.frame.locator('[data-action="cancel-popup"]').click()
    expect(space_page.frame.locator("html")).to_have_attribute("data-auth", "signed-out")


# -- a click before Python is ready (issue 20): never lost ---------------------------------------

def slow_link(page, mbit: float = 60) -> None:
    """This page's downloads at ``mbit`` (Chromium's emulation: the page only, not its windows),
    so that Python is still loading when the test clicks."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", {"offline": False, "latency": 20,
                                                   "downloadThroughput": mbit * 125_000, "uploadThroughput": -1})


def click_before_python(page, url: str) -> None:
    page.goto(url, wait_until="domcontentloaded")
    expect(page.locator(SIGN_IN)).to_be_visible()
    assert page.evaluate("document.documentElement.dataset.python") is None  # Python is not there yet
    assert page.evaluate("document.documentElement.dataset.auth") == "loading"


def early_window(page):
    """Click the button before Python is ready: the window opens in the click, a placeholder."""
    with page.expect_popup() as info:
        page.click(SIGN_IN)
    popup = info.value
    expect(page.locator("html")).to_have_attribute("data-early-click", "window")
    expect(page.locator("#boot-label")).to_contain_text("Python is still starting")
    return popup


def test_a_click_before_python_is_ready_opens_the_window_at_once_and_signs_in(popup_context, space):
    page = popup_context.new_page()
    slow_link(page)
    click_before_python(page, space.space_url + "/")
    popup = early_window(page)
    assert popup.evaluate("document.body.textContent") == "Opening Hugging Face…" or popup.url != "about:blank"
    shot(page, "popup-early-click")
    at_consent(popup, "alice")  # Python pointed the placeholder at the hub once it was ready
    popup.click('[data-action="approve"]')
    page.wait_for_function("document.documentElement.dataset.auth === 'signed-in'", timeout=90_000)
    expect(page.locator('[data-user="preferred_username"]')).to_have_text("@alice")
    expect(page.locator("html")).not_to_have_attribute("data-early-click", "window")
    assert len(space.events("authorize")) == 1
    gone(popup)


def test_an_early_window_closed_before_python_is_ready_starts_nothing(popup_context, space):
    page = popup_context.new_page()
    slow_link(page)
    click_before_python(page, space.space_url + "/")
    early_window(page).close()
    assert wait_booted(page) == "signed-out"
    expect(page.locator("#announcer")).to_have_text("Sign-in window closed")
    assert space.events("authorize") == [] and len(popup_context.pages) == 1


def test_a_click_before_python_is_ready_in_a_page_that_leaves_goes_when_ready(page, hub):
    """The suite's redirect Space (HFSIGNIN_SIGN_IN=redirect): no window; the page goes once Python runs."""
    slow_link(page)
    click_before_python(page, hub.space_url + "/")
    page.click(SIGN_IN)
    expect(page.locator("html")).to_have_attribute("data-early-click", "leave")
    page.wait_for_selector('[data-login="alice"]', timeout=90_000)
    page.click('[data-login="alice"]')
    page.click('[data-action="approve"]')
    assert wait_booted(page) == "signed-in"


@pytest.mark.firefox
def test_firefox_a_click_before_python_is_ready_opens_the_window_and_signs_in(ff_popup_context, space):
    page = ff_popup_context.new_page()
    click_before_python(page, space.space_url + "/")
    popup = early_window(page)
    if at_consent(popup, "alice"):
        press(popup, '[data-action="approve"]')
    page.wait_for_function("document.documentElement.dataset.auth === 'signed-in'", timeout=90_000)
    expect(page.locator('[data-user="preferred_username"]')).to_have_text("@alice")
    gone(popup)


def test_an_early_window_is_closed_when_the_visit_ends_signed_in_anyway(popup_context, space):
    """persist="local": the session is in localStorage, which boot.js does not look at, so the
    button shows and can be clicked early; Python then restores the session: no sign-in, and the
    placeholder window goes."""
    space.devhub.variables["HFSIGNIN_PERSIST"] = "local"
    try:
        first = Opener(popup_context, space)
        popup = first.click_sign_in()
        at_consent(popup, "alice")
        popup.click('[data-action="approve"]')
        first.signed_in_as("alice")
        page = popup_context.new_page()
        slow_link(page)
        click_before_python(page, space.space_url + "/")
        placeholder = early_window(page)
        page.wait_for_function("document.documentElement.dataset.auth === 'signed-in'", timeout=90_000)
        gone(placeholder)
        assert len(space.events("authorize")) == 1
    finally:
        del space.devhub.variables["HFSIGNIN_PERSIST"]
