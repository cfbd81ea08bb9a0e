"""The Space: the story of a visit. The page's states are in ``states``, what the signed-in page
says in ``profile``, the banner, the tabs and the urllib demo in modules of their own."""

from __future__ import annotations

import asyncio
from urllib.parse import parse_qs, urlsplit

from pyscript import document

from hfsignin import HFSignIn, SignInError
from hfsignin import errors as E
from hfsignin.environment import browser_environment
from hfsignin.popup import TIMEOUT_SECONDS

from . import profile_page, urllib_demo
from .banner import Banner
from .dom import announce, console_warn, mark, on, on_fault, q, set_text, show, spawn, take_query
from .pending import Pending
from .profile import PRIVATE_SCOPE, profile_of, sign_in_scopes, signed_out_announcement, signed_out_note, trust_line
from .repos import TABS, RepoBoard
from .states import COMPLETING, PENDING, POPUP, REDIRECTING, SIGNED_IN, SIGNED_OUT, Page
from .states import ERROR as ERROR_STATE
from .tabs import Tabs
from .text import CANCELLED_NOTE, SESSION_ENDED, provider_note

STALE_CALLBACK = frozenset({E.TRANSACTION_MISSING, E.STATE_MISMATCH})


class App:
    def __init__(self) -> None:
        self.auth: HFSignIn | None = None
        self.popup = None  # the pending popup sign-in (hfsignin.popup), while its window is open
        self.use_popup = True
        self.board: RepoBoard | None = None
        self.sign_in_button = q('[data-action="sign-in"]')
        self.page = Page(document.documentElement, busy_text=q("#busy-text"), sign_in_button=self.sign_in_button,
                         announce=announce, mark=mark, warn=console_warn)
        self.banner = Banner()
        self.pending: Pending | None = None  # the pending view's retries, once the library runs
        # boot.js made the sign-in control a link to a new tab (a frame that cannot sign in here)
        self.framed = document.documentElement.getAttribute("data-sign-in") == "new-tab"
        self._wire()

    def _wire(self) -> None:
        if not self.framed:  # framed, boot.js made the button a link to a new tab
            on(self.sign_in_button, "click", lambda evt: self.sign_in())
        on(q('[data-action="sign-out"]'), "click", lambda evt: self.sign_out())
        on(q('[data-action="pending-sign-out"]'), "click", lambda evt: self.sign_out())
        on(q('[data-action="other-account"]'), "click", lambda evt: self.sign_in(prompt="login"))
        on(q('[data-action="show-popup"]'), "click", lambda evt: self.sign_in())
        on(q('[data-action="cancel-popup"]'), "click", lambda evt: self.cancel_popup())
        on(q('[data-action="grant-more"]'), "click", lambda evt: self.change_access())
        on(q('[data-action="grant-private"]'), "click", lambda evt: self.change_access(add=PRIVATE_SCOPE))
        on(q('[data-action="urllib-whoami"]'), "click", lambda evt: urllib_demo.whoami(self.auth))
        on(q("#sort"), "change", lambda evt: self.board and self.board.set_sort(evt.target.value))
        on(document.defaultView, "pageshow", self.page_shown)
        Tabs(TABS)

    # -- arriving ---------------------------------------------------------------------------

    async def run(self) -> None:
        self.page.python_ready()
        set_text(q("#runtime-status"), "Python ready")
        # A task boundary: boot.js's watchdog sees "ready" and, if it had shown a boot failure,
        # puts back the state it replaced before Python writes its first.
        await asyncio.sleep(0)
        try:
            env = browser_environment()
            # Space variables (docs/space.md): keep the session for the browser instead of the tab; sign in
            # by leaving the page instead of through a window; how long a sign-in window is waited for.
            self.auth = HFSignIn(env=env, persist=str(env.variables.get("HFSIGNIN_PERSIST") or "tab"),
                                 popup_timeout=popup_timeout(env.variables.get("HFSIGNIN_POPUP_TIMEOUT")))
            self.use_popup = str(env.variables.get("HFSIGNIN_SIGN_IN") or "popup") != "redirect"
        except SignInError as exc:
            self.fail(exc, retry=None)
            self.drop_early_click()
            return
        self.page.can_sign_in = not self.framed
        self.pending = Pending(self.auth.env.clock)
        self.auth.on_session_end(self.session_ended)
        self.auth.on_session(self.session_changed)
        self.auth.on_renewal(lambda renewal: profile_page.show_session_lines(self.auth))
        self.auth.popups.on_status(self.popup_status)
        spawn(urllib_demo.patch_soon())
        show(q("#private-option"), PRIVATE_SCOPE in self.auth.config.scopes)
        set_text(q("#provider-note"), provider_note(self.auth.config.provider_url))
        await self.start()
        self.drop_early_click()  # a visit that did not end on the sign-in button: nothing to sign in

    async def start(self) -> None:
        # ?sign-in (?sign-in=private: with private repositories): the embedded copy opened this tab
        # to run the sign-in top-level, with the choice made there
        wanted = None if self.framed else take_query("sign-in")
        if wanted == "private":
            q("#want-private").checked = True
        if self.auth.has_callback():
            if returns_a_code(self.auth.env.navigator.current_url()):  # a refusal completes nothing
                self.page.enter(COMPLETING)
            try:
                session = await self.auth.handle_redirect()
            except SignInError as exc:
                await self._after_failed_callback(exc)
                return
        else:
            try:
                session = await self.auth.restore()
            except SignInError as exc:  # the provider is unreachable: the session is kept and tried again
                self.wait_for_profile(exc, self.start, stored=True)
                return
        if session is not None:
            mark("session")
            await self.show_signed_in(session)
        elif wanted is not None:  # not in a click: no window would open, so this tab itself goes
            await self.sign_in(popup=False)
        else:
            self.show_signed_out()
            self.take_early_click()

    def take_early_click(self) -> None:
        """A click on the sign-in button before Python was ready (``static_site/boot.js`` kept it):
        its window, opened in that click, is pointed at the provider now; without one (refused,
        or a page that signs in by leaving) the page leaves; a window closed meanwhile, nothing."""
        early = self._early_click()
        if not early:
            return
        opened = early.window
        if opened and opened.closed:
            announce("Sign-in window closed")
            return
        pending = self.sign_in(window=opened) if opened else self.sign_in(popup=False)
        if pending is not None:
            spawn(pending)

    def drop_early_click(self) -> None:
        """An early click the page did not take over (a session was restored, the provider was
        unreachable, the Space is misconfigured): its placeholder window is closed."""
        early = self._early_click()
        if early and early.window and not early.window.closed:
            early.window.close()

    def _early_click(self):
        """boot.js's record of a click before Python was ready (taken: it is cleared), or None."""
        view = document.defaultView
        early = getattr(view, "hfsigninEarlyClick", None)
        if early:
            view.hfsigninEarlyClick = None
            document.documentElement.removeAttribute("data-early-click")
            self.sign_in_button.removeAttribute("aria-busy")
        return early or None

    async def _after_failed_callback(self, exc: SignInError) -> None:
        if self.auth.profile_pending:  # the tokens are good, the profile is late
            self.wait_for_profile(exc, self._finish)
            return
        try:
            previous = await self.auth.restore()
        except SignInError:
            previous = None
        if previous is None:
            if exc.code == E.ACCESS_DENIED:
                self.cancelled()
            else:
                self.fail(exc, retry=self.sign_in)
            return
        await self.show_signed_in(previous)
        # Back or reload onto an old callback, or a forged one, while signed in: it changes
        # nothing, so it says nothing; nor does a re-consent the visitor cancelled (only said).
        # Anything else is reported.
        if exc.code not in STALE_CALLBACK:
            self._still_signed_in_after(exc, retry=self.change_access)

    def _still_signed_in_after(self, exc: SignInError, retry) -> None:
        """A sign-in failed while the earlier session stays: a re-consent the visitor cancelled
        changed nothing and is only said; anything else gets the banner."""
        if exc.code == E.ACCESS_DENIED:
            announce("Nothing changed: you cancelled on Hugging Face")
        else:
            self.banner.error(exc, retry=retry)

    def cancelled(self) -> None:
        """The visitor said no on the provider's page: a choice, not an error. A note, focused; the
        sign-in button is the one thing to do next."""
        self.show_signed_out(CANCELLED_NOTE)
        note = q("#signed-out-note")
        note.dataset.note = E.ACCESS_DENIED
        note.focus()

    def wait_for_profile(self, exc: SignInError, retry, *, stored: bool = False) -> None:
        """Signed in, the profile not loaded yet: the pending view, tried again on its own."""
        first = self.page.state != PENDING
        self.page.enter(PENDING)
        self.pending.wait(exc, retry, stored=stored)
        if first:
            q("#pending-title").focus()

    async def _finish(self) -> None:
        """The held sign-in's profile, asked again (``HFSignIn.finish_sign_in``)."""
        try:
            session = await self.auth.finish_sign_in()
        except SignInError as exc:
            if self.auth.profile_pending:
                self.wait_for_profile(exc, self._finish)
            elif exc.code != E.CANCELLED:  # cancelled: signed out meanwhile, which said so
                self.fail(exc, retry=self.sign_in)
            return
        mark("session")
        await self.show_signed_in(session)

    def fail(self, exc: SignInError, retry=None) -> None:
        """A sign-in that cannot go on: the error state, the banner, the button back."""
        self.page.enter(ERROR_STATE)
        self.banner.error(exc, retry)

    # -- signing in and out -----------------------------------------------------------------

    def show_signed_out(self, note=None) -> None:
        """``note``: why, as ``profile_page.show_note`` takes it."""
        if self.pending is not None:
            self.pending.stop()
        profile_page.show_note(note)
        q("#signed-out-note").removeAttribute("data-note")
        show(q('[data-action="other-account"]'), False)  # sign-out offers it (_tell_signed_out)
        self.page.enter(SIGNED_OUT)
        if not self.framed:
            spawn(self._prefetch())

    async def _prefetch(self) -> None:
        try:
            await self.auth.prefetch()
        except SignInError:
            pass  # the click will show the problem, with a retry

    def sign_in(self, scopes=None, prompt=None, *, popup=True, window=None):
        """Called in the click: the sign-in window opens in it (``hfsignin.popup``), or ``window``
        is the one an earlier click opened. Returns what is left to await (``on`` runs it), or
        None when a window already open was focused."""
        if self.framed:  # a retry in a frame that cannot sign in: the library's navigator opens a new tab
            return self.auth.login()
        if scopes is None:
            scopes = sign_in_scopes(self.auth.config.scopes, None, want_private=q("#want-private").checked)
        self.banner.hide()
        popup = popup and self.use_popup
        pending = self.auth.login(popup=popup, window=window if popup else None, scopes=scopes, prompt=prompt)
        if pending is self.popup:
            return None  # the library focused the open window
        if popup and self.auth.popups.pending:
            self.popup = pending
            self.page.enter(POPUP)
        else:
            self.page.enter(REDIRECTING)  # no window (blocked): the page itself goes
        return self._signed_in_by(pending, lambda: self.sign_in(scopes, prompt))

    async def _signed_in_by(self, pending, retry) -> None:
        try:
            session = await pending
        except SignInError as exc:
            if pending is self.popup:
                self.popup = None
                if self.auth.profile_pending:
                    self.wait_for_profile(exc, self._finish)
                    return
                self._popup_failed(exc, retry)
            elif self.page.state == REDIRECTING:
                self.fail(exc, retry=retry)
            return
        if pending is not self.popup:
            return  # the page is leaving for the provider
        self.popup = None
        mark("session")
        await self.show_signed_in(session)

    def _popup_failed(self, exc: SignInError, retry) -> None:
        if exc.code == E.CANCELLED:
            if self.page.state == POPUP:  # cancelled here (not by a sign-out, which says its own)
                self.show_signed_out()
                announce("Sign-in cancelled")
                self.sign_in_button.focus()
            return
        if exc.code == E.POPUP_CLOSED:
            self.show_signed_out(exc.message)
            announce("Sign-in window closed")
            self.sign_in_button.focus()
            return
        if self.auth.session is not None:  # e.g. a denied re-consent: still signed in as before
            spawn(self.show_signed_in(self.auth.session))
            self._still_signed_in_after(exc, retry)
            return
        if exc.code == E.ACCESS_DENIED:
            self.cancelled()
            return
        self.fail(exc, retry=retry)
        retry_button = q("#banner-retry")
        (self.sign_in_button if retry_button.hidden else retry_button).focus()  # the banner itself is announced

    def popup_status(self, status: str) -> None:
        if status == "answered" and self.page.state == POPUP:
            self.page.enter(COMPLETING)
        elif status == "waiting" and self.page.state == POPUP:
            set_text(q("#busy-text"), "Waiting for Hugging Face… If you closed its window, cancel or open it again.")
            set_text(q('[data-action="show-popup"]'), "Open the sign-in window again")
        elif status == "opened":
            set_text(q('[data-action="show-popup"]'), "Show the sign-in window")

    def cancel_popup(self) -> None:
        if self.auth.popups.pending:
            self.auth.popups.cancel()

    def page_shown(self, evt) -> None:
        """Back from the provider's page to this page as it was left (a browser's back-forward
        cache, Firefox's here): it is not leaving any more."""
        if not evt.persisted or self.page.state != REDIRECTING:
            return
        session = self.auth.session
        if session is None:
            self.show_signed_out()
        else:
            self.page.enter(SIGNED_IN, name=profile_of(session, self.auth.config.provider_url, ()).name)

    def change_access(self, add: str | None = None):
        """The consent page again (to share other organizations, or ``add`` a scope), keeping the granted scopes."""
        session = self.auth.session
        granted = session.scopes if session is not None else ([] if add else self.auth.config.scopes)
        return self.sign_in(scopes=sign_in_scopes(self.auth.config.scopes, granted, add=add), prompt="consent")

    def sign_out(self) -> None:
        signed_out = self.auth.sign_out()  # memory and storage are wiped now, in the click's own task
        self._clear_user()
        self.banner.hide()
        self.show_signed_out(signed_out_note(0, self.auth.connected_apps_url))
        self.sign_in_button.focus()
        spawn(self._tell_signed_out(signed_out))

    async def _tell_signed_out(self, signed_out) -> None:
        others = await signed_out
        picks = await self._provider_lets_pick_an_account()
        if self.page.state == SIGNED_OUT:  # not signing in again meanwhile
            show(q('[data-action="other-account"]'), picks and not self.framed)
            provider = None if picks else self.auth.config.provider_url
            profile_page.show_note(signed_out_note(others, self.auth.connected_apps_url, provider))
        announce(signed_out_announcement(others))

    async def _provider_lets_pick_an_account(self) -> bool:
        """Whether the provider says it honours ``prompt=login`` (its discovery document). Hugging
        Face is not known to (docs/devhub.md, the parity table): there the note says what to do."""
        try:
            return "login" in (await self.auth.metadata()).prompts
        except SignInError:
            return False

    # -- the session's life ---------------------------------------------------------------

    def session_ended(self, reason: str) -> None:
        if reason == "signed_out":
            return  # sign_out() says what happened
        self._clear_user()
        if reason == "signed_out_elsewhere":
            self.show_signed_out("You signed out in another tab.")
            announce("You signed out in another tab")
            return
        self.show_signed_out()
        self.banner.show(E.SESSION_EXPIRED, SESSION_ENDED.get(reason, SESSION_ENDED["revoked"]), retry=self.sign_in)
        announce("Your session ended")

    def session_changed(self, session) -> None:
        """Renewed here or in another tab, or (persist="local") signed in in another tab."""
        if self.page.state == SIGNED_IN:
            profile_page.show_session_lines(self.auth)
            profile_page.show_trust(trust_line(session.trust))
        elif self.page.state != REDIRECTING:  # not while the page leaves for the provider
            spawn(self.show_signed_in(session))

    def _clear_user(self) -> None:
        self.board = None
        profile_page.clear_profile()

    async def show_signed_in(self, session) -> None:
        self.pending.stop()
        profile = profile_of(session, self.auth.config.provider_url, self.auth.config.scopes)
        profile_page.show_profile(profile)
        profile_page.show_note(None)
        show(q("#session-kept"), self.auth.env.storage_kind == "memory")  # a reload forgets it: say so
        self.page.enter(SIGNED_IN, name=profile.name)
        q("#profile-name").focus()
        profile_page.keep_counting(self.auth)
        self.auth.keep_fresh()
        self.board = RepoBoard(self.auth, session, clock=self.auth.env.clock)
        q("#sort").value = self.board.sort_key
        await self.board.load()
        mark("repos")


def returns_a_code(url: str) -> bool:
    """The provider's answer carries a code (in the query or the fragment): there is a sign-in to
    complete. An ``error=`` alone is a refusal: nothing to wait for."""
    parts = urlsplit(url)
    return any("code" in parse_qs(part, keep_blank_values=True) for part in (parts.query, parts.fragment))


def popup_timeout(value) -> float:
    """``HFSIGNIN_POPUP_TIMEOUT`` in seconds (5 to 3600); anything else: the library's default."""
    try:
        seconds = float(str(value))
    except ValueError:
        return TIMEOUT_SECONDS
    return seconds if 5 <= seconds <= 3600 else TIMEOUT_SECONDS


def start() -> None:
    """Entry point from index.html."""
    mark("python")
    app = App()
    on_fault(app.banner.fault)
    spawn(app.run())
