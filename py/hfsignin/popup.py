"""Signing in through a popup: the provider's pages open in a small window, the Space's callback
page (``callback.html``, no Python) hands the response back, and the Python that clicked finishes
the sign-in with no page load.

The window is opened empty, synchronously, inside the click (``Popups.open``), so no engine's
popup blocker stops it; it is pointed at the provider once the authorize URL is ready. The
callback page posts ``{type: "hfsignin:callback", state, code | error, …}`` to its opener (to this
origin only) when it has one, else on a ``BroadcastChannel`` named after the state (a
Cross-Origin-Opener-Policy on the provider's pages cuts the opener). This side accepts one message
of exactly that shape, from this origin, for the state it waits for, acknowledges it
(``hfsignin:received``: the callback page closes itself only then) and stops listening.

How it can end (``watch``): the response; the window closed while it showed this origin (before
it was pointed at the provider, or back on the callback page): ``popup_closed``; ``cancel()``
(a second sign-in, a sign-out): ``cancelled``; nothing within ``timeout`` seconds:
``popup_timeout``. Once the window has gone to the provider, its ``closed`` reading true never
ends the attempt (under COOP it reads true while the window is open): the status becomes
``"waiting"`` for the page to say so.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

from . import errors as E
from .callback import Callback, parse_callback
from .errors import SignInError
from .transaction import is_well_formed_state

CALLBACK_PAGE = "callback.html"  # beside the Space's index.html; the redirect URI of popup sign-ins
MESSAGE = "hfsignin:callback"
RECEIVED = "hfsignin:received"
CHANNEL_PREFIX = "hfsignin:popup:"  # + state: the BroadcastChannel when the window has no opener
POLL_SECONDS = 0.25
TIMEOUT_SECONDS = 300.0  # a visitor who types a password and a second factor has time; then Retry
_FIELDS = {"type", "state", "code", "error", "error_description", "iss"}
_MAX_FIELD = 4096

# Statuses the page is told about (``on_status``), in order.
OPENED = "opened"  # the window is open and goes to the provider
WAITING = "waiting"  # the window cannot be seen any more (closed, or cut off by COOP): waiting for an answer
ANSWERED = "answered"  # the response arrived; the code is being exchanged

OPENING_TEXT = "Opening Hugging Face…"

POPUP_CLOSED_MESSAGE = "You closed the sign-in window before finishing. Sign in again when you are ready."
POPUP_TIMEOUT_MESSAGE = "Hugging Face did not answer in time. Try again."
POPUP_BLOCKED_MESSAGE = "Your browser blocked the sign-in window. Allow pop-ups for this site, or sign in again."
CANCELLED_MESSAGE = "Sign-in was cancelled."


class PopupWindow(Protocol):
    """The window ``Popups.open`` returned."""

    def go(self, url: str) -> None: ...
    def where(self) -> str: ...  # "blank" (still empty), "ours" (a page of this origin), "away", "closed"
    def focus(self) -> None: ...
    def close(self) -> None: ...


class Inbox(Protocol):
    """Answers for one state: ``answer`` resolves with the first valid message."""

    answer: asyncio.Future

    def close(self) -> None: ...


class Popups(Protocol):
    def open(self) -> PopupWindow | None: ...  # synchronously, in the click; None when blocked
    def listen(self, state: str, window: PopupWindow) -> Inbox: ...  # before the window is pointed


def callback_uri(page_url: str) -> str:
    """``callback.html`` in the folder of ``page_url`` (a relative reference drops its query and fragment)."""
    return urljoin(page_url, CALLBACK_PAGE)


def state_of(url: str) -> str:
    states = [v for k, v in parse_qsl(urlsplit(url).query) if k == "state"]
    if len(states) != 1 or not is_well_formed_state(states[0]):
        raise SignInError(E.INVALID_CONFIG, "The sign-in URL carries no state.")
    return states[0]


def parse_message(data: object, state: str) -> Callback | None:
    """The callback page's message, if it is exactly that and for ``state``; else None.

    Its fields go through the same strict parser as a redirect's query string."""
    if not isinstance(data, dict) or data.get("type") != MESSAGE or not set(data) <= _FIELDS:
        return None
    if data.get("state") != state:
        return None
    fields = {k: v for k, v in data.items() if k != "type"}
    if not all(isinstance(v, str) and len(v) <= _MAX_FIELD for v in fields.values()):
        return None
    try:
        return parse_callback("?" + urlencode(list(fields.items())))
    except SignInError:
        return None


