"""Popup sign-in (``hfsignin.popup``) in CPython: a scripted window and inbox play the browser, a
``MockTransport`` plays huggingface.co. Every way an attempt can end, and the message checks."""

import asyncio
from urllib.parse import parse_qs, urlsplit

import pytest

from hfsignin import HFSignIn, SignInError
from hfsignin import errors as E
from hfsignin.environment import Environment
from hfsignin.jws import CryptographyVerifier
from hfsignin.navigation import MemoryNavigator
from hfsignin.popup import ANSWERED, MESSAGE, OPENED, WAITING, callback_uri, parse_message, state_of
from hfsignin.storage import MemoryStorage
from hfsignin.transaction import PREFIX
from hfsignin.transport import MockTransport
from test_restore import CID, HUB, NOW, PROFILE, TOKEN, Provider, claims, json_response

PAGE = "https://alice-space.hf.space/?tab=models"
STATE = "s" * 43


class Window:
    """A popup as the opener sees it: ``places`` is what ``where()`` reads, in turn (the last for good)."""

    def __init__(self, places=("blank",)) -> None:
        self.places = list(places)
        self.url = None
        self.focused = self.closed_by_us = 0

    def go(self, url: str) -> None:
        self.url = url
        if self.places == ["blank"]:
            self.places = ["away"]

    def where(self) -> str:
        return self.places.pop(0) if len(self.places) > 1 else self.places[0]

    def focus(self) -> None:
        self.focused += 1

    def close(self) -> None:
        self.closed_by_us += 1


class Inbox:
    def __init__(self, state: str) -> None:
        self.state = state
        self.answer = asyncio.get_event_loop().create_future()
        self.closed = False

    def deliver(self, data) -> bool:
        """What the browser inbox does with a message: nothing once it stopped listening."""
        answer = None if self.closed else parse_message(data, self.state)
        if answer is not None and not self.answer.done():
            self.answer.set_result(answer)
            return True
        return False

    def close(self) -> None:
        self.closed = True


class Popups:
    def __init__(self, *windows) -> None:
        self.windows = list(windows)
        self.opened: list[Window] = []
        self.inboxes: list[Inbox] = []

    def open(self):
        window = self.windows.pop(0) if self.windows else Window()
        if window is not None:
            self.opened.append(window)
        return window

    def adopt(self, window):
        """A window the page opened in an earlier click: itself, unless it was closed since."""
        if window.where() == "closed":
            return None
        self.opened.append(window)
        return window

    def listen(self, state, window):
        self.inboxes.append(Inbox(state))
        return self.inboxes[-1]


class SignsNonce(Provider):
    """Provider whose token endpoint signs an ID token with the nonce of the last authorize URL."""

    nonce = None

    def __call__(self, request):
        if request.path == TOKEN:
            c = claims(nonce=self.nonce, exp=NOW + 3600)
            return json_response({"access_token": "hf_oauth_new", "token_type": "bearer", "expires_in": 3600,
                                  "refresh_token": "rt-new", "id_token": self.signer.sign(c),
                                  "scope": "openid profile"})
        return super().__call__(request)


class Page:
    def __init__(self, signer, popups: Popups | None, *, navigator=None, timeout=300.0, clock=None) -> None:
        self.provider = SignsNonce(signer)
        self.provider.answers["/oauth/userinfo"] = json_response(PROFILE)
        self.storage = MemoryStorage()
        self.navigator = navigator or MemoryNavigator(PAGE)
        self.popups = popups
        env = Environment(storage=self.storage, transport=MockTransport(self.provider), navigator=self.navigator,
                          verifier=CryptographyVerifier(), clock=clock or (lambda: NOW), popups=popups)
        self.auth = HFSignIn(CID, env=env, provider_url=HUB, popup_timeout=timeout)
        self.statuses: list[str] = []
        self.auth.popups.on_status(self.statuses.append)

    async def pointed(self) -> Window:
        """The window once it has been pointed at the provider (the nonce noted for the token)."""
        for _ in range(300):
            window = self.popups.opened[-1] if self.popups.opened else None
            if window is not None and window.url:
                self.provider.nonce = parse_qs(urlsplit(window.url).query)["nonce"][0]
                return window
            await asyncio.sleep(0.01)
        raise AssertionError("never pointed")

    def pending_transactions(self) -> list[str]:
        return [k for k in self.storage.keys() if k.startswith(PREFIX)]


def answer(window: Window, **fields) -> dict:
    return {"type": MESSAGE, "state": state_of(window.url), **fields}


def run(coro):
    return asyncio.run(coro)


