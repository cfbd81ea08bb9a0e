"""HTTP behind a small async interface.

In the browser requests go through ``fetch`` (async, concurrent, with an abort
timeout, no cookies, no redirects followed, no referrer); in CPython through
httpx; in tests and scripts with no server, through ``MockTransport`` and a
function that answers. Either way a failure to get any response becomes
``network`` or ``timeout``, and callers only ever see ``HttpResponse``.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Protocol
from urllib.parse import parse_qs, urlencode, urlsplit

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
        """Seconds the server asks us to wait: ``Retry-After`` (seconds), else the reset of a
        ``RateLimit`` header (IETF draft: ``"api";r=0;t=120``, or the older ``reset=120``),
        else ``RateLimit-Reset``. None when it says nothing (or the headers are hidden)."""
        value = (self.header("retry-after") or "").strip()
        if value.isdigit():
            return _seconds(value)
        match = _RATELIMIT_RESET.search(self.header("ratelimit") or "")
        if match:
            return _seconds(match.group(1))
        value = (self.header("ratelimit-reset") or "").strip()
        return _seconds(value) if value.isdigit() else None


_RATELIMIT_RESET = re.compile(r"(?:^|[;,\s])(?:t|reset)\s*=\s*(\d+)")


def _seconds(digits: str) -> float | None:
    return float(digits) if int(digits) < 86400 else None


class Transport(Protocol):
    async def request(
        self,
        method: str,
        url: str,
        *,
        headers: dict[str, str] | None = None,
        form: dict[str, str] | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        cacheable: bool = False,
        what: str | None = None,
    ) -> HttpResponse:
        """One request. ``cacheable``: the browser's HTTP cache may answer (public documents
        such as discovery and the key set, never anything with a token). ``what`` names the
        party in a network or timeout error ("the Hub", "the sign-in provider")."""


def _timeout_error(url_kind: str, timeout: float) -> SignInError:
    return SignInError(TIMEOUT, f"The {url_kind} did not answer within {timeout:g} seconds.")


def _network_error(url_kind: str) -> SignInError:
    return SignInError(NETWORK, f"Could not reach the {url_kind}. Check your connection and try again.")


class FetchTransport:
    """The browser's fetch, from Pyodide."""

    def __init__(self, what: str = "sign-in provider") -> None:
        self.what = what

    async def request(self, method, url, *, headers=None, form=None, timeout=DEFAULT_TIMEOUT, cacheable=False,
                      what=None):
        import js
        from pyodide.ffi import JsException, to_js

        hdrs = dict(headers or {})
        what = what or self.what
        init = {
            "method": method,
            "credentials": "omit",
            "redirect": "error",
            "referrerPolicy": "no-referrer",
            "cache": "default" if cacheable else "no-store",
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
                raise _timeout_error(what, timeout) from None
            raise _network_error(what) from None
        headers_out = {str(k).lower(): str(v) for k, v in resp.headers.entries()}
        return HttpResponse(status=int(resp.status), headers=headers_out, body=body)


class HttpxTransport:
    """httpx for CPython (tests, scripts). Needs the ``cpython`` extra."""

    def __init__(self, client=None, what: str = "sign-in provider") -> None:
        import httpx

        self._httpx = httpx
        self.client = client or httpx.AsyncClient()
        self.what = what

    async def request(self, method, url, *, headers=None, form=None, timeout=DEFAULT_TIMEOUT, cacheable=False,
                      what=None):
        httpx = self._httpx
        what = what or self.what
        try:
            r = await self.client.request(
                method, url, headers=headers, data=form, timeout=timeout, follow_redirects=False
            )
        except httpx.TimeoutException:
            raise _timeout_error(what, timeout) from None
        except httpx.HTTPError:
            raise _network_error(what) from None
        hdrs: dict[str, str] = {}
        for k, v in r.headers.multi_items():
            k = k.lower()
            hdrs[k] = f"{hdrs[k]}, {v}" if k in hdrs else v
        return HttpResponse(status=r.status_code, headers=hdrs, body=r.content)

    async def aclose(self) -> None:
        await self.client.aclose()


@dataclass(frozen=True)
class HttpRequest:
    """One request as a ``MockTransport`` handler sees it: the arguments of ``Transport.request``."""

    method: str
    url: str
    headers: dict[str, str] = field(default_factory=dict, repr=False)  # as the caller passed them (a token, maybe)
    form: dict[str, str] | None = field(default=None, repr=False)  # the form body, before encoding (secrets)
    timeout: float = DEFAULT_TIMEOUT
    cacheable: bool = False
    what: str = "sign-in provider"  # the party a network or timeout error names

    @property
    def path(self) -> str:
        return urlsplit(self.url).path

    @property
    def query(self) -> dict[str, list[str]]:
        return parse_qs(urlsplit(self.url).query, keep_blank_values=True)

    def header(self, name: str) -> str | None:
        """A header by name, in any case."""
        wanted = name.lower()
        return next((v for k, v in self.headers.items() if k.lower() == wanted), None)


Handler = Callable[[HttpRequest], HttpResponse | Awaitable[HttpResponse]]


class MockTransport:
    """No network: ``handler(request)`` (sync or async) answers each ``HttpRequest``, and
    ``requests`` records them in order. To play an unreachable party the handler raises
    ``ConnectionError`` (becomes ``network``) or ``TimeoutError`` (becomes ``timeout``), worded
    as the real transports word them; a ``SignInError`` it raises passes through as it is."""

    def __init__(self, handler: Handler, what: str = "sign-in provider") -> None:
        self.handler = handler
        self.what = what
        self.requests: list[HttpRequest] = []

    async def request(self, method, url, *, headers=None, form=None, timeout=DEFAULT_TIMEOUT, cacheable=False,
                      what=None):
        request = HttpRequest(method, url, dict(headers or {}), dict(form) if form is not None else None,
                              timeout, cacheable, what or self.what)
        self.requests.append(request)
        try:
            response = self.handler(request)
            if isinstance(response, Awaitable):
                response = await response
        except TimeoutError:
            raise _timeout_error(request.what, timeout) from None
        except ConnectionError:
            raise _network_error(request.what) from None
        return response
