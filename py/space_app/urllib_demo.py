"""The "Plain Python HTTP" card: a synchronous urllib.request call to whoami-v2 with the
session's token, through pyodide-http. Sign-in never depends on it."""

from __future__ import annotations

import asyncio
import json

from .dom import console_warn, q, set_text
from .text import display_text

_patched = False


async def patch_soon() -> None:
    """At boot, once the first render is under way: pyodide-http's imports are not on the
    sign-in's critical path."""
    await asyncio.sleep(0)
    patch()


def patch() -> bool:
    """pyodide-http makes urllib.request work in the page. Idempotent."""
    global _patched
    if not _patched:
        try:
            import pyodide_http

            pyodide_http.patch_all()
            _patched = True
        except Exception:  # noqa: BLE001 - the demo degrades, sign-in does not depend on it
            console_warn("pyodide-http could not be loaded")
    return _patched


def whoami(auth) -> None:
    out = q("#urllib-result")
    session = auth.session
    if session is None:
        return
    if not patch():
        set_text(out, "urllib.request is not available here (pyodide-http could not be loaded)")
        return
    set_text(out, _call(auth.config.provider_url + "/api/whoami-v2", session.authorization()))


def _call(url: str, authorization: dict) -> str:
    import urllib.error
    import urllib.request

    request = urllib.request.Request(url, headers={"Accept": "application/json", **authorization})
    try:
        with urllib.request.urlopen(request, timeout=10) as resp:
            body = json.loads(resp.read().decode("utf-8"))
            status = resp.status
    except urllib.error.HTTPError as exc:
        return f"urllib.request → HTTP {exc.code}"
    except Exception as exc:  # noqa: BLE001 - shown as a short, safe line
        return f"urllib.request failed ({type(exc).__name__})"
    return whoami_lines(status, body)


def whoami_lines(status: int, body) -> str:
    body = body if isinstance(body, dict) else {}
    orgs = ", ".join(display_text(o.get("name"), 40) for o in body.get("orgs", []) if isinstance(o, dict))
    return "\n".join([
        f"GET /api/whoami-v2 → {status} (urllib.request via pyodide-http)",
        f"name: {display_text(body.get('name'), 40)}",
        f"fullname: {display_text(body.get('fullname'), 80)}",
        f"orgs: {orgs or '—'}",
    ])
