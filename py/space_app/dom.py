"""Small DOM helpers. Untrusted text only ever goes in through textContent."""

from __future__ import annotations

import asyncio
import inspect
from urllib.parse import parse_qs, urlencode

from pyodide.ffi import create_proxy
from pyscript import document, window

_proxies = []  # event handlers must outlive the call that registered them
_fault_handler = None


def q(selector: str, root=None):
    return (root or document).querySelector(selector)


def set_text(el, text: str) -> None:
    el.textContent = text


def show(el, visible: bool) -> None:
    el.hidden = not visible


def clone(template_id: str):
    """The first element of a <template>, cloned."""
    return document.getElementById(template_id).content.firstElementChild.cloneNode(True)


def announce(message: str) -> None:
    set_text(document.getElementById("announcer"), message)


def on_fault(handler) -> None:
    """Where exceptions escaping an event handler go (instead of a stack trace on the page)."""
    global _fault_handler
    _fault_handler = handler


def spawn(coro) -> asyncio.Future:
    """Run a coroutine in the background; an exception reaches the fault handler, not the console."""
    async def guarded():
        try:
            await coro
        except Exception as exc:  # noqa: BLE001 - the last line of defence
            if _fault_handler:
                _fault_handler(exc)
    return asyncio.ensure_future(guarded())


def on(el, event: str, handler) -> None:
    """addEventListener with a Python handler (sync or async) that cannot crash the page."""
    def listener(evt):
        try:
            result = handler(evt)
            if inspect.isawaitable(result):
                spawn(result)
        except Exception as exc:  # noqa: BLE001
            if _fault_handler:
                _fault_handler(exc)
    proxy = create_proxy(listener)
    _proxies.append(proxy)
    el.addEventListener(event, proxy)


def console_warn(message: str) -> None:
    window.console.warn(message)


def mark(name: str) -> None:
    """A performance mark (hfsignin:ready, :profile, :repos…) for the benchmark and devtools."""
    window.performance.mark(f"hfsignin:{name}")


def take_query(name: str) -> str | None:
    """The page query's value for ``name`` ("" when it has none), or None when absent; it is
    removed from the address bar either way."""
    location = document.defaultView.location
    params = parse_qs(location.search.lstrip("?"), keep_blank_values=True)
    if name not in params:
        return None
    rest = urlencode([(k, v) for k, vs in params.items() if k != name for v in vs])
    document.defaultView.history.replaceState(None, "", location.pathname + (f"?{rest}" if rest else ""))
    return params[name][0]
