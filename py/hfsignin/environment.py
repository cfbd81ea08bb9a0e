"""Everything hfsignin needs from the outside world, in one place.

``browser_environment()`` wires the real browser (sessionStorage, or memory where
the browser refuses it; fetch, WebCrypto, the address bar, ``window.huggingface.variables``);
``local_environment()`` wires CPython stand-ins so the whole flow runs in tests.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from .config import INJECTED_SCRIPT, variables_from_script
from .jws import Verifier
from .navigation import Navigator
from .popup import Popups
from .storage import Storage
from .tabs import SoloTabs, Tabs
from .transport import Transport


def _no_wake(callback: Callable[[], None]) -> None:
    pass


@dataclass
class Environment:
    storage: Storage  # this tab's (sessionStorage): sign-in attempts, and the session by default
    transport: Transport
    navigator: Navigator
    verifier: Verifier
    # "session": ``storage`` is sessionStorage. "memory": the browser refused it (a frame with
    # third-party storage blocked), so it is a MemoryStorage, gone with the page.
    storage_kind: str = "session"
    clock: Callable[[], float] = time.time
    variables: Mapping[str, object] = field(default_factory=dict)
    variables_unreadable: bool = False  # Hugging Face's script is in the page but could not be read
    tabs: Tabs = field(default_factory=SoloTabs)
    shared_storage: Storage | None = None  # the browser's (localStorage), for persist="local"
    # ``on_wake(callback)``: call back when the page may have slept (shown again, focused,
    # restored from the back/forward cache, back online), so a renewal due meanwhile happens now.
    on_wake: Callable[[Callable[[], None]], None] = _no_wake
    popups: Popups | None = None  # windows for popup sign-in (``popup``); None: login(popup=True) redirects


def space_variables() -> tuple[dict[str, object], bool]:
    """``window.huggingface.variables`` as a dict, and whether Hugging Face's script is in the
    page but could not be read. The script ran: its variables. A Content-Security-Policy before
    it blocked it: its text, read as data (never run). The injector cut ``<head>`` in two, or
    the data is malformed: ``({}, True)``. No injection at all: ``({}, False)``."""
    import js

    variables = getattr(getattr(js.window, "huggingface", None), "variables", None)
    if variables is not None:
        ran = _as_dict(variables)
        return ran or {}, ran is None
    for script in js.document.head.querySelectorAll("script:not([src])"):
        text = str(script.text)
        if INJECTED_SCRIPT.match(text):
            found = variables_from_script(text)
            return found or {}, found is None
    return {}, _head_cut_by_injection(js.document)


def _as_dict(variables) -> dict[str, object] | None:
    try:
        value = variables.to_py()
    except Exception:  # noqa: BLE001 - not convertible: malformed
        return None
    return {k: v for k, v in value.items() if isinstance(k, str)} if isinstance(value, dict) else None


def _head_cut_by_injection(document) -> bool:
    """One report says HF's injector can land inside the ``<head>`` tag itself (``<hea<script>…``):
    the parser then makes an element whose name holds "<script"."""
    return any("<script" in str(element.localName) for element in document.getElementsByTagName("*"))


def browser_wake(callback: Callable[[], None]) -> None:
    """``callback`` when the tab is shown, focused, restored from the back/forward cache or back
    online: hidden tabs' timers are throttled (to about once a minute), so these are the moments
    a renewal that fell due meanwhile must happen."""
    import js
    from pyodide.ffi import create_proxy

    def wake(event=None):
        if str(js.document.visibilityState) == "visible":
            callback()

    proxy = create_proxy(wake)
    _wake_proxies.append(proxy)
    js.document.addEventListener("visibilitychange", proxy)
    for name in ("focus", "pageshow", "online"):
        js.window.addEventListener(name, proxy)


_wake_proxies: list = []


def browser_environment() -> Environment:
    import js

    from .jws import WebCryptoVerifier
    from .navigation import BrowserNavigator
    from .popup import BrowserPopups
    from .storage import tab_storage, usable_storage
    from .tabs import BrowserTabs
    from .transport import FetchTransport

    variables, unreadable = space_variables()
    storage, storage_kind = tab_storage(lambda: js.window.sessionStorage)
    shared = usable_storage(lambda: js.window.localStorage)  # None: persist="local" reports storage_unavailable
    return Environment(
        storage=storage,
        storage_kind=storage_kind,
        transport=FetchTransport(),
        navigator=BrowserNavigator(),
        verifier=WebCryptoVerifier(),
        variables=variables,
        variables_unreadable=unreadable,
        tabs=BrowserTabs(),
        shared_storage=shared,
        on_wake=browser_wake,
        popups=BrowserPopups(),
    )


def local_environment(url: str, *, storage=None, variables=None, clock=None, client=None, tabs=None,
                      shared_storage=None, popups=None) -> Environment:
    """CPython stand-ins: a dict for storage, httpx, ``cryptography``, a recorded address bar;
    ``tabs`` (a ``TabHub().tab()``) and ``shared_storage`` to play several tabs of one browser."""
    from .jws import CryptographyVerifier
    from .navigation import MemoryNavigator
    from .storage import MemoryStorage
    from .transport import HttpxTransport

    return Environment(
        storage=storage if storage is not None else MemoryStorage(),
        transport=HttpxTransport(client),
        navigator=MemoryNavigator(url),
        verifier=CryptographyVerifier(),
        clock=clock or time.time,
        variables=variables or {},
        tabs=tabs if tabs is not None else SoloTabs(),
        shared_storage=shared_storage,
        popups=popups,
    )
