"""The address bar behind a small interface."""

from __future__ import annotations

from typing import Protocol
from urllib.parse import urlsplit


class Navigator(Protocol):
    def current_url(self) -> str: ...
    def replace_url(self, url: str) -> None: ...  # history.replaceState: no load, no history entry
    def assign(self, url: str) -> None: ...  # a real navigation (to the provider)


# sessionStorage: an in-frame sign-in started (static_site/boot.js reads it back: a load without
# a callback after it means a provider page refused the frame, and sign-in moves to a new tab).
IN_FRAME_KEY = "hfsignin:in-frame"


class BrowserNavigator:
    def current_url(self) -> str:
        import js

        return str(js.window.location.href)

    def replace_url(self, url: str) -> None:
        import js

        js.window.history.replaceState(js.window.history.state, "", url)

    def assign(self, url: str) -> None:
        """Go to the provider. Inside the provider's own Space page (boot.js set ``data-embed="space"``)
        the frame itself goes: note the attempt, and ask the Space page to let the provider's pages
        scroll (Gradio's SET_SCROLLING message, to the provider's origin only)."""
        import js
        from pyodide.ffi import create_once_callable, to_js

        if js.document.documentElement.getAttribute("data-embed") != "space":
            js.window.location.assign(url)
            return
        js.window.sessionStorage.setItem(IN_FRAME_KEY, "started")
        parts = urlsplit(url)
        message = js.Object.fromEntries(to_js([["type", "SET_SCROLLING"], ["enabled", True]]))
        js.window.parent.postMessage(message, f"{parts.scheme}://{parts.netloc}")
        # The parent is another process; a message from a document that is already being replaced
        # can be dropped. Leave a moment later, once it is on its way (the visitor cannot tell).
        js.setTimeout(create_once_callable(lambda: js.window.location.assign(url)), 50)


class MemoryNavigator:
    """Records what the library did with the address bar (CPython tests)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.replaced: list[str] = []
        self.assigned: list[str] = []

    def current_url(self) -> str:
        return self.url

    def replace_url(self, url: str) -> None:
        from urllib.parse import urljoin

        self.url = urljoin(self.url, url)
        self.replaced.append(self.url)

    def assign(self, url: str) -> None:
        self.assigned.append(url)
