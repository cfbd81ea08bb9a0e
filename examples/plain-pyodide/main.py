"""The example's Python: main.mjs runs this file with plain Pyodide (no PyScript), then awaits ``main()``.

One button, whose click handler is ``on_click`` below (a Python function, handed to the browser as
a proxy). It calls ``auth.login(popup=True)`` at once, in the click, before anything is awaited:
the sign-in window must open inside the click or the browser's popup blocker stops it. What
``login`` returns is awaited afterwards and resolves to the Session. Failures are shown as their
sentence (``SignInError.message``), never as a traceback.
"""

import asyncio

import js
from pyodide.ffi import create_proxy

from hfsignin import HFSignIn, SignInError

UNEXPECTED = "Something went wrong while signing in. Reload the page and try again."


def element(id_: str):
    return js.document.getElementById(id_)


def show(state: str, status: str, name: str = "") -> None:
    """The page's state (``<html data-state>``), its status line and the name, as text only."""
    js.document.documentElement.dataset.state = state
    element("status").textContent = status
    element("name").textContent = name


class Example:
    def __init__(self, auth: HFSignIn) -> None:
        self.auth = auth
        self.pending = None  # the sign-in in flight, while its window is open
        self.button = element("sign-in")
        self._on_click = create_proxy(self.on_click)  # kept: the page holds it as long as the button
        self.button.addEventListener("click", self._on_click)

    def on_click(self, event) -> None:
        try:
            pending = self.auth.login(popup=True)  # synchronously, in the click: the window opens now
        except SignInError as exc:
            self.failed(exc.message)
            return
        if pending is self.pending:
            return  # a window is already open: the library brought it to the front
        self.pending = pending
        show("signing-in", "Finish signing in in the Hugging Face window…")
        asyncio.ensure_future(self.finish(pending))

    async def finish(self, pending) -> None:
        try:
            session = await pending
        except SignInError as exc:  # closed, denied, blocked, timed out…: a sentence and the button again
            self.failed(exc.message)
            return
        except Exception as exc:  # noqa: BLE001 - a bug: the page says so in a sentence, the console has the rest
            js.console.warn(f"plain-pyodide example: {type(exc).__name__}: {exc}")
            self.failed(UNEXPECTED)
            return
        finally:
            if self.pending is pending:
                self.pending = None
        if session is None:
            show("leaving", "Opening Hugging Face…")  # no window here: the page itself goes to sign in
            return
        self.signed_in(session)

    def failed(self, message: str) -> None:
        show("error", message)
        self.button.disabled = False

    def signed_in(self, session) -> None:
        user = session.user
        show("signed-in", "Signed in", user.name or user.preferred_username or "")
        self.button.hidden = True


async def main() -> None:
    try:
        auth = HFSignIn()  # client id, scopes and provider from window.huggingface.variables
    except SignInError as exc:  # e.g. not served as a Space with hf_oauth: true
        show("error", exc.message)
        return
    example = Example(auth)
    try:
        # Back from a redirect sign-in (the fallback when no window can open), or a session kept in this tab.
        session = await auth.handle_redirect() or await auth.restore()
    except SignInError as exc:
        example.failed(exc.message)
        return
    if session is not None:
        example.signed_in(session)
        return
    show("signed-out", "Not signed in")
    example.button.disabled = False
