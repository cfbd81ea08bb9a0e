"""Writes a ``profile.Profile`` and the session's lines (counted down every second) into the
page, and clears them. Text goes in through textContent only; the URLs were made safe by ``profile``."""

from __future__ import annotations

import asyncio
import re

from pyscript import document

from .dom import clone, q, set_text, show, spawn
from .profile import PLACEHOLDER_AVATAR, Profile, expiry_line, renewal_line
from .repos import TABS

# Where a long name or address may break besides its spaces: after punctuation that ends a part
# of it ("window.", "onerror=", "</b>") and before an @, so no identifier is cut in its middle.
BOUNDARY = re.compile(r"(?<=[./=>;:,?&'\"\\)\]}])(?=\S)|(?<=\S)(?=@)")

USER_TEXT = ('[data-user="name"]', '[data-user="preferred_username"]', '[data-user="email"]',
             "#account-name", "#urllib-result", "#expiry", "#trust")


def show_profile(p: Profile) -> None:
    show_name(q('[data-user="name"]'), p.name)
    link = q('[data-user="preferred_username"]')
    set_text(link, f"@{p.handle}")
    link.href = p.profile_url
    email = q('[data-user="email"]')
    set_breakable_text(email, p.email)
    show(email, bool(p.email))
    show(q("#pro-badge"), p.pro)
    picture = q('[data-user="picture"]')
    picture.src, picture.alt = p.picture, f"Avatar of {p.handle}"
    q("#account-avatar").src = p.picture
    set_text(q("#account-name"), p.handle)
    q("#scope-list").replaceChildren(*(_chip(label, scope) for label, scope in p.scopes))
    q("#org-list").replaceChildren(*(_org(card) for card in p.orgs))
    show(q("#orgs-empty"), not p.orgs)
    set_text(q("#private-notice-text"), p.private_notice)
    show(q("#grant-private"), p.can_grant_private)
    show(q("#private-notice"), bool(p.private_notice))
    show_trust(p.trust)


def set_breakable_text(el, text: str) -> None:
    """``text`` as text, with a line-break opportunity (<wbr>) at each boundary inside a word."""
    parts = BOUNDARY.split(text)
    nodes = [parts[0]]
    for part in parts[1:]:
        nodes += [document.createElement("wbr"), part]
    el.replaceChildren(*nodes)  # strings become text nodes: nothing is parsed


def show_name(el, name: str) -> None:
    """The display name, breakable at its boundaries; its title holds it whole, for when two
    lines cut it short (app.css)."""
    set_breakable_text(el, name)
    el.title = name


def show_trust(text: str) -> None:
    set_text(q("#trust"), text)


def _chip(label: str, scope: str):
    li = document.createElement("li")
    li.textContent, li.title = label, scope
    return li


def _org(card):
    li = clone("tpl-org")
    li.dataset.org = card.handle
    q("img", li).src = card.picture
    set_text(q(".org-name", li), card.name)
    set_text(q(".org-meta", li), card.meta)
    return li


def show_session_lines(auth) -> None:
    """The countdown, and the one line while renewals fail, by the library's clock."""
    session, now = auth.session, auth.env.clock()
    if session is None:
        return
    renewal = renewal_line(auth.renewal, now)
    set_text(q("#expiry"), expiry_line(session, now))
    set_text(q("#renewal"), renewal)
    show(q("#renewal"), bool(renewal))


_ticker: asyncio.Future | None = None


def keep_counting(auth) -> None:
    """The session lines now and every second, until the session ends. Renewal is the library's
    (keep_fresh); reading the session here ends it only once it has expired and cannot be renewed."""
    global _ticker
    show_session_lines(auth)
    if _ticker is None or _ticker.done():
        _ticker = spawn(_tick(auth))


async def _tick(auth) -> None:
    while auth.session is not None:  # else the app's session_ended() has switched the page
        show_session_lines(auth)
        await asyncio.sleep(1)


def stop_counting() -> None:
    global _ticker
    if _ticker is not None:
        _ticker.cancel()
        _ticker = None


def show_note(note) -> None:
    """``note``: a sentence, or a list of strings and (text, href) links; None hides it."""
    el = q("#signed-out-note")
    el.replaceChildren(*(_link(*part) if isinstance(part, tuple) else part
                         for part in ([note] if isinstance(note, str) else note or [])))
    show(el, bool(note))


def _link(text: str, href: str):
    link = document.createElement("a")
    link.textContent, link.href = text, href
    link.target, link.rel = "_blank", "noopener noreferrer"
    return link


def clear_profile() -> None:
    stop_counting()
    for tab in TABS:
        q(f'[data-repo-list="{tab}"]').replaceChildren()
        set_text(q(f"#tab-{tab} .count"), "")
    q("#org-list").replaceChildren()
    show(q("#renewal"), False)
    for selector in USER_TEXT:
        set_text(q(selector), "")
    q('[data-user="name"]').removeAttribute("title")
    q('[data-user="picture"]').src = PLACEHOLDER_AVATAR
    q("#account-avatar").src = PLACEHOLDER_AVATAR