@dataclass
class Attempt:
    """One popup sign-in in flight. ``answer`` is its inbox's once the window has been pointed:
    every way the attempt ends settles it (the answer, or an error), so the attempt awaits that one
    future and wakes at once when the message comes."""

    window: PopupWindow
    answer: asyncio.Future | None = None
    cancelled: bool = False
    answered: bool = False

    def end(self, error: SignInError) -> None:
        if self.answer is not None and not self.answer.done():
            self.answer.set_exception(error)

    def cancel(self) -> None:
        self.cancelled = True
        self.end(SignInError(E.CANCELLED, CANCELLED_MESSAGE))


async def watch(attempt: Attempt, *, clock: Callable[[], float], timeout: float,
                on_status: Callable[[str], None], sleep: Callable[[float], Awaitable] = asyncio.sleep) -> None:
    """Look at the window until the attempt is settled; end it when the window was closed while
    it showed this origin, or at the deadline. The window is already on its way to the provider."""
    deadline = clock() + timeout
    left_ours, status = False, OPENED
    while not attempt.answer.done():
        where = attempt.window.where()
        if where == "away":
            left_ours = True
        elif where == "ours":
            left_ours = False  # back on the callback page: a close now is the visitor's
        elif where == "closed":
            if not left_ours:
                attempt.end(SignInError(E.POPUP_CLOSED, POPUP_CLOSED_MESSAGE))
                return
            if status != WAITING:
                status = WAITING
                on_status(WAITING)
        if clock() >= deadline:
            attempt.end(SignInError(E.POPUP_TIMEOUT, POPUP_TIMEOUT_MESSAGE))
            return
        await sleep(POLL_SECONDS)


async def fall_back(leave: Callable[[], Awaitable[None]], can_leave: bool) -> None:
    """The browser refused the window: leave the page to sign in where it can, else say so."""
    if not can_leave:
        raise SignInError(E.POPUP_BLOCKED, POPUP_BLOCKED_MESSAGE)
    await leave()


class PopupSignIn:
    """At most one popup sign-in per page: a second click while its window is open focuses it."""

    def __init__(self, popups: Popups | None, *, clock: Callable[[], float], timeout: float = TIMEOUT_SECONDS) -> None:
        self.popups = popups
        self.clock = clock
        self.timeout = timeout
        self.attempt: Attempt | None = None
        self.task: asyncio.Future | None = None
        self._status: list[Callable[[str], None]] = []

    def on_status(self, listener: Callable[[str], None]) -> None:
        self._status.append(listener)

    def _tell(self, status: str) -> None:
        for listener in list(self._status):
            listener(status)

    @property
    def pending(self) -> bool:
        return self.task is not None and not self.task.done()

    def start(self, make_url: Callable[[], Awaitable[str]], finish: Callable[[Callback], Awaitable],
              forget: Callable[[str], None], blocked: Callable[[], Awaitable], opened=None) -> asyncio.Future:
        """Synchronously: focus the open window, or open one (in the click) and run the attempt;
        ``blocked()`` when the browser refused the window. ``opened``: a window the page opened
        in an earlier click, still blank (a click before Python was ready), used instead."""
        if self.pending and self.attempt.window.where() != "closed":
            self.attempt.window.focus()
            return self.task
        self.cancel()
        window = self.popups.adopt(opened) if opened is not None else self.popups.open()
        if window is None:
            return asyncio.ensure_future(blocked())
        self.attempt = Attempt(window)
        self.task = asyncio.ensure_future(self._run(self.attempt, make_url, finish, forget))
        return self.task

    def cancel(self) -> None:
        """End the pending attempt and close its window. Before the answer: ``cancelled``; while
        its code is exchanged: the task is cancelled, so nothing is committed."""
        if self.pending:
            self.attempt.cancel()
            self.attempt.window.close()
            if self.attempt.answered:
                self.task.cancel()

    async def _run(self, attempt: Attempt, make_url, finish, forget):
        try:
            url = await make_url()
        except BaseException:
            attempt.window.close()
            raise
        state = state_of(url)
        try:
            if attempt.cancelled:
                raise SignInError(E.CANCELLED, CANCELLED_MESSAGE)
            if attempt.window.where() == "closed":
                raise SignInError(E.POPUP_CLOSED, POPUP_CLOSED_MESSAGE)
            inbox = self.popups.listen(state, attempt.window)
            attempt.answer = inbox.answer
            watcher = None
            try:
                attempt.window.go(url)
                self._tell(OPENED)
                watcher = asyncio.ensure_future(watch(attempt, clock=self.clock, timeout=self.timeout,
                                                      on_status=self._tell))
                answer = await inbox.answer
            finally:
                if watcher is not None:
                    watcher.cancel()
                inbox.close()
        except BaseException as exc:
            forget(state)
            if not (isinstance(exc, SignInError) and exc.code == E.POPUP_CLOSED):
                attempt.window.close()
            raise
        attempt.answered = True
        asyncio.get_event_loop().call_soon(self._tell, ANSWERED)  # after the token request has left
        return await finish(answer)


