"""HTTP behind a small async interface.

In the browser requests go through ``fetch`` (async, concurrent, with an abort
timeout, no cookies, no redirects followed, no referrer); in CPython through
httpx. Either way a failure to get any response becomes ``network`` or
``timeout``, and callers only ever see ``HttpResponse``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol
from urllib.parse import urlencode

from . import jsonutil
from .errors import NETWORK, TIMEOUT, SignInError

DEFAULT_TIMEOUT = 15.0


@dataclass(frozen=True)
class HttpResponse:
    status: int
    headers: dict[str, str] = field(default_factory=dict)  # names in lower case
    body: bytes = b""

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    @property
    def media_type(self) -> str:
        return (self.header("content-type") or "").split(";", 1)[0].strip().lower()

    @property
    def is_json(self) -> bool:
        mt = self.media_type
        return mt == "application/json" or (mt.startswith("application/") and mt.endswith("+json"))

    def json(self):
        """The body as strict JSON (``jsonutil.JSONError`` when it is not)."""
        return jsonutil.loads(self.body)

    def retry_after(self) -> float | None:
        value = (self.header("retry-after") or "").strip()
        return float(value) if value.isdigit() and int(value) < 86400 else None


class Transport(Protocol):
    async def request(
        self,
        method: str,
        url: str,
        *,
        headers: dict[str, str] | None = None,
        form: dict[str, str] | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> HttpResponse: ...


def _timeout_error(url_kind: str, timeout: float) -> SignInError:
    return SignInError(TIMEOUT, f"The {url_kind} did not answer within {timeout:g} seconds.")


def _network_error(url_kind: str) -> SignInError:
    return SignInError(NETWORK, f"Could not reach the {url_kind}. Check your connection and try again.")


class FetchTransport:
    """The browser's fetch, from Pyodide."""

    def __init__(self, what: str = "sign-in provider") -> None:
        self.what = what

    async def request(self, method, url, *, headers=None, form=None, timeout=DEFAULT_TIMEOUT):
        import js
        from pyodide.ffi import JsException, to_js

        hdrs = dict(headers or {})
        init = {
            "method": method,
            "credentials": "omit",
            "redirect": "error",
            "referrerPolicy": "no-referrer",
            "cache": "no-store",
            "signal": js.AbortSignal.timeout(int(timeout * 1000)),
        }
        if form is not None:
            hdrs["Content-Type"] = "application/x-www-form-urlencoded"
            init["body"] = urlencode(form)
        init["headers"] = hdrs
        try:
            resp = await js.fetch(url, to_js(init, dict_converter=js.Object.fromEntries))
            body = (await resp.arrayBuffer()).to_bytes()
        except JsException as exc:
            if getattr(exc, "name", "") == "TimeoutError":
                raise _timeout_error(self.what, timeout) from None
            raise _network_error(self.what) from None
        headers_out = {str(k).lower(): str(v) for k, v in resp.headers.entries()}
        return HttpResponse(status=int(resp.status), headers=headers_out, body=body)


class HttpxTransport:
    """httpx for CPython (tests, scripts). Needs the ``cpython`` extra."""

    def __init__(self, client=None, what: str = "sign-in provider") -> None:
        import httpx

        self._httpx = httpx
        self.client = client or httpx.AsyncClient()
        self.what = what

    async def request(self, method, url, *, headers=None, form=None, timeout=DEFAULT_TIMEOUT):
        httpx = self._httpx
        try:
            r = await self.client.request(
                method, url, headers=headers, data=form, timeout=timeout, follow_redirects=False
            )
        except httpx.TimeoutException:
            raise _timeout_error(self.what, timeout) from None
        except httpx.HTTPError:
            raise _network_error(self.what) from None
        hdrs: dict[str, str] = {}
        for k, v in r.headers.multi_items():
            k = k.lower()
            hdrs[k] = f"{hdrs[k]}, {v}" if k in hdrs else v
        return HttpResponse(status=r.status_code, headers=hdrs, body=r.content)

    async def aclose(self) -> None:
        await self.client.aclose()
