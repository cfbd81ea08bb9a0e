"""The address bar, and the ways of leaving the page to sign in: one small object a way, with the
same shape (``leave(make_url)``), so the sign-in steps never know which one ran.

- ``Redirect``: the tab goes to the provider and comes back (the default).
- ``InFrameRedirect``: the same from inside the provider's own Space page (boot.js set
  ``data-embed="space"``): the frame itself goes, after asking the page to let it scroll.
- ``NewTab``: a frame that cannot sign in (any other frame, or storage blocked) opens this Space in
  a new top-level tab that signs in there (``?sign-in``); no attempt is started in the frame.

A popup sign-in (``popup``) leaves nothing: it opens a window, and uses these only as its fallback
when the browser blocks the window.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol
from urllib.parse import urlsplit

MakeUrl = Callable[[], Awaitable[str]]  # starts a sign-in attempt; the provider URL that continues it

# sessionStorage: an in-frame sign-in started (static_site/boot.js reads it back: a load without
# a callback after it means a provider page refused the frame, and sign-in moves to a new tab).
IN_FRAME_KEY = "hfsignin:in-frame"
SIGN_IN_FLAG = "sign-in"  # the query flag that makes a page start a sign-in as it loads (boot.js writes it too)


class Navigator(Protocol):
    def current_url(self) -> str: ...
    def replace_url(self, url: str) -> None: ...  # history.replaceState: no load, no history entry
    def redirects(self) -> bool: ...  # whether ``leave`` takes this page itself (no window opened)

    async def leave(self, make_url: MakeUrl) -> None:
        """Leave the page to sign in, the way this page can."""


class Redirect:
    async def leave(self, make_url: MakeUrl) -> None:
        import js

        js.window.location.assign(await make_url())


class InFrameRedirect:
    async def leave(self, make_url: MakeUrl) -> None:
        """Note the attempt, ask the Space page to let the provider's pages scroll (Gradio's
        SET_SCROLLING message, to the provider's origin only), then go."""
        import js
        from pyodide.ffi import create_once_callable, to_js

        url = await make_url()
        js.window.sessionStorage.setItem(IN_FRAME_KEY, "started")
        parts = urlsplit(url)
        message = js.Object.fromEntries(to_js([["type", "SET_SCROLLING"], ["enabled", True]]))
        js.window.parent.postMessage(message, f"{parts.scheme}://{parts.netloc}")
        # The parent is another process; a message from a document that is already being replaced
        # can be dropped. Leave a moment later, once it is on its way (the visitor cannot tell).
        js.setTimeout(create_once_callable(lambda: js.window.location.assign(url)), 50)


class NewTab:
    async def leave(self, make_url: MakeUrl) -> None:
        import js

        here = js.window.location
        js.window.open(f"{here.origin}{here.pathname}?{SIGN_IN_FLAG}", "_blank", "noopener")


class BrowserNavigator:
    """The address bar, and the way out that fits where the page runs (boot.js's ``data-embed``)."""

    def __init__(self, way=None) -> None:
        self.way = way

    def _way(self):
        if self.way is None:
            import js

            embed = js.document.documentElement.getAttribute("data-embed")
            self.way = InFrameRedirect() if embed == "space" else NewTab() if embed in ("framed", "blocked") \
                else Redirect()
        return self.way

    def redirects(self) -> bool:
        return not isinstance(self._way(), NewTab)

    def current_url(self) -> str:
        import js

        return str(js.window.location.href)

    def replace_url(self, url: str) -> None:
        import js

        js.window.history.replaceState(js.window.history.state, "", url)

    async def leave(self, make_url: MakeUrl) -> None:
        await self._way().leave(make_url)


class MemoryNavigator:
    """Records what the library did with the address bar (CPython tests)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.replaced: list[str] = []
        self.assigned: list[str] = []

    def current_url(self) -> str:
        return self.url

    def redirects(self) -> bool:
        return True

    def replace_url(self, url: str) -> None:
        from urllib.parse import urljoin

        self.url = urljoin(self.url, url)
        self.replaced.append(self.url)

    async def leave(self, make_url: MakeUrl) -> None:
        self.assigned.append(await make_url())
