"""Key/value storage behind a small interface: sessionStorage in the browser,
a dict in CPython tests (and in a browser that refuses this page its storage)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from .errors import STORAGE_UNAVAILABLE, SignInError


class Storage(Protocol):
    def get(self, key: str) -> str | None: ...
    def set(self, key: str, value: str) -> None: ...
    def remove(self, key: str) -> None: ...
    def keys(self) -> list[str]: ...


class MemoryStorage:
    """A dict with the Storage interface (tests, and a fallback with no persistence)."""

    def __init__(self, initial: dict[str, str] | None = None) -> None:
        self.data: dict[str, str] = dict(initial or {})

    def get(self, key: str) -> str | None:
        return self.data.get(key)

    def set(self, key: str, value: str) -> None:
        self.data[key] = value

    def remove(self, key: str) -> None:
        self.data.pop(key, None)

    def keys(self) -> list[str]:
        return list(self.data)


class WebStorage:
    """Adapter for a DOM Storage object (``window.sessionStorage``).

    Browsers throw on blocked storage (third-party iframes) and on quota;
    both become ``storage_unavailable`` instead of a stack trace.
    """

    def __init__(self, js_storage) -> None:
        self._s = js_storage

    def _guard(self, fn, *args):
        try:
            return fn(*args)
        except Exception as exc:  # a JsException from the browser
            raise SignInError(
                STORAGE_UNAVAILABLE,
                "This browser is blocking storage for this page, so sign-in cannot keep its state.",
            ) from exc

    def get(self, key: str) -> str | None:
        value = self._guard(self._s.getItem, key)
        return value if isinstance(value, str) else None

    def set(self, key: str, value: str) -> None:
        self._guard(self._s.setItem, key, value)

    def remove(self, key: str) -> None:
        self._guard(self._s.removeItem, key)

    def keys(self) -> list[str]:
        def read():
            return [self._s.key(i) for i in range(self._s.length)]

        return [k for k in self._guard(read) if isinstance(k, str)]


SESSION, MEMORY = "session", "memory"  # what ``tab_storage`` chose (``Environment.storage_kind``)
PROBE_KEY = "hfsignin:probe"  # the key static_site/boot.js probes sessionStorage with


def usable_storage(open_storage: Callable[[], object]) -> WebStorage | None:
    """The DOM Storage ``open_storage()`` gives (``lambda: window.sessionStorage``) when this page may
    use it: it can be read, and it takes a write and a removal (boot.js probes the same way); None
    when the browser refuses it. A cross-site frame with third-party storage blocked throws
    SecurityError as soon as it is read (Chromium: sessionStorage and localStorage; Firefox:
    localStorage); a full one throws on the write."""
    try:
        js_storage = open_storage()
        js_storage.setItem(PROBE_KEY, "1")
        js_storage.removeItem(PROBE_KEY)
    except Exception:  # noqa: BLE001 - a JsException from the browser
        return None
    return WebStorage(js_storage)


def tab_storage(open_storage: Callable[[], object]) -> tuple[Storage, str]:
    """This tab's storage and which it is: sessionStorage (``"session"``) when the page may use it,
    else a ``MemoryStorage`` (``"memory"``) that lasts as long as the page does: a sign-in still
    works, a reload forgets it."""
    found = usable_storage(open_storage)
    return (found, SESSION) if found is not None else (MemoryStorage(), MEMORY)
