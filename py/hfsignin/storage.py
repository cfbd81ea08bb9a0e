"""Key/value storage behind a small interface: sessionStorage in the browser,
a dict in CPython tests."""

from __future__ import annotations

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
