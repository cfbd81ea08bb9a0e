"""Words and numbers for the page: pure functions, unit-tested in CPython."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from hfsignin import errors as E
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

# The codes the page can show: the library's (hfsignin.errors) and the app's own, here.
INTERNAL = "internal"  # an exception the app did not expect (details go to the console only)
PYTHON_FAILED = "python_failed"  # before Python runs: static_site/boot.js shows it (its BOOT_ERRORS)


@dataclass(frozen=True)
class Words:
    title: str  # the banner's title
    message: str  # the sentence when the error brings none (the library's errors always do)
    action: str | None = None  # the retry button's label; None when retrying cannot help


_AGAIN = "Try again"
ERRORS: dict[str, Words] = {
    E.ACCESS_DENIED: Words("Sign-in cancelled", "You cancelled the sign-in on Hugging Face.", _AGAIN),
    E.STATE_MISMATCH: Words("Sign-in response ignored", "This sign-in response was not for this tab.", "Sign in again"),
    E.TRANSACTION_MISSING: Words("Sign-in expired", "This sign-in attempt expired or was already used.", "Sign in again"),
    E.INVALID_CALLBACK: Words("Sign-in response ignored", "The sign-in response was malformed.", "Sign in again"),
    E.ISSUER_MISMATCH: Words("Sign-in response ignored", "The sign-in response came from another provider.",
                             "Sign in again"),
    E.AUTHORIZATION_FAILED: Words("Sign-in failed", "Hugging Face could not sign you in.", _AGAIN),
    E.TOKEN_REQUEST_FAILED: Words("Sign-in failed", "Hugging Face did not issue a token.", _AGAIN),
    E.INVALID_TOKEN_RESPONSE: Words("Sign-in failed", "Hugging Face sent an unusable token response.", _AGAIN),
    E.INVALID_ID_TOKEN: Words("Sign-in could not be verified", "The ID token did not pass validation.", _AGAIN),
    E.KEYS_UNAVAILABLE: Words("Sign-in could not be verified", "Hugging Face's signing keys could not be read.",
                              _AGAIN),
    E.USERINFO_FAILED: Words("Your profile could not be loaded", "Hugging Face did not send your profile.", _AGAIN),
    E.USERINFO_MISMATCH: Words("Sign-in could not be verified", "The profile was for another account.", _AGAIN),
    E.DISCOVERY_FAILED: Words("Sign-in is unavailable", "Hugging Face's sign-in settings could not be read.", _AGAIN),
    E.NETWORK: Words("Connection problem", "Hugging Face could not be reached.", _AGAIN),
    E.TIMEOUT: Words("Hugging Face is not answering", "Hugging Face did not answer in time.", _AGAIN),
    E.SESSION_EXPIRED: Words("Your session ended", "Your session ended. Sign in again to continue.", "Sign in again"),
    E.STORAGE_UNAVAILABLE: Words("Your browser is blocking storage",
                                 "Sign-in needs this tab's storage, which your browser blocks here."),
    E.MISSING_CLIENT_ID: Words("This Space is not set up for sign-in",
                               "This Space has no OAuth client id: set hf_oauth: true in its README."),
    E.VARIABLES_UNREADABLE: Words("This Space's sign-in settings could not be read",
                                  "The page could not read the settings Hugging Face gives it."),
    E.INVALID_CONFIG: Words("This Space is misconfigured", "This Space's sign-in settings are invalid."),
    E.INSUFFICIENT_SCOPE: Words("This needs more access", "This needs a permission you have not granted."),
    E.RATE_LIMITED: Words("Hugging Face asked us to slow down", "Hugging Face asked this Space to wait.", _AGAIN),
    E.API_ERROR: Words("Hugging Face could not answer", "The Hub could not answer this request.", _AGAIN),
    E.INVALID_RESPONSE: Words("Hugging Face sent something unexpected", "The Hub sent an unusable answer.", _AGAIN),
    E.POPUP_BLOCKED: Words("The sign-in window was blocked", "Your browser blocked the sign-in window.", _AGAIN),
    E.POPUP_CLOSED: Words("Sign-in window closed", "You closed the sign-in window before finishing.", "Sign in again"),
    E.POPUP_TIMEOUT: Words("Hugging Face did not answer", "The sign-in window did not answer in time.", _AGAIN),
    E.CANCELLED: Words("Sign-in cancelled", "Sign-in was cancelled.", "Sign in again"),
    INTERNAL: Words("Something went wrong", "The page hit an unexpected problem. Reloading usually fixes it.",
                    "Reload"),
}
# Failures before Python runs: static_site/boot.js shows them (its BOOT_ERRORS, the same words:
# a unit test compares) with a Reload button; listed here so every code has its words in one place.
BOOT_ERRORS: dict[str, Words] = {
    PYTHON_FAILED: Words("Python could not start",
                         "Something stopped Python from loading in this page. Reloading usually fixes it.", "Reload"),
}
# Why a session ended (HFSignIn.on_session_end's reasons), shown with SESSION_EXPIRED's title.
SESSION_ENDED = {
    "expired": "Your session expired. Sign in again to continue: you will not be asked for consent again.",
    "revoked": "Your session was revoked or is no longer valid. Sign in again to continue.",
}
# The longest a "slow down" is waited out by itself; a longer wait is only said.
AUTO_RETRY_LIMIT = 600.0
RATE_LIMIT_DEFAULT_WAIT = 30.0


def display_text(value: object, limit: int = 80) -> str:
    """Untrusted text made fit to show: no control, bidi or zero-width characters, clamped."""
    return clean_text(value, limit)


def error_words(code: str) -> Words:
    return ERRORS.get(code) or BOOT_ERRORS.get(code) or ERRORS[INTERNAL]


def auto_retry_wait(code: str, retry_after: float | None) -> float | None:
    """Seconds to wait before retrying a "slow down" by itself; None for any other failure
    or when the provider asks for longer than ``AUTO_RETRY_LIMIT``."""
    if code != E.RATE_LIMITED:
        return None
    wait = RATE_LIMIT_DEFAULT_WAIT if retry_after is None else max(1.0, retry_after)
    return wait if wait <= AUTO_RETRY_LIMIT else None


RENEWAL_REASONS = {
    E.NETWORK: "no connection",
    E.TIMEOUT: "Hugging Face did not answer",
    E.RATE_LIMITED: "Hugging Face asked us to slow down",
    E.TOKEN_REQUEST_FAILED: "Hugging Face could not renew it just now",
    E.INVALID_TOKEN_RESPONSE: "Hugging Face sent an unusable answer",
    E.INVALID_ID_TOKEN: "the new ID token did not check out",
    E.KEYS_UNAVAILABLE: "the new ID token could not be checked",
}


def renewal_reason(code: str) -> str:
    """Why a renewal failed, as the middle of a sentence."""
    return RENEWAL_REASONS.get(code, "something went wrong")


def provider_note(provider_url: str) -> str:
    host = provider_url.split("://", 1)[-1]
    local = host.startswith(("localhost", "127.0.0.1"))
    return f"Signs in with {host}" + (" (devhub, a local stand-in)" if local else "")


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


# A session that exists while its profile (or, on a reload, its proof) cannot be had yet: tried
# again after these waits in turn (the last one for good), or after the provider's Retry-After.
PENDING_WAITS = (5.0, 10.0, 20.0, 30.0, 60.0)
PENDING_WAIT_LIMIT = 300.0


def pending_wait(attempt: int, retry_after: float | None) -> float:
    """Seconds before the ``attempt``-th automatic try (1 for the first)."""
    wait = PENDING_WAITS[min(max(attempt, 1), len(PENDING_WAITS)) - 1]
    return min(PENDING_WAIT_LIMIT, max(wait, retry_after or 0.0))


def pending_line(code: str, status: int | None, left: float | None, *, stored: bool = False) -> str:
    """The pending view's one sentence: what is missing (a new sign-in's profile, or a ``stored``
    session's proof), why, and when it is tried again (``left`` seconds; None while it is tried)."""
    what = "Your session could not be checked yet" if stored else "Your profile could not be loaded yet"
    if code == E.USERINFO_FAILED:
        why = f"Hugging Face answered HTTP {status}" if status else "Hugging Face sent a profile that could not be read"
    else:
        why = error_words(code).message.rstrip(".")
    when = "trying again now…" if left is None else f"trying again in {countdown(max(1.0, left))}."
    return f"{what}: {why}; {when}"


CANCELLED_NOTE = "You cancelled on Hugging Face, so nothing was shared with this Space."
