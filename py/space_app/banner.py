"""The error banner (``[role=alert][data-error=<code>]``): a title and a sentence for the code,
and a retry when retrying can help."""

from __future__ import annotations

import traceback

from pyscript import document

from hfsignin import SignInError

from .dom import console_warn, on, q, set_text, show
from .text import INTERNAL, error_words


class Banner:
    def __init__(self) -> None:
        self.el = q("#banner")
        self.button = q("#banner-retry")
        self.retry = None
        on(self.button, "click", lambda evt: self.run_retry())
        on(q('[data-action="dismiss"]'), "click", lambda evt: self.hide())

    def error(self, exc: SignInError, retry=None) -> None:
        """Show ``exc``; ``retry`` is an async function of no arguments."""
        self.show(exc.code, exc.message, retry)

    def show(self, code: str, message: str, retry=None) -> None:
        words = error_words(code)
        self.el.dataset.error = code
        set_text(q("#banner-title"), words.title)
        set_text(q("#banner-message"), message or words.message)
        self.retry = retry if words.action else None
        show(self.button, self.retry is not None)
        set_text(self.button, words.action or "")
        show(self.el, True)

    def hide(self) -> None:
        show(self.el, False)
        self.el.removeAttribute("data-error")
        self.retry = None

    def run_retry(self):
        """Called in the click, so a retry that opens a sign-in window opens it in the click."""
        retry = self.retry
        self.hide()
        return retry() if retry is not None else None

    def fault(self, exc: Exception) -> None:
        """An unexpected exception: said plainly, with the details kept out of the page."""
        # Where, never what: an exception's text could carry data, its location cannot.
        where = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
        at = f" at {where.filename.rsplit('/', 1)[-1]}:{where.lineno} in {where.name}" if where else ""
        console_warn(f"hfsignin app: unexpected {type(exc).__name__}{at}")
        if isinstance(exc, SignInError):
            self.error(exc)
            return

        async def reload():
            document.defaultView.location.reload()

        self.show(INTERNAL, "", retry=reload)
