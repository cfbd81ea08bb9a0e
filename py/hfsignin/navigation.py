"""The address bar behind a small interface."""

from __future__ import annotations

from typing import Protocol


class Navigator(Protocol):
    def current_url(self) -> str: ...
    def replace_url(self, url: str) -> None: ...  # history.replaceState: no load, no history entry
    def assign(self, url: str) -> None: ...  # a real navigation (to the provider)


class BrowserNavigator:
    def current_url(self) -> str:
        import js

        return str(js.window.location.href)

    def replace_url(self, url: str) -> None:
        import js

        js.window.history.replaceState(js.window.history.state, "", url)

    def assign(self, url: str) -> None:
        import js

        js.window.location.assign(url)


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