# -- the browser ----------------------------------------------------------------------------------


class BrowserPopup:
    def __init__(self, window, origin: str) -> None:
        self.window = window
        self.origin = origin
        self.pointed = False

    def go(self, url: str) -> None:
        self.pointed = True
        self.window.location.replace(url)

    def where(self) -> str:
        try:
            if self.window.closed:
                return "closed"
            href = str(self.window.location.href)
        except Exception:  # noqa: BLE001 - another origin's page: reading its location throws
            return "away"
        if href == "about:blank":
            return "away" if self.pointed else "blank"  # on its way to the provider
        return "ours" if href.startswith(self.origin + "/") else "away"

    def focus(self) -> None:
        try:
            self.window.focus()
        except Exception:  # noqa: BLE001 - gone
            pass

    def close(self) -> None:
        try:
            self.window.close()
        except Exception:  # noqa: BLE001 - gone
            pass


class BrowserInbox:
    """The opener's ``message`` events and the state's BroadcastChannel, until the first answer."""

    def __init__(self, state: str, popup: BrowserPopup) -> None:
        import js
        from pyodide.ffi import create_proxy

        self.state = state
        self.popup = popup
        self.answer = asyncio.get_event_loop().create_future()
        self._on_message = create_proxy(self._from_opener)
        js.window.addEventListener("message", self._on_message)
        try:
            self.channel = js.BroadcastChannel.new(CHANNEL_PREFIX + state)
            self._on_channel = create_proxy(self._from_channel)
            self.channel.addEventListener("message", self._on_channel)
        except Exception:  # noqa: BLE001 - no BroadcastChannel (storage blocked in some engines)
            self.channel = None

    def _take(self, data) -> Callback | None:
        if self.answer.done():
            return None
        try:
            value = data.to_py(depth=2) if hasattr(data, "to_py") else data
        except Exception:  # noqa: BLE001 - not plain data
            return None
        return parse_message(value, self.state)

    def _from_opener(self, event) -> None:
        import js

        if str(event.origin) != str(js.window.location.origin) or event.source != self.popup.window:
            return
        answer = self._take(event.data)
        if answer is not None:
            event.source.postMessage(_ack(self.state), str(js.window.location.origin))
            self.answer.set_result(answer)
            self.close()

    def _from_channel(self, event) -> None:
        answer = self._take(event.data)
        if answer is not None:
            self.channel.postMessage(_ack(self.state))
            self.answer.set_result(answer)
            self.close()

    def close(self) -> None:
        import js

        js.window.removeEventListener("message", self._on_message)
        if self.channel is not None:
            self.channel.removeEventListener("message", self._on_channel)
            self.channel.close()


def _ack(state: str):
    import js
    from pyodide.ffi import to_js

    return js.Object.fromEntries(to_js([["type", RECEIVED], ["state", state]]))


class BrowserPopups:
    WIDTH, HEIGHT = 520, 720

    def open(self) -> BrowserPopup | None:
        import js

        w = js.window
        left = int(w.screenX + max(0, (w.outerWidth - self.WIDTH) / 2))
        top = int(w.screenY + max(0, (w.outerHeight - self.HEIGHT) / 3))
        features = f"popup,width={self.WIDTH},height={self.HEIGHT},left={left},top={top}"
        window = w.open("", "_blank", features)
        if not window:
            return None
        try:  # an empty window says what it is about to do (text only)
            window.document.title = "Sign in with Hugging Face"
            window.document.body.textContent = OPENING_TEXT
        except Exception:  # noqa: BLE001 - nothing lost
            pass
        return BrowserPopup(window, str(w.location.origin))

    def adopt(self, window) -> BrowserPopup | None:
        """A window this page opened itself in an earlier click (``static_site/boot.js``, before
        Python ran); None once it was closed."""
        import js

        try:
            if not window or window.closed:
                return None
        except Exception:  # noqa: BLE001 - not a window
            return None
        return BrowserPopup(window, str(js.window.location.origin))

    def listen(self, state: str, window: BrowserPopup) -> BrowserInbox:
        return BrowserInbox(state, window)
