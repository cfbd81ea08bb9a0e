"""Where the client id, scopes and provider come from.

Order: explicit arguments, then ``window.huggingface.variables`` (injected by
Hugging Face into a static Space's index.html), then defaults. The provider is
never read from the page URL.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from . import jsonutil
from .errors import INVALID_CONFIG, MISSING_CLIENT_ID, VARIABLES_UNREADABLE, SignInError
from .urls import normalize_provider_url

DEFAULT_PROVIDER = "https://huggingface.co"
DEFAULT_SCOPES = ("openid", "profile")

MISSING_CLIENT_ID_MESSAGE = (
    "Missing OAuth client id: add `hf_oauth: true` to the README.md metadata of your "
    "static Space (Hugging Face then provides OAUTH_CLIENT_ID), or pass client_id explicitly."
)
VARIABLES_UNREADABLE_MESSAGE = (
    "Hugging Face's window.huggingface script is in this page but could not be read: it was inserted "
    "inside the <head> tag and broke it, or it is not the data expected. Keep "
    "`<!doctype html><html><head>` on the first line of index.html (or save it with CRLF line "
    "endings), then upload it again."
)
# The text of Hugging Face's injected script: ``window.huggingface = {"variables": {...}};``.
INJECTED_SCRIPT = re.compile(r"window\.huggingface\s*=\s*")


def variables_from_script(text: str) -> dict[str, object] | None:
    """The variables in the text of Hugging Face's injected script, read as JSON data and never
    run (a page's Content-Security-Policy blocks it when it comes after the policy); None when
    the text is not that script or not valid JSON."""
    start = INJECTED_SCRIPT.match(text)
    if start is None:
        return None
    data = text[start.end():].rstrip()
    try:
        value = jsonutil.loads_object(data.removesuffix(";"))
    except jsonutil.JSONError:
        return None
    variables = value.get("variables")
    return {k: v for k, v in variables.items() if isinstance(k, str)} if isinstance(variables, dict) else None


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
    variables_unreadable: bool = False,
) -> Config:
    """Build a Config from explicit values, the Space variables, then defaults.
    ``variables_unreadable``: Hugging Face's script is in the page but could not be read, which
    is an error as soon as a value would come from it."""
    if variables_unreadable and not (client_id and scopes and provider_url):
        raise SignInError(VARIABLES_UNREADABLE, VARIABLES_UNREADABLE_MESSAGE)
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
