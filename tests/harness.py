"""Test support: finding Chromium (the system's first: these machines cannot
download Playwright's; Playwright's own otherwise), devhub's control API, and a
form driver for the hub's sign-in and consent pages."""

from __future__ import annotations

import html
import os
import re
import shlex
import shutil
import sys
import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
from playwright.sync_api import expect

from devhub.cookies import browser_like_jar
from hfsignin.pkce import generate_verifier, random_token, s256_challenge

INSTALL_HINT = (
    "No Chromium was found for the end-to-end tests. Install one of:\n"
    "  - Debian/Ubuntu: sudo apt-get install -y chromium\n"
    "  - anywhere with internet: .venv/bin/python -m playwright install chromium\n"
    "or point HFSIGNIN_CHROMIUM at a Chromium/Chrome binary."
)

QUIET_FLAGS = [
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--no-first-run",
    "--disable-quic",
]


def system_chromium() -> str | None:
    explicit = os.environ.get("HFSIGNIN_CHROMIUM")
    if explicit:
        return explicit if Path(explicit).is_file() else None
    for candidate in ("/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(candidate)
        if found:
            return found
    return None


def playwright_chromium() -> str | None:
    try:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as p:
            path = p.chromium.executable_path
    except Exception:  # noqa: BLE001 - no driver, no browser: both mean "none"
        return None
    return path if path and Path(path).is_file() else None


def machine_state() -> str:
    """Free disk where browsers keep their temporary files, available memory, load: for a report."""
    import tempfile

    free = shutil.disk_usage(tempfile.gettempdir()).free / 2**20
    try:
        meminfo = dict(line.split(":", 1) for line in Path("/proc/meminfo").read_text().splitlines())
        available = int(meminfo["MemAvailable"].split()[0]) / 1024
    except (OSError, KeyError, ValueError):
        available = float("nan")
    load = os.getloadavg() if hasattr(os, "getloadavg") else ()
    return f"free in {tempfile.gettempdir()}: {free:.0f} MiB, memory available: {available:.0f} MiB, load: {load}"


def find_chromium() -> str | None:
    """A Chromium executable path, or None (then print INSTALL_HINT)."""
    return system_chromium() or playwright_chromium()


def launch_args(extra: list[str] | None = None) -> list[str]:
    args = list(QUIET_FLAGS)
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        args.append("--no-sandbox")  # Chromium refuses to sandbox as root
    return args + list(extra or [])


# -- Firefox (ESR, over WebDriver BiDi) ----------------------------------------------------------

FIREFOX_INSTALL_HINT = (
    "No Firefox was found for the end-to-end tests in Firefox (tests marked 'firefox'). Install one of:\n"
    "  - Debian/Ubuntu: sudo apt-get install -y firefox-esr\n"
    "  - elsewhere: your distribution's Firefox (tested with Firefox ESR 153)\n"
    "or point HFSIGNIN_FIREFOX at a Firefox binary."
)

# network.cookie.cookieBehavior: 1 rejects third-party cookies and storage. In Firefox 153 a
# cross-site frame then keeps sessionStorage but localStorage and IndexedDB throw SecurityError
# (boot.js's IndexedDB probe finds that: data-embed="blocked"). 5 is Firefox's own default, Total
# Cookie Protection: third-party storage works, partitioned per top-level site (data-embed="framed").
# (Playwright's profile otherwise ends up at 0, accept all. 2 would block storage top-level too.)
FIREFOX_3P_BLOCKED = {"network.cookie.cookieBehavior": 1}
FIREFOX_3P_ALLOWED = {"network.cookie.cookieBehavior": 5}
# Firefox's own default, which Playwright's profile turns off: a window opened outside a click is refused.
FIREFOX_POPUPS_BLOCKED = {"dom.disable_open_during_load": True}
# Every Firefox of the tests. Firefox runs a cross-site frame in a process of its own (Fission); the
# WebDriver BiDi mouse input of Firefox 153 only reaches such a frame when dispatched from the parent
# process, which this pref (off by default there) turns on. Without it, clicks into the Space's frame
# on the hub's Space page are lost.
FIREFOX_PREFS = {"remote.events.async.mouse.enabled": True}

# Playwright's screenshots in Firefox add <style>body {}</style> to the page (to sync animations);
# the Space's CSP (style-src 'self') refuses it and Firefox logs that. Nothing of the app.
PLAYWRIGHT_SCREENSHOT_STYLE = r"blocked an inline style.*sha256-YjaKGiklmzC6wjXA513HAMmzus8VE61XCOT\+SmwNZWA="

FIREFOX_BIDI_SHIM = Path(__file__).resolve().parent / "firefox_bidi_shim.py"


def find_firefox() -> str | None:
    """A Firefox executable path, or None (then print FIREFOX_INSTALL_HINT)."""
    explicit = os.environ.get("HFSIGNIN_FIREFOX")
    if explicit:
        return explicit if Path(explicit).is_file() else None
    for candidate in ("/usr/bin/firefox-esr", "firefox-esr", "firefox"):
        found = shutil.which(candidate)
        if found:
            return found
    return None


def firefox_executable(directory: Path, firefox: str | None = None) -> str:
    """An executable for Playwright's ``executable_path`` that runs ``firefox`` behind
    firefox_bidi_shim.py (which answers the BiDi commands Firefox ESR lacks)."""
    firefox = firefox or find_firefox()
    if firefox is None:
        raise RuntimeError(FIREFOX_INSTALL_HINT)
    wrapper = Path(directory) / "firefox-bidi"
    wrapper.write_text("#!/bin/sh\nexec " + " ".join(shlex.quote(str(a)) for a in (
        sys.executable, FIREFOX_BIDI_SHIM, firefox)) + ' "$@"\n')
    wrapper.chmod(0o755)
    return str(wrapper)


def launch_firefox(playwright, directory: Path, prefs: dict | None = None):
    """Firefox over WebDriver BiDi (Playwright's "moz-firefox" channel), headless."""
    return playwright.firefox.launch(channel="moz-firefox", executable_path=firefox_executable(directory),
                                     headless=True, firefox_user_prefs={**FIREFOX_PREFS, **(prefs or {})})


ROOT = Path(__file__).resolve().parent.parent
SCREENSHOTS = ROOT / "test-results" / "screenshots"
BOOT_TIMEOUT_MS = 90_000

_CSRF = re.compile(r'name="csrf" value="([^"]+)"')
_NEXT = re.compile(r'name="next" value="([^"]+)"')


class HubControl:
    """The test control API of a running devhub (started with test_control)."""

    def __init__(self, devhub) -> None:
        self.devhub = devhub
        self.hub_url = devhub.hub_url
        self.space_url = devhub.space_url
        self.client_id = devhub.space_app.client_id
        self.http = httpx.Client(base_url=devhub.hub_url, timeout=30)

    def _ok(self, resp: httpx.Response):
        assert resp.status_code == 200, f"devhub control {resp.request.url}: {resp.status_code} {resp.text}"
        return resp.json()

    def reset(self) -> None:
        self._ok(self.http.post("/_devhub/reset", json={}))

    def fault(self, endpoint: str, **spec) -> None:
        self._ok(self.http.post("/_devhub/faults", json={"endpoint": endpoint, **spec}))

    def pending_faults(self) -> list[dict]:
        return self._ok(self.http.get("/_devhub/faults"))["pending"]

    def events(self, kind: str | None = None) -> list[dict]:
        events = self._ok(self.http.get("/_devhub/events"))
        return [e for e in events if kind is None or e["event"] == kind]

    def settings(self, **values) -> dict:
        return self._ok(self.http.post("/_devhub/settings", json=values))

    def revoke(self, username: str) -> int:
        return self._ok(self.http.post("/_devhub/revoke", json={"username": username}))["revoked"]

    def close(self) -> None:
        self.http.close()


class HubBrowser:
    """Drives the hub's sign-in and consent pages over HTTP, keeping cookies like a browser."""

    def __init__(self, hub_url: str) -> None:
        self.hub_url = hub_url
        self.http = httpx.Client(base_url=hub_url, follow_redirects=False, timeout=30, cookies=browser_like_jar())

    def authorize(self, params: dict, *, user: str = "alice", approve: bool = True,
                  orgs: list[str] | None = None) -> httpx.Response:
        """Walk /oauth/authorize to the redirect back to the client (or the final page)."""
        resp = self.http.get("/oauth/authorize?" + urlencode(params))
        if resp.status_code == 200 and 'data-login="' in resp.text:
            form = {"csrf": _CSRF.search(resp.text).group(1), "username": user,
                    "next": html.unescape(_NEXT.search(resp.text).group(1))}
            resp = self.http.post("/login", data=form)
            assert resp.status_code == 303, resp.text
            resp = self.http.get(resp.headers["location"])
        if resp.status_code == 200 and 'data-action="approve"' in resp.text:
            data = {"csrf": _CSRF.search(resp.text).group(1), "action": "approve" if approve else "deny",
                    "org": list(orgs or [])}
            resp = self.http.post("/oauth/authorize?" + urlencode(params), data=data)
        return resp

    def close(self) -> None:
        self.http.close()


class Attempt:
    """One authorization attempt of the Space app: PKCE pair, state, nonce and the request."""

    def __init__(self, hub, *, scope="openid profile", redirect_uri=None, **extra):
        self.verifier = generate_verifier()
        self.state = random_token()
        self.nonce = random_token()
        self.redirect_uri = redirect_uri or hub.space_url + "/"
        self.params = {
            "client_id": hub.client_id, "redirect_uri": self.redirect_uri, "response_type": "code",
            "scope": scope, "state": self.state, "nonce": self.nonce,
            "code_challenge": s256_challenge(self.verifier), "code_challenge_method": "S256", **extra,
        }
        self.params = {k: v for k, v in self.params.items() if v is not None}

    def token_form(self, code, **over):
        form = {"grant_type": "authorization_code", "code": code, "redirect_uri": self.redirect_uri,
                "code_verifier": self.verifier, "client_id": self.params["client_id"], **over}
        return {k: v for k, v in form.items() if v is not None}


def redirect_params(resp: httpx.Response) -> dict[str, str]:
    """The query of a redirect back to the client, one value per name."""
    assert resp.status_code in (302, 303), f"expected a redirect, got {resp.status_code}: {resp.text[:300]}"
    query = parse_qs(urlsplit(resp.headers["location"]).query, keep_blank_values=True)
    return {k: v[0] for k, v in query.items()}


# -- driving the Space in Chromium --------------------------------------------------------------

def shot(page, name: str) -> Path:
    """Save a screenshot under test-results/screenshots/ (they are looked at, not just taken)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def wait_booted(page) -> str:
    """Wait until PyScript is done and the app has left the loading state; returns data-auth."""
    page.wait_for_function("window.__pyAllDone === true", timeout=BOOT_TIMEOUT_MS)
    page.wait_for_function(
        "document.documentElement.dataset.python === 'ready' && "
        "!['loading', 'completing'].includes(document.documentElement.dataset.auth)",
        timeout=BOOT_TIMEOUT_MS,
    )
    return page.evaluate("document.documentElement.dataset.auth")


def open_space(page, hub, path: str = "/") -> str:
    """Open the Space served by devhub and wait for Python to settle."""
    page.goto(hub.space_url + path)
    return wait_booted(page)


def auth_state(page) -> str:
    return page.evaluate("document.documentElement.dataset.auth")


def sign_in(page, *, user: str = "alice", orgs: list[str] | None = None, private: bool = False,
            approve: bool = True) -> str:
    """From the signed-out Space: the button, the hub's sign-in and consent pages, and back.
    Returns the final data-auth."""
    if private:
        page.check("#want-private")
    page.click('[data-action="sign-in"]')
    page.wait_for_selector('[data-login], [data-action="approve"]')
    if page.locator(f'[data-login="{user}"]').count():
        page.click(f'[data-login="{user}"]')
        page.wait_for_selector('[data-action="approve"]')
    for box in page.locator("input[data-org]").all():
        box.set_checked(box.get_attribute("data-org") in (orgs or []))
    page.click('[data-action="approve"]' if approve else '[data-action="deny"]')
    return wait_booted(page)


def press(page, selector: str) -> None:
    """A click on a page another page opened (a popup, a framed copy's new tab). In Firefox 153 over
    BiDi mouse clicks sent there were lost (the page did not react), so there the element is
    clicked from the page itself."""
    if page.context.browser.browser_type.name == "firefox":
        page.locator(selector).evaluate("el => el.click()")
    else:
        page.click(selector)


def click_and_return(page, selector: str) -> str:
    """Click something that leaves the Space for the provider and comes straight back
    (consent already given); returns the final data-auth."""
    with page.expect_navigation(wait_until="commit"):
        page.click(selector)
    return wait_booted(page)


# An init script: every value html[data-auth] takes in a document, in order, in window.__authStates.
AUTH_STATES = """(() => {
  const seen = window.__authStates = [];
  const note = () => {
    const state = document.documentElement && document.documentElement.getAttribute("data-auth");
    if (state && seen[seen.length - 1] !== state) seen.push(state);
  };
  new MutationObserver(note).observe(document, {subtree: true, childList: true, attributes: true,
                                                attributeFilter: ["data-auth"]});
  note();
})();"""


def cancelled_note(page):
    """The note a refusal on the provider's page leaves: a choice, not an error (no banner)."""
    note = page.locator('#signed-out-note[data-note="access_denied"]')
    expect(note).to_be_visible()
    expect(note).to_contain_text("You cancelled on Hugging Face")
    expect(note).to_be_focused()
    expect(page.locator('[role="alert"]')).to_be_hidden()
    expect(page.locator('[data-action="sign-in"]')).to_be_enabled()
    assert_accessible(page, "the cancelled note")
    return note


def deny_then_retry(page, hub, screenshot: str) -> None:
    """Deny on the consent page: a neutral note, focused, a clean URL; then the button signs in."""
    open_space(page, hub)
    assert sign_in(page, user="bob", approve=False) == "signed-out"
    cancelled_note(page)
    assert "error=" not in page.url and "state=" not in page.url
    shot(page, screenshot)
    page.click('[data-action="sign-in"]')
    page.wait_for_selector('[data-action="approve"]')  # bob is still signed in to the hub
    page.click('[data-action="approve"]')
    assert wait_booted(page) == "signed-in"
    expect(page.locator('[data-user="preferred_username"]')).to_have_text("@bob")
    expect(page.locator('[role="alert"]')).to_be_hidden()


def controlled(devhub):
    """A fixture's body: devhub's control API, with the provider's state reset for the test."""
    control = HubControl(devhub)
    control.reset()
    yield control
    control.close()


def published(hub):
    """The Space as published: HFSIGNIN_SNAPSHOT unset (the suite sets ``always``), so the link is
    judged per boot; afterwards the suite's variable and devhub's own link as they were."""
    variables = hub.devhub.variables
    before = variables.pop("HFSIGNIN_SNAPSHOT", None)
    try:
        yield hub
    finally:
        if before is not None:
            variables["HFSIGNIN_SNAPSHOT"] = before
        hub.settings(space_rate=None, space_latency=None, space_compress=None)


def begin_sign_in(page, **options) -> dict[str, str]:
    """Click sign-in and stop at the provider; returns the authorize request's parameters
    (state, nonce, …). The Transaction stays pending in this tab's sessionStorage."""
    page.click('[data-action="sign-in"]')
    page.wait_for_url("**/oauth/authorize?**")
    return {k: v[0] for k, v in parse_qs(urlsplit(page.url).query, keep_blank_values=True).items()}


class Traffic:
    """Every request a page (and its popups) makes, to count token requests and hunt leaks."""

    def __init__(self, context) -> None:
        self.requests = []
        context.on("request", lambda request: self.requests.append(request))

    def token_posts(self) -> list:
        return [r for r in self.requests if r.url.endswith("/oauth/token") and r.method == "POST"]


# -- accessibility: axe-core 4 (a devDependency from npm, like the runtime) ----------------------

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"

# Evaluated, not added as a <script>: the Space's CSP (script-src 'self') refuses inline scripts,
# and the DevTools/BiDi evaluation that page.evaluate uses is not subject to it.
_AXE_RUN = """async (options) => {
  const result = await axe.run(document, options);
  return result.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    targets: v.nodes.map((n) => n.target.flat().join(" ")),
  }));
}"""


def inject_axe(target) -> None:
    """Load axe-core into a page or frame (once)."""
    if target.evaluate("typeof window.axe === 'object'"):
        return
    source = AXE.read_text(encoding="utf-8")
    target.evaluate(source + "\n;void 0")
    assert target.evaluate("typeof window.axe === 'object'"), "axe-core did not load"


def axe_violations(target, **options) -> list[dict]:
    """axe-core's violations (every rule axe enables by default, best practices included) for
    the document of a page or frame: [{id, impact, help, targets}]."""
    inject_axe(target)
    return target.evaluate(_AXE_RUN, {"resultTypes": ["violations"], **options})


def format_violations(violations: list[dict]) -> str:
    return "\n".join(f"  {v['id']} ({v['impact']}): {v['help']}\n    " + "\n    ".join(v["targets"])
                     for v in violations)


def assert_accessible(target, state: str, **options) -> None:
    """No axe-core violation in this state; the message names each (id, impact, targets)."""
    violations = axe_violations(target, **options)
    assert not violations, f"axe-core: {len(violations)} violation(s) in {state}:\n" + format_violations(violations)


def wait_until(page, condition, seconds: float = 60) -> None:
    """Let the page run (and route handlers fire) until ``condition()`` holds."""
    for _ in range(int(seconds * 10)):
        if condition():
            return
        page.wait_for_timeout(100)
    raise AssertionError("condition not reached")


def space_frame_link_to_new_tab(context, link, user: str = "alice"):
    """Click a framed copy's "Open in a new tab" link; the new tab runs the whole sign-in top-level.
    Returns the new tab, signed in."""
    with context.expect_page() as opened:
        link.click()
    tab = opened.value
    tab.wait_for_selector(f'[data-login="{user}"]')  # it went straight to the provider
    tab.click(f'[data-login="{user}"]')
    tab.wait_for_selector('[data-action="approve"]')
    press(tab, '[data-action="approve"]')  # a page opened by another: Firefox over BiDi loses mouse clicks there
    assert wait_booted(tab) == "signed-in"
    expect(tab.locator('[data-user="preferred_username"]')).to_have_text(f"@{user}")
    assert "sign-in" not in tab.url and "code=" not in tab.url
    return tab


@contextmanager
def another_site(page_html: str):
    """Serve ``page_html`` on a third origin (127.0.0.1 on a port of its own, neither the hub's nor
    the Space's); yields its URL. Served for real: Chromium's local network access checks refuse a
    loopback frame inside a page that Playwright's route.fulfill() made up (its address is unknown)."""
    body = page_html.encode()

    class Page(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's name
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Page)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def space_page_in_another_site(page, hub):
    """Another site frames the provider's Space page, which frames the Space (the Space page made
    framable by anyone, so no rule leans on the provider's headers). Yields the Space's frame
    locator and the other site's origin, once the Space is known to run as "framed"."""
    hub.settings(framing="any")
    space_page_url = f"{hub.hub_url}/spaces/{hub.devhub.options.space_id}"
    with another_site(f"<!doctype html><title>Another site</title>"
                      f"<iframe id=f src='{space_page_url}' width=1100 height=800></iframe>") as other_site:
        page.goto(other_site)
        frame = page.frame_locator("#f").frame_locator("#space-frame")
        expect(frame.locator("html")).to_have_attribute("data-embed", "framed")
        yield frame, other_site

