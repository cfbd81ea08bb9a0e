"""What the signed-in page says, decided from the session alone: pure functions, tested in CPython.

Every string here is safe to put in the page as text (``display_text``: no control, bidi or
zero-width characters, clamped), and every URL is one the page may load or link to
(``safe_link``: https, or the provider's own origin; anything else becomes the placeholder).
``profile_page`` writes the result into the DOM.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from hfsignin import safe_link
from hfsignin.urls import origin
from hfsignin.session import REPO_READ_SCOPES

from .text import countdown, display_text, renewal_reason, scope_label

PLACEHOLDER_AVATAR = "./static_site/avatar.svg"
# Where a picture may come from, beside the provider's own origin: the page's img-src says the same
# (index.html; tests/unit/test_space_app.py checks), so nothing is shown that the policy would block.
AVATAR_HOSTS = ("https://cdn-avatars.huggingface.co",)
PRIVATE_SCOPE = "read-repos"


@dataclass(frozen=True)
class OrgCard:
    handle: str  # data-org: the organization's handle as sent (a selector value, never shown)
    name: str
    meta: str  # "handle · plan · role"
    picture: str


@dataclass(frozen=True)
class Profile:
    name: str
    handle: str
    profile_url: str
    email: str  # "" when not shared
    pro: bool
    picture: str
    scopes: tuple[tuple[str, str], ...]  # (label, scope) chips
    orgs: tuple[OrgCard, ...]
    trust: str
    private_notice: str  # "" when private repositories are readable
    can_grant_private: bool  # the Space asks for read-repos, so a re-consent can grant it


def picture_for(url: str | None, provider_url: str) -> str:
    """Only a safe URL on the provider's origin or its avatar host becomes an image (what the page's
    Content-Security-Policy admits); anything else, the placeholder."""
    safe = safe_link(url, provider_url)
    if safe is None or origin(safe) not in (origin(provider_url), *AVATAR_HOSTS):
        return PLACEHOLDER_AVATAR
    return safe


def profile_of(session, provider_url: str, configured_scopes) -> Profile:
    user = session.user
    handle = display_text(user.preferred_username, 40)
    return Profile(
        name=display_text(user.name or user.preferred_username, 80),
        handle=handle,
        profile_url=f"{provider_url}/{quote(user.preferred_username or '', safe='')}",
        email=display_text(user.email or "", 120),
        pro=bool(user.is_pro),
        picture=picture_for(user.picture, provider_url),
        scopes=tuple((scope_label(s), s) for s in session.scopes),
        orgs=tuple(org_card(org, provider_url) for org in user.orgs),
        trust=trust_line(session.trust),
        private_notice=private_notice(session, configured_scopes),
        can_grant_private=bool(REPO_READ_SCOPES & set(configured_scopes)),
    )


def org_card(org, provider_url: str) -> OrgCard:
    meta = [display_text(org.preferred_username, 40), display_text(org.plan or "", 20),
            display_text(org.role_in_org or "", 20)]
    return OrgCard(
        handle=org.preferred_username or org.sub,
        name=display_text(org.name or org.preferred_username, 60),
        meta=" · ".join(m for m in meta if m),
        picture=picture_for(org.picture, provider_url),
    )


TRUST_LINES = {  # Session.trust: what the check of the ID token proved (docs/security.md)
    "signature": "Signature checked with the provider's key (RS256, WebCrypto), every claim validated",
    "tls": ("Received over TLS from the provider's token endpoint; its signing keys could not be fetched, "
            "every claim validated and the profile's subject matched"),
    "userinfo": ("Confirmed by the provider's profile service only: its signing keys could not be fetched, "
                 "so the stored ID token's claims are not used"),
}


def trust_line(trust: str) -> str:
    return TRUST_LINES.get(trust, "Not verified")


def private_notice(session, configured_scopes) -> str:
    if session.can_read_private_repos:
        return ""
    if REPO_READ_SCOPES & set(configured_scopes):
        return "Private repositories are hidden: this Space was not granted read access to them."
    return "Private repositories are hidden: this Space does not ask for access to them."


def expiry_line(session, now: float) -> str:
    left = session.expires_in(now)
    if left <= 0:
        return "Renewing…"
    return f"Expires in {countdown(left)}" + (" · renews automatically" if session.refresh_token
                                               else " · sign in again then")


def renewal_line(renewal, now: float) -> str:
    """One line while renewals fail: what happened and when the next try is."""
    if renewal is None:
        return ""
    wait = countdown(max(1.0, renewal.retry_at - now))
    return (f"Could not renew the session: {renewal_reason(renewal.code)}; trying again in {wait}. "
            "You stay signed in until it expires.")


def signed_out_note(others: int, connected_apps_url: str, provider_url: str | None = None) -> list:
    """What sign-out did, with the link to revoke the app for good: strings and (text, href) links.
    With ``provider_url``, how to use another account where the provider cannot be asked to let
    the visitor pick one (it signs in whoever is signed in there)."""
    where = "this tab" if not others else f"this tab and {others} other tab{'s' if others > 1 else ''}"
    note = [f"Signed out of {where}. Hugging Face keeps this Space's access until its token expires; "
            "to revoke it for good, use ", ("Connected applications", connected_apps_url),
            " in your Hugging Face settings."]
    if provider_url:
        note += [" To use another account, sign out on ", ("Hugging Face", provider_url.rstrip("/") + "/"),
                 " first: signing in here uses the account you are signed in with there."]
    return note


def signed_out_announcement(others: int) -> str:
    return "Signed out of this tab" + (f" and {others} other tab{'s' if others > 1 else ''}" if others else "")


def sign_in_scopes(configured, granted, *, want_private: bool = False, add: str | None = None) -> list[str]:
    """The scopes to ask for, in the Space's order: at first sign-in (``granted`` None) all but
    read-repos unless wanted; on a re-consent the granted ones, plus ``add``."""
    if granted is None:
        return [s for s in configured if want_private or s != PRIVATE_SCOPE]
    return [s for s in configured if s in granted or s == add]
