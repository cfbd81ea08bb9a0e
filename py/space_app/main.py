"""The Space: wires hfsignin to the page and keeps the page honest about state."""

from __future__ import annotations

import asyncio
import json
import time
import traceback
from urllib.parse import parse_qs, quote, urlencode

from pyscript import document

from hfsignin import HFSignIn, SignInError, safe_link
from hfsignin.environment import browser_environment
from hfsignin.session import REPO_READ_SCOPES

from .dom import announce, clone, console_warn, mark, on, on_fault, q, set_auth_state, set_text, show, spawn
from .repos import TABS, RepoBoard
from .text import countdown, display_text, error_title, renewal_reason, scope_label

PLACEHOLDER_AVATAR = "./static_site/avatar.svg"
PRIVATE_SCOPE = "read-repos"
STALE_CALLBACK = frozenset({"transaction_missing", "state_mismatch"})


class App:
    def __init__(self) -> None:
        self.auth: HFSignIn | None = None
        self.board: RepoBoard | None = None
        self.retry = None
        self.ticker: asyncio.Future | None = None
        self.urllib_ready = False
        self.sign_in_button = q('[data-action="sign-in"]')

    # -- boot ----------------------------------------------------------------------------

    async def run(self) -> None:
        self._wire()
        document.documentElement.dataset.python = "ready"
        set_text(q("#runtime-status"), "Python ready")
        try:
            env = browser_environment()
            # A Space variable may keep the session for the browser instead of the tab (README).
            self.auth = HFSignIn(env=env, persist=str(env.variables.get("HFSIGNIN_PERSIST") or "tab"))
        except SignInError as exc:
            self.fail(exc, retry=None)
            return
        self.auth.on_session_end(self.session_ended)
        self.auth.on_session(self.session_changed)
        self.auth.on_renewal(self.renewal_changed)
        spawn(self._patch_urllib())
        config = self.auth.config
        show(q("#private-option"), PRIVATE_SCOPE in config.scopes)
        host = config.provider_url.split("://", 1)[1]
        set_text(q("#provider-note"), f"Signs in with {host}"
                 + (" (devhub, a local stand-in)" if host.startswith(("localhost", "127.0.0.1")) else ""))
        await self.start()

    async def start(self) -> None:
        auth = self.auth
        wants_sign_in = self._take_sign_in_request()
        if auth.has_callback():
            set_auth_state("completing")
            set_text(q("#busy-text"), "Completing sign-in…")
            try:
                session = await auth.handle_redirect()
            except SignInError as exc:
                await self._after_failed_callback(exc)
                return
        else:
            set_text(q("#busy-text"), "Restoring your session…")
            try:
                session = await auth.restore()
            except SignInError as exc:  # the provider is unreachable: keep the session, offer a retry
                self.fail(exc, retry=self.start)
                return
        if session is not None:
            mark("session")
            await self.show_signed_in(session)
        elif wants_sign_in:
            await self.sign_in()
        else:
            self.show_signed_out()

    def _take_sign_in_request(self) -> bool:
        """``?sign-in``: the embedded copy opened this tab to run the sign-in top-level."""
        location = document.defaultView.location
        params = parse_qs(location.search.lstrip("?"), keep_blank_values=True)
        if "sign-in" not in params or self.framed:
            return False
        rest = urlencode([(k, v) for k, vs in params.items() if k != "sign-in" for v in vs])
        document.defaultView.history.replaceState(None, "", location.pathname + (f"?{rest}" if rest else ""))
        return True

    async def _after_failed_callback(self, exc: SignInError) -> None:
        try:
            previous = await self.auth.restore()
        except SignInError:
            previous = None
        if previous is None:
            self.fail(exc, retry=self.sign_in)
            return
        await self.show_signed_in(previous)
        # Back or reload onto an old callback, or a forged one, while signed in: it changes
        # nothing, so it says nothing. Anything else (e.g. a denied re-consent) is reported.
        if exc.code not in STALE_CALLBACK:
            self.banner(exc, retry=self.change_access)

    @property
    def framed(self) -> bool:
        """Embedded where sign-in must happen in a new tab (boot.js turned the button into a link)."""
        return document.documentElement.getAttribute("data-embed") in ("framed", "blocked")


    async def _patch_urllib(self) -> None:
        """Done at boot, but after the first render is under way: pyodide-http's imports are
        not on the sign-in's critical path."""
        await asyncio.sleep(0)
        self._ensure_urllib()

    def _ensure_urllib(self) -> bool:
        """pyodide-http makes urllib.request work in the page (the urllib demo). Idempotent."""
        if not self.urllib_ready:
            try:
                import pyodide_http

                pyodide_http.patch_all()
                self.urllib_ready = True
            except Exception:  # noqa: BLE001 - the demo degrades, sign-in does not depend on it
                console_warn("pyodide-http could not be loaded")
        return self.urllib_ready

    def _wire(self) -> None:
        if not self.framed:
            on(self.sign_in_button, "click", lambda evt: self.sign_in())
        on(q('[data-action="sign-out"]'), "click", lambda evt: self.sign_out())
        on(q('[data-action="grant-more"]'), "click", lambda evt: self.change_access())
        on(q('[data-action="grant-private"]'), "click", lambda evt: self.grant_private())
        on(q('[data-action="urllib-whoami"]'), "click", lambda evt: self.urllib_whoami())
        on(q('[data-action="retry"]'), "click", lambda evt: self.run_retry())
        on(q('[data-action="dismiss"]'), "click", lambda evt: self.hide_banner())
        on(q("#sort"), "change", lambda evt: self.board and self.board.set_sort(evt.target.value))
        for tab in TABS:
            on(q(f"#tab-{tab}"), "click", lambda evt, t=tab: self.select_tab(t))
            on(q(f"#tab-{tab}"), "keydown", self.tab_keys)

    # -- banner and faults ---------------------------------------------------------------

    def banner(self, exc: SignInError, retry=None) -> None:
        title, action = error_title(exc.code)
        el = q("#banner")
        el.dataset.error = exc.code
        set_text(q("#banner-title"), title)
        set_text(q("#banner-message"), exc.message)
        button = q("#banner-retry")
        self.retry = retry if action else None
        show(button, self.retry is not None)
        set_text(button, action or "")
        show(el, True)

    def hide_banner(self) -> None:
        el = q("#banner")
        show(el, False)
        el.removeAttribute("data-error")
        self.retry = None

    def fail(self, exc: SignInError, retry=None) -> None:
        """A sign-in that cannot go on: the error state, the banner, the button back."""
        set_auth_state("error")
        self.sign_in_button.disabled = self.auth is None and not self.framed
        self.banner(exc, retry)

    async def run_retry(self) -> None:
        retry = self.retry
        self.hide_banner()
        if retry is not None:
            await retry()

    def fault(self, exc: Exception) -> None:
        """An unexpected exception: say so plainly, keep the details out of the page."""
        # Where, never what: an exception's text could carry data, its location cannot.
        where = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
        at = f" at {where.filename.rsplit('/', 1)[-1]}:{where.lineno} in {where.name}" if where else ""
        console_warn(f"hfsignin app: unexpected {type(exc).__name__}{at}")
        if isinstance(exc, SignInError):
            self.banner(exc, retry=None)
            return

        async def reload():
            document.defaultView.location.reload()

        self.banner(SignInError("internal", "The page hit an unexpected problem. Reloading usually fixes it."),
                    retry=reload)

    # -- signed out ----------------------------------------------------------------------

    def show_signed_out(self, note=None) -> None:
        """``note``: a sentence (or a list of strings and (text, href) links) to say why."""
        self._note(note)
        set_auth_state("signed-out")
        if self.framed:
            return  # sign-in happens in a new tab: nothing to prepare here
        self.sign_in_button.disabled = False
        mark("ready")
        spawn(self._prefetch())

    async def _prefetch(self) -> None:
        try:
            await self.auth.prefetch()
        except SignInError:
            pass  # the click will show the problem, with a retry

    async def sign_in(self, scopes=None, prompt=None) -> None:
        if self.framed:  # the provider's page cannot be framed: the whole flow runs in a new tab
            document.defaultView.open(self.sign_in_button.href, "_blank", "noopener")
            return
        if scopes is None:
            want_private = q("#want-private").checked
            scopes = [s for s in self.auth.config.scopes if want_private or s != PRIVATE_SCOPE]
        self.hide_banner()
        self.sign_in_button.disabled = True
        set_auth_state("redirecting")
        set_text(q("#busy-text"), "Taking you to Hugging Face…")
        announce("Taking you to Hugging Face to sign in")
        try:
            await self.auth.login(scopes=scopes, prompt=prompt)
        except SignInError as exc:
            self.fail(exc, retry=lambda: self.sign_in(scopes, prompt))

    async def change_access(self) -> None:
        """Show the consent page again (to share other organizations), keeping the granted scopes."""
        session = self.auth.session
        scopes = [s for s in self.auth.config.scopes if session is None or s in session.scopes]
        await self.sign_in(scopes=scopes, prompt="consent")

    async def grant_private(self) -> None:
        session = self.auth.session
        scopes = [s for s in self.auth.config.scopes if s == PRIVATE_SCOPE or (session and s in session.scopes)]
        await self.sign_in(scopes=scopes, prompt="consent")

    def sign_out(self) -> None:
        signed_out = self.auth.sign_out()  # memory and storage are wiped now, in the click's own task
        self._clear_user()
        self.hide_banner()
        self.show_signed_out(self._signed_out_note(0))
        self.sign_in_button.focus()
        spawn(self._tell_signed_out(signed_out))

    async def _tell_signed_out(self, signed_out) -> None:
        others = await signed_out
        if others:
            self._note(self._signed_out_note(others))
        announce("Signed out of this tab" + (f" and {others} other tab{'s' if others > 1 else ''}" if others else ""))

    def _signed_out_note(self, others: int) -> list:
        where = "this tab" if not others else f"this tab and {others} other tab{'s' if others > 1 else ''}"
        return [f"Signed out of {where}. Hugging Face keeps this Space's access until its token expires; "
                "to revoke it for good, use ", ("Connected applications", self.auth.connected_apps_url),
                " in your Hugging Face settings."]

    def session_ended(self, reason: str) -> None:
        if reason == "signed_out":
            return  # sign_out() above says what happened
        self._clear_user()
        if reason == "signed_out_elsewhere":
            self.show_signed_out("You signed out in another tab.")
            announce("You signed out in another tab")
            return
        self.show_signed_out()
        message = ("Your session expired. Sign in again to continue: you will not be asked for consent again."
                   if reason == "expired"
                   else "Your session was revoked or is no longer valid. Sign in again to continue.")
        self.banner(SignInError("session_expired", message), retry=self.sign_in)
        announce("Your session ended")

    def session_changed(self, session) -> None:
        """Renewed here or in another tab, or (persist="local") signed in in another tab."""
        if document.documentElement.dataset.auth == "signed-in":
            self._tick(session)
            self._trust(session)
        else:
            spawn(self.show_signed_in(session))

    def renewal_changed(self, renewal) -> None:
        """One line while renewals fail: what happened and when the next try is (the ticker
        calls this every second, so the time counts down)."""
        line = q("#renewal")
        if renewal is None:
            show(line, False)
            return
        wait = countdown(max(1.0, renewal.retry_at - self.auth.env.clock()))
        set_text(line, f"Could not renew the session: {renewal_reason(renewal.code)}; trying again in {wait}. "
                       "You stay signed in until it expires.")
        show(line, True)

    def _note(self, note) -> None:
        el = q("#signed-out-note")
        el.replaceChildren()
        for part in ([note] if isinstance(note, str) else note or []):
            if isinstance(part, tuple):
                link = document.createElement("a")
                link.textContent, link.href = part
                link.target, link.rel = "_blank", "noopener noreferrer"
                el.append(link)
            else:
                el.append(part)
        show(el, bool(note))

    def _clear_user(self) -> None:
        if self.ticker is not None:
            self.ticker.cancel()
            self.ticker = None
        self.board = None
        for tab in TABS:
            q(f'[data-repo-list="{tab}"]').replaceChildren()
            set_text(q(f"#tab-{tab} .count"), "")
        q("#org-list").replaceChildren()
        show(q("#renewal"), False)
        for sel in ('[data-user="name"]', '[data-user="preferred_username"]', '[data-user="email"]',
                    "#account-name", "#urllib-result", "#expiry", "#trust"):
            set_text(q(sel), "")
        q('[data-user="picture"]').src = PLACEHOLDER_AVATAR
        q("#account-avatar").src = PLACEHOLDER_AVATAR

    # -- signed in -----------------------------------------------------------------------

    def picture_for(self, url) -> str:
        """Only https (or the provider's own origin) may become an image; else a placeholder."""
        return safe_link(url, self.auth.config.provider_url) or PLACEHOLDER_AVATAR

    async def show_signed_in(self, session) -> None:
        user = session.user
        provider = self.auth.config.provider_url
        name = display_text(user.name or user.preferred_username, 80)
        handle = display_text(user.preferred_username, 40)
        set_text(q('[data-user="name"]'), name)
        link = q('[data-user="preferred_username"]')
        set_text(link, f"@{handle}")
        link.href = f"{provider}/{quote(user.preferred_username or '', safe='')}"
        email = q('[data-user="email"]')
        set_text(email, display_text(user.email or "", 120))
        show(email, bool(user.email))
        show(q("#pro-badge"), user.is_pro)
        picture = self.picture_for(user.picture)
        q('[data-user="picture"]').src = picture
        q('[data-user="picture"]').alt = f"Avatar of {handle}"
        q("#account-avatar").src = picture
        set_text(q("#account-name"), handle)

        chips = q("#scope-list")
        chips.replaceChildren()
        for scope in session.scopes:
            li = document.createElement("li")
            li.textContent = scope_label(scope)
            li.title = scope
            chips.append(li)

        orgs = q("#org-list")
        orgs.replaceChildren()
        for org in user.orgs:
            li = clone("tpl-org")
            li.dataset.org = org.preferred_username or org.sub
            q("img", li).src = self.picture_for(org.picture)
            set_text(q(".org-name", li), display_text(org.name or org.preferred_username, 60))
            meta = [display_text(org.preferred_username, 40)]
            if org.plan:
                meta.append(display_text(org.plan, 20))
            if org.role_in_org:
                meta.append(display_text(org.role_in_org, 20))
            set_text(q(".org-meta", li), " · ".join(m for m in meta if m))
            orgs.append(li)
        show(q("#orgs-empty"), not user.orgs)

        self._private_notice(session)
        self._trust(session)
        self._note(None)
        set_auth_state("signed-in")
        mark("profile")
        announce(f"Signed in as {name}")
        q("#profile-name").focus()
        self._tick(session)
        self.auth.keep_fresh()
        if self.ticker is None or self.ticker.done():
            self.ticker = spawn(self._run_ticker())
        self.board = RepoBoard(self, session)
        q("#sort").value = self.board.sort_key
        await self.board.load()
        mark("repos")

    def _private_notice(self, session) -> None:
        notice = q("#private-notice")
        if session.can_read_private_repos:
            show(notice, False)
            return
        configured = bool(REPO_READ_SCOPES & set(self.auth.config.scopes))
        set_text(q("#private-notice-text"),
                 "Private repositories are hidden: this Space was not granted read access to them."
                 if configured else "Private repositories are hidden: this Space does not ask for access to them.")
        show(q("#grant-private"), configured)
        show(notice, True)

    def _tick(self, session) -> None:
        left = session.expires_in(self.auth.env.clock())
        if left <= 0:
            set_text(q("#expiry"), "Renewing…")
            return
        renews = " · renews automatically" if session.refresh_token else " · sign in again then"
        set_text(q("#expiry"), f"Expires in {countdown(left)}{renews}")

    def _trust(self, session) -> None:
        set_text(q("#trust"), "Signature checked with the provider's key (RS256, WebCrypto), every claim validated"
                 if session.trust == "signature" else
                 "Trusted over TLS: the provider's signing keys could not be fetched; every claim validated "
                 "and the profile's subject matched")

    async def _run_ticker(self) -> None:
        """Every second: the countdown. Renewal is the library's (keep_fresh); reading the session
        here ends it only once it has really expired and cannot be renewed."""
        while True:
            session = self.auth.session
            if session is None:
                return  # session_ended() has already switched the page
            self._tick(session)
            if self.auth.renewal is not None:
                self.renewal_changed(self.auth.renewal)
            await asyncio.sleep(1)

    def select_tab(self, tab: str) -> None:
        for name in TABS:
            selected = name == tab
            button = q(f"#tab-{name}")
            button.setAttribute("aria-selected", "true" if selected else "false")
            button.tabIndex = 0 if selected else -1
            q(f"#panel-{name}").hidden = not selected

    def tab_keys(self, evt) -> None:
        order = list(TABS)
        current = evt.target.dataset.kind
        if evt.key not in ("ArrowLeft", "ArrowRight", "Home", "End") or current not in order:
            return
        evt.preventDefault()
        i = order.index(current)
        target = {"ArrowLeft": order[i - 1], "ArrowRight": order[(i + 1) % len(order)],
                  "Home": order[0], "End": order[-1]}[evt.key]
        self.select_tab(target)
        q(f"#tab-{target}").focus()

    # -- plain urllib through pyodide-http -----------------------------------------------

    def urllib_whoami(self) -> None:
        """A real synchronous call with urllib.request (patched by pyodide-http at boot)."""
        import urllib.error
        import urllib.request

        out = q("#urllib-result")
        session = self.auth.session
        if session is None:
            return
        if not self._ensure_urllib():
            set_text(out, "urllib.request is not available here (pyodide-http could not be loaded)")
            return
        url = self.auth.config.provider_url + "/api/whoami-v2"
        request = urllib.request.Request(url, headers={"Accept": "application/json", **session.authorization()})
        try:
            with urllib.request.urlopen(request, timeout=10) as resp:
                body = json.loads(resp.read().decode("utf-8"))
                status = resp.status
        except urllib.error.HTTPError as exc:
            set_text(out, f"urllib.request → HTTP {exc.code}")
            return
        except Exception as exc:  # noqa: BLE001 - shown as a short, safe line
            set_text(out, f"urllib.request failed ({type(exc).__name__})")
            return
        orgs = ", ".join(display_text(o.get("name"), 40) for o in body.get("orgs", []) if isinstance(o, dict))
        set_text(out, "\n".join([
            f"GET /api/whoami-v2 → {status} (urllib.request via pyodide-http)",
            f"name: {display_text(body.get('name'), 40)}",
            f"fullname: {display_text(body.get('fullname'), 80)}",
            f"orgs: {orgs or '—'}",
        ]))


def start() -> None:
    """Entry point from index.html."""
    mark("python")
    app = App()
    on_fault(app.fault)
    spawn(app.run())
