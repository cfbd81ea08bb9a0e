"""The token endpoint (RFC 6749 §4.1.3-5.2): request forms and response checks."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from . import jsonutil
from .errors import INVALID_TOKEN_RESPONSE, TOKEN_REQUEST_FAILED, SignInError, clean_text
from .transaction import Transaction
from .transport import HttpResponse


@dataclass(frozen=True)
class TokenResponse:
    access_token: str = field(repr=False)
    token_type: str
    expires_in: float | None
    scopes: tuple[str, ...] | None
    id_token: str | None = field(default=None, repr=False)
    refresh_token: str | None = field(default=None, repr=False)


def authorization_code_form(tx: Transaction, code: str) -> dict[str, str]:
    """A public client's code exchange: the verifier, the same redirect_uri, no secret."""
    return {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": tx.redirect_uri,
        "code_verifier": tx.code_verifier,
        "client_id": tx.client_id,
    }


def refresh_form(client_id: str, refresh_token: str) -> dict[str, str]:
    return {"grant_type": "refresh_token", "refresh_token": refresh_token, "client_id": client_id}


_GRANT_ERRORS = {
    "invalid_grant": "The provider rejected this sign-in (the code was already used, expired, or did not match). Please sign in again.",
    "invalid_client": "The provider did not recognise this application.",
    "invalid_request": "The provider rejected the sign-in request as malformed.",
    "unauthorized_client": "This application may not use this kind of sign-in.",
    "unsupported_grant_type": "The provider does not support this kind of sign-in.",
    "invalid_scope": "The provider rejected the requested permissions.",
}


def token_error(resp: HttpResponse) -> SignInError:
    """A non-2xx token response as a sign-in error (never echoing the body)."""
    error, description = None, ""
    if resp.is_json:
        try:
            body = jsonutil.loads_object(resp.body)
            error = body.get("error") if isinstance(body.get("error"), str) else None
            description = body.get("error_description", "")
        except jsonutil.JSONError:
            pass
    if error in _GRANT_ERRORS:
        message = _GRANT_ERRORS[error]
    elif resp.status == 429 or resp.status == 503:
        message = "The sign-in provider is busy right now. Please try again in a moment."
    elif resp.status >= 500:
        message = f"The sign-in provider had a problem (HTTP {resp.status}). Please try again."
    else:
        message = f"The sign-in provider refused the sign-in (HTTP {resp.status})."
    detail = f"{clean_text(error, 64)}: {clean_text(description)}" if error else ""
    return SignInError(  # reason: the RFC 6749 §5.2 error code, when it is one (for programs)
        TOKEN_REQUEST_FAILED, message, detail=detail, reason=error if error in _GRANT_ERRORS else "",
        status=resp.status, retry_after=resp.retry_after(),
    )


def _bad(why: str, detail: str = "") -> SignInError:
    """``why`` is ours (a fixed phrase); anything the provider chose goes in ``detail``."""
    return SignInError(INVALID_TOKEN_RESPONSE, f"The sign-in provider sent an unusable token response ({why}).",
                       detail=detail)


def parse_token_response(resp: HttpResponse, *, require_id_token: bool) -> TokenResponse:
    """Validate a token response (RFC 6749 §5.1) or raise.

    A JSON object with a string access_token and token_type bearer (any case);
    expires_in a positive number or numeric string when present; scope a string
    when present; id_token a string (required when ``openid`` was requested).
    """
    if not 200 <= resp.status < 300:
        raise token_error(resp)
    if not resp.is_json:
        raise _bad("not JSON")
    try:
        body = jsonutil.loads_object(resp.body)
    except jsonutil.JSONError as exc:
        raise _bad("not a valid JSON object", detail=str(exc)) from None
    access_token = body.get("access_token")
    if not isinstance(access_token, str) or not access_token or len(access_token) > 8192:
        raise _bad("no access token")
    token_type = body.get("token_type")
    if not isinstance(token_type, str) or token_type.lower() != "bearer":
        raise _bad("not a bearer token")
    expires_in = body.get("expires_in")
    if expires_in is not None:
        if isinstance(expires_in, str) and expires_in.strip().isdigit():
            expires_in = int(expires_in.strip())
        if isinstance(expires_in, bool) or not isinstance(expires_in, (int, float)) \
                or not math.isfinite(expires_in) or expires_in <= 0:
            raise _bad("a bad expires_in")
        expires_in = float(min(expires_in, 366 * 86400))
    scope = body.get("scope")
    if scope is not None and not isinstance(scope, str):
        raise _bad("a bad scope")
    id_token = body.get("id_token")
    if id_token is not None and not isinstance(id_token, str):
        raise _bad("a bad id_token")
    if require_id_token and not id_token:
        raise _bad("no ID token")
    refresh = body.get("refresh_token")
    if refresh is not None and (not isinstance(refresh, str) or not refresh):
        raise _bad("a bad refresh_token")
    return TokenResponse(
        access_token=access_token,
        token_type="bearer",
        expires_in=expires_in,
        scopes=tuple(scope.split()) if scope is not None else None,
        id_token=id_token,
        refresh_token=refresh,
    )
