"""Words and numbers for the page: pure functions, unit-tested in CPython."""

from __future__ import annotations

from datetime import UTC, datetime

from hfsignin.errors import clean_text

SCOPE_LABELS = {
    "openid": "Identity",
    "profile": "Profile",
    "email": "Email address",
    "read-billing": "Billing status",
    "read-repos": "Read repos (incl. private)",
    "write-repos": "Write repos",
    "manage-repos": "Manage repos",
    "inference-api": "Inference",
    "write-discussions": "Discussions",
}

# code -> (banner title, retry button label or None when retrying cannot help)
ERRORS = {
    "access_denied": ("Sign-in cancelled", "Try again"),
    "state_mismatch": ("Sign-in response ignored", "Sign in again"),
    "transaction_missing": ("Sign-in expired", "Sign in again"),
    "invalid_callback": ("Sign-in response ignored", "Sign in again"),
    "issuer_mismatch": ("Sign-in response ignored", "Sign in again"),
    "authorization_failed": ("Sign-in failed", "Try again"),
    "token_request_failed": ("Sign-in failed", "Try again"),
    "invalid_token_response": ("Sign-in failed", "Try again"),
    "invalid_id_token": ("Sign-in could not be verified", "Try again"),
    "keys_unavailable": ("Sign-in could not be verified", "Try again"),
    "userinfo_failed": ("Your profile could not be loaded", "Try again"),
    "userinfo_mismatch": ("Sign-in could not be verified", "Try again"),
    "discovery_failed": ("Sign-in is unavailable", "Try again"),
    "network": ("Connection problem", "Try again"),
    "timeout": ("Hugging Face is not answering", "Try again"),
    "session_expired": ("Your session ended", "Sign in again"),
    "storage_unavailable": ("Your browser is blocking storage", None),
    "missing_client_id": ("This Space is not set up for sign-in", None),
    "variables_unreadable": ("This Space's sign-in settings could not be read", None),
    "invalid_config": ("This Space is misconfigured", None),
    "insufficient_scope": ("This needs more access", None),
    "rate_limited": ("Hugging Face asked us to slow down", "Try again"),
    "api_error": ("Hugging Face could not answer", "Try again"),
    "invalid_response": ("Hugging Face sent something unexpected", "Try again"),
    "internal": ("Something went wrong", "Reload"),
}
# Failures before Python runs: static_site/boot.js shows them (its BOOT_ERRORS) with a Reload
# button; listed here so every code the page can show has its title in one table.
BOOT_ERRORS = {
    "python_failed": ("Python could not start", "Reload"),
}


def display_text(value: object, limit: int = 80) -> str:
    """Untrusted text made fit to show: no control, bidi or zero-width characters, clamped."""
    return clean_text(value, limit)


def error_title(code: str) -> tuple[str, str | None]:
    return ERRORS.get(code, ("Something went wrong", "Try again"))


RENEWAL_REASONS = {
    "network": "no connection",
    "timeout": "Hugging Face did not answer",
    "rate_limited": "Hugging Face asked us to slow down",
    "token_request_failed": "Hugging Face could not renew it just now",
    "invalid_token_response": "Hugging Face sent an unusable answer",
    "invalid_id_token": "the new ID token did not check out",
    "keys_unavailable": "the new ID token could not be checked",
}


def renewal_reason(code: str) -> str:
    """Why a renewal failed, as the middle of a sentence."""
    return RENEWAL_REASONS.get(code, "something went wrong")


def scope_label(scope: str) -> str:
    return SCOPE_LABELS.get(scope, scope)


def compact_number(n: int | None) -> str:
    if n is None:
        return "–"
    if n < 1000:
        return str(n)
    for div, suffix in ((1_000_000_000, "B"), (1_000_000, "M"), (1_000, "k")):
        if n >= div:
            value = n / div
            text = f"{value:.1f}" if value < 10 else f"{value:.0f}"
            return text.removesuffix(".0") + suffix
    return str(n)


def relative_time(when: datetime | None, now: datetime | None = None) -> str:
    if when is None:
        return ""
    now = now or datetime.now(UTC)
    seconds = (now - when).total_seconds()
    if seconds < 0:
        return "just now"
    for limit, div, unit in ((60, 1, None), (3600, 60, "minute"), (86400, 3600, "hour"),
                             (86400 * 30, 86400, "day"), (86400 * 365, 86400 * 30, "month")):
        if seconds < limit:
            if unit is None:
                return "just now"
            n = int(seconds // div)
            if unit == "day" and n == 1:
                return "yesterday"
            return f"{n} {unit}{'s' if n != 1 else ''} ago"
    n = int(seconds // (86400 * 365))
    return f"{n} year{'s' if n != 1 else ''} ago"


def countdown(seconds: float) -> str:
    """Time left, coarse when far and precise when close: '7 h 59 min', '4 min 05 s', '12 s'."""
    s = max(0, int(seconds))
    days, rem = divmod(s, 86400)
    hours, rem = divmod(rem, 3600)
    minutes, secs = divmod(rem, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes:02d} min"
    if minutes:
        return f"{minutes} min {secs:02d} s"
    return f"{secs} s"
