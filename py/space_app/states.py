"""The page's states: one table, and the only Python code that writes ``html[data-auth]``.

Each state says which ``[data-view]`` blocks show (``static_site/app.css`` draws them),
the busy view's words, whether the sign-in button works, what a screen reader hears and
which performance mark is set on entry, and the states it may follow. ``static_site/boot.js``
writes the states that exist before Python runs (``boot``: the initial one, a blocked
frame, a boot failure); Python writes every other through ``Page.enter``. A transition
the table does not allow is a console warning in the browser (the end-to-end guard fails
on it) and an ``IllegalTransition`` under ``strict`` (the CPython tests).

This module touches the DOM only through the elements and functions it is given.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

LOADING, COMPLETING, REDIRECTING = "loading", "completing", "redirecting"
SIGNED_OUT, SIGNED_IN, ERROR = "signed-out", "signed-in", "error"
POPUP = "popup"  # a sign-in window is open; this page waits for its answer (hfsignin.popup)
# Signed in, but the profile (a new sign-in's userinfo) or the stored session's proof could not
# be had yet: the page says so, retries on its own, and offers Retry and Sign out, never Sign in.
PENDING = "profile-pending"
ANY = frozenset({LOADING, COMPLETING, REDIRECTING, SIGNED_OUT, SIGNED_IN, ERROR, POPUP, PENDING})
WARNING = "hfsignin app: illegal page-state transition"


@dataclass(frozen=True)
class PageState:
    views: frozenset[str]  # the [data-view] blocks shown (app.css)
    after: frozenset[str]  # the states it may follow (staying in a state is always allowed)
    busy: str = ""  # the busy view's words, when it shows
    sign_in: bool = False  # the sign-in button works (when the library could start)
    announce: str = ""  # said on entry; "{name}" is the user's display name
    mark: str = ""  # performance mark on entry, as hfsignin:<mark>
    boot: str = ""  # why boot.js may write it before Python runs


STATES: dict[str, PageState] = {
    LOADING: PageState(
        # The button (disabled), or the busy view when boot.js found a stored session (data-boot="restoring").
        views=frozenset({"signed-out", "busy"}), after=frozenset(),
        busy="Restoring your session…", boot="the initial state, in index.html"),
    COMPLETING: PageState(
        # From popup: the window's answer arrived, the code is exchanged.
        views=frozenset({"busy"}), after=frozenset({LOADING, POPUP}),
        busy="Completing sign-in…", boot="the URL is a return from the provider"),
    POPUP: PageState(
        # The busy view with Cancel and "Show the window" (index.html #popup-actions).
        views=frozenset({"busy"}), after=frozenset({SIGNED_OUT, SIGNED_IN, ERROR}),
        busy="Finish signing in in the Hugging Face window…",
        announce="A Hugging Face window opened: finish signing in there"),
    REDIRECTING: PageState(
        views=frozenset({"busy"}), after=frozenset({LOADING, SIGNED_OUT, SIGNED_IN, ERROR, POPUP}),
        busy="Taking you to Hugging Face…", announce="Taking you to Hugging Face to sign in"),
    SIGNED_OUT: PageState(
        # A session can end at any moment: renewal refused, signed out in another tab.
        views=frozenset({"signed-out"}), after=ANY,
        sign_in=True, mark="ready", boot="storage is blocked: sign-in happens in a new tab"),
    PENDING: PageState(
        # The pending view (index.html [data-view="pending"]): its line counts down to the next try.
        views=frozenset({"pending"}), after=frozenset({LOADING, COMPLETING, POPUP}),
        announce="You are signed in, but your profile could not be loaded yet"),
    SIGNED_IN: PageState(
        # From redirecting: back from the provider's page to this one kept in the back-forward cache.
        views=frozenset({"signed-in"}),
        after=frozenset({LOADING, COMPLETING, REDIRECTING, SIGNED_OUT, ERROR, PENDING}),
        announce="Signed in as {name}", mark="profile"),
    ERROR: PageState(
        views=frozenset({"signed-out"}),
        after=frozenset({LOADING, COMPLETING, REDIRECTING, SIGNED_OUT, POPUP, PENDING}),
        sign_in=True, boot="Python could not start (the watchdog)"),
}


class IllegalTransition(RuntimeError):
    pass


def allowed(current: str | None, new: str) -> bool:
    return new == current or current in STATES[new].after


class Page:
    """Writes a state and everything that goes with it.

    ``root`` is ``<html>``; ``busy_text`` and ``sign_in_button`` are elements; ``announce``,
    ``mark`` and ``warn`` are functions of one string.
    """

    def __init__(self, root, *, busy_text, sign_in_button, announce: Callable[[str], None],
                 mark: Callable[[str], None], warn: Callable[[str], None], strict: bool = False) -> None:
        self.root = root
        self.busy_text = busy_text
        self.sign_in_button = sign_in_button
        self._announce, self._mark, self._warn = announce, mark, warn
        self.strict = strict
        self.can_sign_in = False  # True once the library runs and the button is a button (not framed)

    @property
    def state(self) -> str | None:
        """Read from the page each time: boot.js may have written it."""
        return self.root.getAttribute("data-auth")

    def may_enter(self, new: str) -> bool:
        return allowed(self.state, new)

    def enter(self, new: str, **words: str) -> None:
        current = self.state
        if not allowed(current, new):
            message = f"{WARNING} {current} → {new}"
            if self.strict:
                raise IllegalTransition(message)
            self._warn(message)
        state = STATES[new]
        self.root.setAttribute("data-auth", new)
        if new != LOADING:
            self.root.removeAttribute("data-boot")  # boot.js's "restoring" is over
        self.show_words()
        self.sign_in_button.disabled = not (state.sign_in and self.can_sign_in)
        if state.announce:
            self._announce(state.announce.format(**words))
        if state.mark:
            self._mark(state.mark)

    def show_words(self) -> None:
        """The busy view's words for the current state (also when Python finds boot.js's)."""
        state = STATES.get(self.state or "")
        if state is not None and state.busy:
            self.busy_text.textContent = state.busy

    def python_ready(self) -> None:
        """``html[data-python="ready"]``: the watchdog in boot.js stops here."""
        self.root.setAttribute("data-python", "ready")
        self.show_words()
