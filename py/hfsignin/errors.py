"""One exception type for every way sign-in can fail, each with a stable code.

The code is for programs (the app maps it to words and a retry); the message
is for people. Neither ever contains a token, a code or a verifier, and text
the provider sent (``error_description``) is kept apart in ``detail`` because
an attacker can choose it.
"""

from __future__ import annotations

# Stable codes. The app and the tests rely on these strings.
MISSING_CLIENT_ID = "missing_client_id"
INVALID_CONFIG = "invalid_config"
VARIABLES_UNREADABLE = "variables_unreadable"
DISCOVERY_FAILED = "discovery_failed"
STORAGE_UNAVAILABLE = "storage_unavailable"
INVALID_CALLBACK = "invalid_callback"
STATE_MISMATCH = "state_mismatch"
TRANSACTION_MISSING = "transaction_missing"
ISSUER_MISMATCH = "issuer_mismatch"
ACCESS_DENIED = "access_denied"
AUTHORIZATION_FAILED = "authorization_failed"
TOKEN_REQUEST_FAILED = "token_request_failed"
INVALID_TOKEN_RESPONSE = "invalid_token_response"
INVALID_ID_TOKEN = "invalid_id_token"
KEYS_UNAVAILABLE = "keys_unavailable"
USERINFO_FAILED = "userinfo_failed"
USERINFO_MISMATCH = "userinfo_mismatch"
NETWORK = "network"
TIMEOUT = "timeout"
SESSION_EXPIRED = "session_expired"
INSUFFICIENT_SCOPE = "insufficient_scope"
RATE_LIMITED = "rate_limited"
API_ERROR = "api_error"
INVALID_RESPONSE = "invalid_response"
POPUP_BLOCKED = "popup_blocked"
POPUP_CLOSED = "popup_closed"
POPUP_TIMEOUT = "popup_timeout"
CANCELLED = "cancelled"

_MAX_DETAIL = 300


# Invisible characters that reorder or hide text: soft hyphen, Arabic letter mark, zero-width
# spaces and joiners, bidi marks, embeddings, overrides and isolates, word joiner and the
# invisible operators, the byte order mark, and tag characters.
_INVISIBLE = ((0x00AD, 0x00AD), (0x061C, 0x061C), (0x200B, 0x200F), (0x202A, 0x202E), (0x2060, 0x2064),
              (0x2066, 0x2069), (0xFEFF, 0xFEFF), (0xE0000, 0xE007F))


def _invisible(cp: int) -> bool:
    return any(lo <= cp <= hi for lo, hi in _INVISIBLE)


def clean_text(value: object, limit: int = _MAX_DETAIL) -> str:
    """Make untrusted text safe to keep: printable, no bidi/zero-width tricks, bounded."""
    if not isinstance(value, str):
        return ""
    out = []
    for ch in value[: limit * 4]:  # enough to fill ``limit`` after cleaning; never the whole of a huge input
        cp = ord(ch)
        if cp < 0x20 or cp == 0x7F or 0x80 <= cp < 0xA0:
            out.append(" ")
        elif not _invisible(cp):
            out.append(ch)
    text = " ".join("".join(out).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


class SignInError(Exception):
    """A sign-in, session or Hub API failure.

    ``code`` is one of the constants of this module; ``message`` is a fixed,
    human sentence that never holds provider-chosen text; ``detail`` is
    provider-supplied text (cleaned, bounded, never to be rendered as HTML);
    ``reason`` says which rule failed, for programs (e.g. ``"iss"``, ``"nonce"``,
    ``"signature"`` for ``invalid_id_token``); ``status`` is the HTTP status when
    one was involved; ``retry_after`` is seconds the provider asked us to wait
    (``Retry-After`` or ``RateLimit``).
    """

    def __init__(
        self,
        code: str,
        message: str,
        *,
        detail: str = "",
        reason: str = "",
        status: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.detail = clean_text(detail)
        self.reason = reason
        self.status = status
        self.retry_after = retry_after

    def __str__(self) -> str:
        return f"[{self.code}] {self.message}"

    def __repr__(self) -> str:
        return (f"SignInError(code={self.code!r}, message={self.message!r}, reason={self.reason!r}, "
                f"status={self.status!r})")
