"""The tab family's messages: what crosses the BroadcastChannel between the tabs of this origin
that hold one sign-in (a duplicated tab copies sessionStorage, so both hold it).

Any page of this origin can read and post on the channel, so nothing on it lets a reader do more
than the page it came from already could: refresh tokens never cross it (the tab that holds one
renews, the others receive access tokens), and with ``persist="local"`` no token crosses at all
(the other tabs read the shared storage). Every message is checked for its shape and its family
before anything is done with it, and tokens a sibling hands over prove themselves like a restored
session before they are taken (``SessionKeeper.commit``, ``ADOPTED``).

renewed    {type, family, generation, tokens?}   tokens: access_token, expires_at, created_at, scopes,
                                                 id_token (absent with persist="local")
ask        {type, family, generation}            "I hold ``generation``: hand me a newer one, or renew"
signed_out {type, family, everyone}              everyone: persist="local", every sign-in ends
signed_in  {type, family}                        persist="local": a new sign-in is in the shared storage
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from .session import Session

MESSAGE_TYPES = frozenset({"renewed", "ask", "signed_out", "signed_in"})
_TOKEN_FIELDS = ("access_token", "expires_at", "created_at", "scopes", "id_token")


def session_message(kind: str, session: Session, *, everyone: bool) -> dict:
    """``kind`` ("renewed", "signed_out" or "signed_in") about ``session``. Only a tab-mode
    "renewed" carries tokens, and never the refresh token."""
    message = {"type": kind, "family": session.family}
    if kind == "renewed":
        message["generation"] = session.generation
        if not everyone:
            message["tokens"] = {"access_token": session.access_token, "expires_at": session.expires_at,
                                 "created_at": session.created_at, "scopes": list(session.scopes),
                                 "id_token": session.id_token}
    if kind == "signed_out":
        message["everyone"] = everyone
    return message


def ask_message(session: Session) -> dict:
    return {"type": "ask", "family": session.family, "generation": session.generation}


@dataclass(frozen=True)
class Message:
    type: str
    family: str
    generation: int | None = None
    tokens: dict | None = None
    everyone: bool = False


def _generation(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _tokens(value: object) -> dict | None:
    if not isinstance(value, dict) or set(value) != set(_TOKEN_FIELDS):
        return None
    ok = (all(isinstance(value[k], str) and value[k] for k in ("access_token", "id_token"))
          and all(isinstance(value[k], (int, float)) and not isinstance(value[k], bool) and math.isfinite(value[k])
                  for k in ("expires_at", "created_at"))
          and isinstance(value["scopes"], list) and all(isinstance(s, str) for s in value["scopes"]))
    return value if ok else None


def parse(raw: object) -> Message | None:
    """A message of the family's exact shape, or None (ignored)."""
    if not isinstance(raw, dict) or raw.get("type") not in MESSAGE_TYPES:
        return None
    family = raw.get("family")
    if not isinstance(family, str) or not 0 < len(family) <= 64:
        return None
    kind = raw["type"]
    if kind in ("renewed", "ask") and not _generation(raw.get("generation")):
        return None
    tokens = None
    if kind == "renewed" and "tokens" in raw:
        tokens = _tokens(raw["tokens"])
        if tokens is None:
            return None
    if kind == "signed_out" and not isinstance(raw.get("everyone"), bool):
        return None
    return Message(kind, family, raw.get("generation"), tokens, raw.get("everyone") is True)


def handed_over(current: Session, message: Message) -> Session:
    """The session a sibling's "renewed" describes, built on this tab's own: its tokens, this tab's
    account and sign-in, no refresh token (the sibling holds it and renews)."""
    t = message.tokens
    return replace(current, access_token=t["access_token"], expires_at=float(t["expires_at"]),
                   created_at=float(t["created_at"]), scopes=tuple(t["scopes"]), id_token=t["id_token"],
                   generation=message.generation, refresh_token=None, shared=True)
