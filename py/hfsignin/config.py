"""Where the client id, scopes and provider come from.

Order: explicit arguments, then ``window.huggingface.variables`` (injected by
Hugging Face into a static Space's index.html), then defaults. The provider is
never read from the page URL.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from .errors import INVALID_CONFIG, MISSING_CLIENT_ID, SignInError
from .urls import normalize_provider_url

DEFAULT_PROVIDER = "https://huggingface.co"
DEFAULT_SCOPES = ("openid", "profile")

MISSING_CLIENT_ID_MESSAGE = (
    "Missing OAuth client id: add `hf_oauth: true` to the README.md metadata of your "
    "static Space (Hugging Face then provides OAUTH_CLIENT_ID), or pass client_id explicitly."
)


def split_scopes(scopes: str | Iterable[str] | None) -> tuple[str, ...]:
    """Scopes as an ordered tuple without duplicates."""
    if scopes is None:
        return ()
    items = scopes.split() if isinstance(scopes, str) else list(scopes)
    out: list[str] = []
    for item in items:
        if not isinstance(item, str) or not item or any(c.isspace() or c == '"' or c == "\\" for c in item):
            raise SignInError(INVALID_CONFIG, "Scopes must be non-empty words without spaces or quotes.")
        if item not in out:
            out.append(item)
    return tuple(out)


@dataclass(frozen=True)
class Config:
    client_id: str
    provider_url: str = DEFAULT_PROVIDER
    scopes: tuple[str, ...] = DEFAULT_SCOPES
    redirect_uri: str | None = None

    @property
    def scope(self) -> str:
        return " ".join(self.scopes)


def resolve_config(
    *,
    client_id: str | None = None,
    scopes: str | Iterable[str] | None = None,
    provider_url: str | None = None,
    redirect_uri: str | None = None,
    variables: Mapping[str, object] | None = None,
) -> Config:
    """Build a Config from explicit values, the Space variables, then defaults."""
    variables = variables or {}

    def pick(explicit, name):
        if explicit:
            return explicit
        value = variables.get(name)
        return value if isinstance(value, str) and value.strip() else None

    cid = pick(client_id, "OAUTH_CLIENT_ID")
    if not cid:
        raise SignInError(MISSING_CLIENT_ID, MISSING_CLIENT_ID_MESSAGE)
    cid = cid.strip()
    if len(cid) > 256 or any(ord(c) < 0x21 or ord(c) == 0x7F for c in cid):
        raise SignInError(INVALID_CONFIG, "The OAuth client id is malformed.")

    provider = normalize_provider_url(pick(provider_url, "OPENID_PROVIDER_URL") or DEFAULT_PROVIDER)
    resolved = split_scopes(pick(scopes, "OAUTH_SCOPES")) or DEFAULT_SCOPES
    # The id_token is what proves who signed in, so `openid` is never optional.
    if "openid" not in resolved:
        resolved = ("openid",) + resolved
    return Config(client_id=cid, provider_url=provider, scopes=resolved, redirect_uri=redirect_uri)
