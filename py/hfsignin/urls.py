"""URL rules: which provider URLs are acceptable, which links are safe to show,
and which "return to" targets are allowed."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from .errors import INVALID_CONFIG, SignInError

LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
MAX_URL_LENGTH = 2048


def is_loopback(host: str | None) -> bool:
    return (host or "").lower() in LOOPBACK_HOSTS


def origin(url: str) -> str:
    """scheme://host[:port] in lower case, with default ports dropped."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if ":" in host:
        host = f"[{host}]"
    port = parts.port
    default = {"http": 80, "https": 443}.get(parts.scheme.lower())
    netloc = host if port in (None, default) else f"{host}:{port}"
    return f"{parts.scheme.lower()}://{netloc}"


def _server_url(url: str):
    """The parts of ``url`` if it names a server plainly (a host, a valid port, no
    credentials), else None."""
    try:
        parts = urlsplit(url)
        _ = parts.port  # raises ValueError on a malformed port
    except ValueError:
        return None
    if parts.username is not None or parts.password is not None or not parts.hostname:
        return None
    return parts


def _is_acceptable_endpoint(url: str) -> bool:
    parts = _server_url(url)
    if parts is None:
        return False
    if parts.scheme == "https":
        return True
    # Plain http only for a local development provider (devhub).
    return parts.scheme == "http" and is_loopback(parts.hostname)


def normalize_provider_url(url: str) -> str:
    """The provider base URL without a trailing slash, or an invalid_config error."""
    if not isinstance(url, str) or not url or len(url) > MAX_URL_LENGTH:
        raise SignInError(INVALID_CONFIG, "The OpenID provider URL is missing or too long.")
    url = url.strip().rstrip("/")
    parts = urlsplit(url)
    if not _is_acceptable_endpoint(url) or parts.query or parts.fragment:
        raise SignInError(
            INVALID_CONFIG,
            "The OpenID provider URL must be https:// (or http:// on localhost for development).",
        )
    return url


def is_acceptable_endpoint(url: object, issuer: str) -> bool:
    """An endpoint from discovery must be https (or loopback http) on the issuer's origin."""
    return (
        isinstance(url, str)
        and len(url) <= MAX_URL_LENGTH
        and _is_acceptable_endpoint(url)
        and origin(url) == origin(issuer)
    )


def safe_link(url: object, provider_url: str) -> str | None:
    """``url`` if it may become a link or an image source, else None.

    Only https URLs qualify, plus anything on the configured provider's own
    origin (so a local development provider on http works). ``javascript:``,
    ``data:``, plain http and URLs with credentials never do.
    """
    if not isinstance(url, str) or not url or len(url) > MAX_URL_LENGTH:
        return None
    if any(ord(c) < 0x21 or ord(c) == 0x7F for c in url):
        return None
    parts = _server_url(url)
    if parts is None:
        return None
    if parts.scheme == "https":
        return url
    if parts.scheme == "http" and origin(url) == origin(provider_url):
        return url
    return None


def safe_return_path(path: object) -> str | None:
    """A same-origin path (``/x?y#z``) to return to after sign-in, or None.

    Rejects absolute and protocol-relative URLs (``//evil``, ``/\\evil``),
    schemes, and control characters: the classic open-redirect shapes.
    """
    if not isinstance(path, str) or not path.startswith("/") or len(path) > MAX_URL_LENGTH:
        return None
    if path.startswith("//") or path.startswith("/\\"):
        return None
    if any(ord(c) < 0x20 or ord(c) == 0x7F or c == "\\" for c in path):
        return None
    parts = urlsplit(path)
    if parts.scheme or parts.netloc:
        return None
    return path


def page_url(url: str) -> str:
    """The page URL without query and fragment: the default redirect_uri."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", "", ""))


def path_of(url: str) -> str:
    """The path, query and fragment of ``url`` (what replaceState needs)."""
    parts = urlsplit(url)
    out = parts.path or "/"
    if parts.query:
        out += "?" + parts.query
    if parts.fragment:
        out += "#" + parts.fragment
    return out
