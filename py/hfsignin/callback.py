"""Parsing the redirect back from the provider (RFC 6749 §4.1.2), strictly."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit

from .errors import INVALID_CALLBACK, SignInError

RESPONSE_PARAMS = ("code", "state", "error", "error_description", "error_uri", "iss")
_SIGNALS = ("code", "state", "error")
# RFC 6749 §4.1.2.1: error is %x20-21 / %x23-5B / %x5D-7E
_ERROR = re.compile(r'^[\x20\x21\x23-\x5B\x5D-\x7E]{1,128}$')
_CODE = re.compile(r"^[\x21-\x7E]{1,2048}$")


@dataclass(frozen=True)
class Callback:
    state: str | None
    code: str | None = None
    error: str | None = None
    error_description: str = ""
    iss: str | None = None

    def __repr__(self) -> str:  # never print the code
        kind = f"error={self.error!r}" if self.error else "code=…"
        return f"Callback({kind}, state={'…' if self.state else None})"


def _pairs(text: str, limit: int | None = None) -> list[tuple[str, str]]:
    try:
        return parse_qsl(text, keep_blank_values=True, max_num_fields=limit)
    except ValueError as exc:
        raise _invalid("it has too many parameters") from exc


def _invalid(why: str) -> SignInError:
    return SignInError(INVALID_CALLBACK, f"The sign-in response was malformed ({why}), so it was ignored.")


def has_callback(url: str) -> bool:
    """Whether ``url`` looks like a return from the provider (query or fragment)."""
    parts = urlsplit(url)
    names = {k for k, _ in _pairs(parts.query)} | {k for k, _ in _pairs(parts.fragment)}
    return any(name in names for name in _SIGNALS)


def parse_callback(url: str) -> Callback:
    """Parse the callback URL or raise ``invalid_callback``.

    Rejected: response parameters in the fragment (we never ask for
    response_mode=fragment), any response parameter given twice, ``code`` and
    ``error`` together, neither of them, and values outside the RFC's alphabet.
    """
    parts = urlsplit(url)
    if any(k in RESPONSE_PARAMS or k in ("access_token", "id_token") for k, _ in _pairs(parts.fragment)):
        raise _invalid("response parameters in the URL fragment")
    seen: dict[str, str] = {}
    for key, value in _pairs(parts.query, limit=64):
        if key in RESPONSE_PARAMS:
            if key in seen:
                raise _invalid(f"duplicated '{key}'")
            seen[key] = value
    code, error = seen.get("code"), seen.get("error")
    if code is not None and error is not None:
        raise _invalid("both a code and an error")
    if code is None and error is None:
        raise _invalid("neither a code nor an error")
    if code is not None and not _CODE.match(code):
        raise _invalid("the code has unexpected characters")
    if error is not None and not _ERROR.match(error):
        raise _invalid("the error has unexpected characters")
    return Callback(
        state=seen.get("state") or None,
        code=code,
        error=error,
        error_description=seen.get("error_description", ""),
        iss=seen.get("iss"),
    )


def strip_response_params(url: str) -> str:
    """``url`` as path+query+fragment with every response parameter removed."""
    parts = urlsplit(url)
    query = urlencode([(k, v) for k, v in _pairs(parts.query) if k not in RESPONSE_PARAMS])
    frag_pairs = _pairs(parts.fragment)
    fragment = parts.fragment
    if any(k in RESPONSE_PARAMS for k, _ in frag_pairs):
        fragment = urlencode([(k, v) for k, v in frag_pairs if k not in RESPONSE_PARAMS])
    out = parts.path or "/"
    if query:
        out += "?" + query
    if fragment:
        out += "#" + fragment
    return out