def test_approve_signs_in_without_leaving_the_page(signer):
    async def go():
        page = Page(signer, Popups())
        pending = page.auth.login(popup=True)
        window = await page.pointed()
        query = parse_qs(urlsplit(window.url).query)
        assert query["redirect_uri"] == ["https://alice-space.hf.space/callback.html"]
        assert query["code_challenge_method"] == ["S256"] and page.pending_transactions()
        assert page.popups.inboxes[0].deliver(answer(window, code="the-code"))
        session = await pending
        assert session.user.sub == PROFILE["sub"] and page.auth.session == session
        assert page.navigator.assigned == [] and page.navigator.replaced == []  # the page never left
        assert page.pending_transactions() == [] and page.popups.inboxes[0].closed
        assert page.statuses == [OPENED, ANSWERED]
    run(go())


def test_denied_in_the_popup_is_access_denied(signer):
    async def go():
        page = Page(signer, Popups())
        pending = page.auth.login(popup=True)
        window = await page.pointed()
        page.popups.inboxes[0].deliver(answer(window, error="access_denied", error_description="no"))
        with pytest.raises(SignInError) as e:
            await pending
        assert e.value.code == E.ACCESS_DENIED and page.auth.session is None
    run(go())


def test_a_blocked_window_falls_back_to_leaving_the_page(signer):
    async def go():
        page = Page(signer, Popups(None))
        assert await page.auth.login(popup=True) is None
        [url] = page.navigator.assigned
        assert parse_qs(urlsplit(url).query)["redirect_uri"] == ["https://alice-space.hf.space/"]
    run(go())


def test_a_window_opened_by_an_earlier_click_is_used_instead_of_a_new_one(signer):
    async def go():
        popups = Popups()  # window.open would give another window: it must not be asked
        early = Window()
        page = Page(signer, popups)
        pending = page.auth.login(popup=True, window=early)
        window = await page.pointed()
        assert window is early and popups.windows == [] and early.url.startswith("https://huggingface.co/oauth/authorize?")
        page.popups.inboxes[0].deliver(answer(window, code="the-code"))
        assert (await pending).user.sub == PROFILE["sub"]
    run(go())


def test_an_early_window_closed_before_python_was_ready_falls_back_to_leaving(signer):
    async def go():
        page = Page(signer, Popups())
        assert await page.auth.login(popup=True, window=Window(places=("closed",))) is None
        assert page.popups.opened == [] and len(page.navigator.assigned) == 1
    run(go())


class NoRedirect(MemoryNavigator):
    def redirects(self) -> bool:
        return False


def test_a_blocked_window_where_the_page_cannot_leave_says_so(signer):
    async def go():
        page = Page(signer, Popups(None), navigator=NoRedirect(PAGE))
        with pytest.raises(SignInError) as e:
            await page.auth.login(popup=True)
        assert e.value.code == E.POPUP_BLOCKED and page.navigator.assigned == []
        assert page.pending_transactions() == []
    run(go())


def test_closed_while_still_ours_ends_the_attempt_and_forgets_it(signer):
    async def go():
        page = Page(signer, Popups(Window(["closed"])))
        with pytest.raises(SignInError) as e:
            await page.auth.login(popup=True)
        assert e.value.code == E.POPUP_CLOSED and page.pending_transactions() == []
    run(go())


def test_closed_back_on_the_callback_page_is_noticed(signer):
    async def go():
        window = Window()
        page = Page(signer, Popups(window))
        pending = page.auth.login(popup=True)
        await page.pointed()
        window.places = ["away", "ours", "closed"]
        with pytest.raises(SignInError) as e:
            await asyncio.wait_for(pending, 3)
        assert e.value.code == E.POPUP_CLOSED
    run(go())


def test_closed_reading_true_once_away_waits_and_a_late_answer_still_signs_in(signer):
    """Under COOP the opener reads ``closed`` while the window is open on the provider."""
    async def go():
        window = Window()
        page = Page(signer, Popups(window))
        pending = page.auth.login(popup=True)
        await page.pointed()
        window.places = ["away", "closed"]
        for _ in range(100):
            if WAITING in page.statuses:
                break
            await asyncio.sleep(0.02)
        assert page.statuses == [OPENED, WAITING] and not pending.done()
        page.popups.inboxes[0].deliver(answer(window, code="late-code"))
        assert (await pending).user.sub == PROFILE["sub"]
    run(go())


def test_no_answer_in_time_is_a_timeout_and_closes_the_window(signer):
    async def go():
        now = [NOW]
        page = Page(signer, Popups(), timeout=30, clock=lambda: now[0])
        pending = page.auth.login(popup=True)
        window = await page.pointed()
        now[0] += 31
        with pytest.raises(SignInError) as e:
            await asyncio.wait_for(pending, 3)
        assert e.value.code == E.POPUP_TIMEOUT and window.closed_by_us and page.pending_transactions() == []
        assert not page.popups.inboxes[0].deliver(answer(window, code="too-late")) or page.auth.session is None
    run(go())


def test_a_second_click_focuses_the_open_window(signer):
    async def go():
        page = Page(signer, Popups())
        first = page.auth.login(popup=True)
        window = await page.pointed()
        second = page.auth.login(popup=True)
        assert second is first and window.focused == 1 and len(page.popups.opened) == 1
        page.popups.inboxes[0].deliver(answer(window, code="c"))
        assert (await first).user.sub == PROFILE["sub"]
    run(go())


def test_sign_in_starts_again_once_the_window_reads_closed(signer):
    async def go():
        window = Window()
        page = Page(signer, Popups(window, Window()))
        first = page.auth.login(popup=True)
        await page.pointed()
        window.places = ["closed"]
        second = page.auth.login(popup=True)
        assert second is not first and len(page.popups.opened) == 2
        with pytest.raises(SignInError) as e:
            await first
        assert e.value.code == E.CANCELLED
        new = await page.pointed()
        page.popups.inboxes[-1].deliver(answer(new, code="c"))
        assert (await second).user.sub == PROFILE["sub"]
        assert not page.popups.inboxes[0].deliver(answer(window, code="old"))  # the first state is gone
    run(go())


def test_sign_out_cancels_a_pending_popup(signer):
    async def go():
        page = Page(signer, Popups())
        pending = page.auth.login(popup=True)
        window = await page.pointed()
        await page.auth.sign_out()
        with pytest.raises(SignInError) as e:
            await pending
        assert e.value.code == E.CANCELLED and window.closed_by_us and page.auth.session is None
        assert page.pending_transactions() == []
    run(go())


def test_sign_out_while_the_code_is_exchanged_commits_nothing(signer):
    async def go():
        page = Page(signer, Popups())
        gate = asyncio.Event()
        inner = page.provider.__call__

        async def slow(request):
            if request.path == TOKEN:
                await gate.wait()
            return inner(request)
        page.auth.env.transport = MockTransport(slow)
        page.auth.provider.transport = page.auth.env.transport
        pending = page.auth.login(popup=True)
        window = await page.pointed()
        page.popups.inboxes[0].deliver(answer(window, code="c"))
        while ANSWERED not in page.statuses:
            await asyncio.sleep(0.01)
        await page.auth.sign_out()
        gate.set()
        with pytest.raises(asyncio.CancelledError):
            await pending
        assert page.auth.session is None and page.storage.get("hfsignin:session") is None
    run(go())


def test_two_sign_ins_in_a_row(signer):
    async def go():
        page = Page(signer, Popups())
        for code in ("one", "two"):
            pending = page.auth.login(popup=True)
            window = await page.pointed()
            page.popups.inboxes[-1].deliver(answer(window, code=code))
            await pending
            window.url = None  # the next window is another
        assert len(page.popups.opened) == 2 and page.auth.session is not None
    run(go())


@pytest.mark.parametrize("data", [
    None, "hfsignin:callback", ["hfsignin:callback"],
    {"type": "other", "state": STATE, "code": "c"},
    {"type": MESSAGE, "state": "another-" + STATE, "code": "c"},  # another attempt's state
    {"type": MESSAGE, "state": STATE, "code": "c", "access_token": "x"},  # a field of no callback
    {"type": MESSAGE, "state": STATE, "code": 5},
    {"type": MESSAGE, "state": STATE, "code": "c", "error": "access_denied"},  # both
    {"type": MESSAGE, "state": STATE},  # neither
    {"type": MESSAGE, "state": STATE, "code": "bad code\n"},
    {"type": MESSAGE, "state": STATE, "code": "c" * 5000},
])
def test_a_message_that_is_not_exactly_the_callback_is_ignored(data):
    assert parse_message(data, STATE) is None


def test_the_callback_message():
    parsed = parse_message({"type": MESSAGE, "state": STATE, "code": "abc", "iss": HUB}, STATE)
    assert (parsed.code, parsed.state, parsed.iss) == ("abc", STATE, HUB)


@pytest.mark.parametrize("page,expected", [
    ("https://a.hf.space/", "https://a.hf.space/callback.html"),
    ("https://a.hf.space/index.html?x=1#y", "https://a.hf.space/callback.html"),
    ("http://127.0.0.1:8000/app/page.html", "http://127.0.0.1:8000/app/callback.html"),
])
def test_the_callback_page_sits_beside_the_page(page, expected):
    assert callback_uri(page) == expected
