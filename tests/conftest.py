"""Shared fixtures: devhub on free ports, Chromium through Playwright, and a
page that fails its test on any request off loopback, any console error, any
illegal page-state transition and any PyScript error box."""

from __future__ import annotations

import json
import re
import shutil
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest

import harness
from devhub import DevHub, Options
from harness import INSTALL_HINT, SCREENSHOTS, find_chromium, launch_args
from space_app.states import WARNING as ILLEGAL_TRANSITION

ROOT = Path(__file__).resolve().parent.parent
LOOPBACK = {"localhost", "127.0.0.1", "::1", "[::1]"}
STAND_IN_TYPES = {".js": "text/javascript", ".mjs": "text/javascript", ".css": "text/css", ".wasm": "application/wasm",
                  ".json": "application/json", ".zip": "application/zip"}


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    setattr(item, f"rep_{rep.when}", rep)


FIREFOX_FILES = {"test_firefox.py", "test_widths_a11y.py", "test_popup_in_browser.py", "test_blocked_frame_boot.py",
                 "test_lists.py", "test_pending_view.py", "test_other_account.py",
                 "test_page_layout.py", "test_boot_progress.py"}


def _require_browsers(chromium: bool, firefox: bool) -> None:
    """Stop with what to install when the browser tests are selected but a browser is missing."""
    if chromium and find_chromium() is None:
        pytest.exit(INSTALL_HINT, returncode=4)
    if firefox and harness.find_firefox() is None:
        pytest.exit(harness.FIREFOX_INSTALL_HINT, returncode=4)


def pytest_configure(config):
    # Under pytest-xdist the workers collect, and an exit there is only an internal error: the
    # controller checks first, for runs that include the browser tests (whole suite or tests/e2e).
    if getattr(config.option, "numprocesses", None) and not hasattr(config, "workerinput"):
        paths = [Path(a.split("::", 1)[0]).resolve() for a in config.args] or [ROOT / "tests"]
        e2e = ROOT / "tests" / "e2e"
        whole = [p for p in paths if p == e2e or p in e2e.parents]  # all the browser tests
        files = [p for p in paths if e2e in p.parents]
        if whole or files:
            _require_browsers(chromium=True, firefox=bool(whole) or any(p.name in FIREFOX_FILES for p in files))


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "/e2e/" in str(item.fspath).replace("\\", "/"):
            item.add_marker(pytest.mark.e2e)
    # Browser tests last: fast feedback first, and Playwright's sync API keeps an
    # event loop running for the rest of the session (asyncio.run() would refuse).
    items.sort(key=lambda item: bool(item.get_closest_marker("e2e")))
    _require_browsers(chromium=any(item.get_closest_marker("e2e") for item in items),
                      firefox=any(item.get_closest_marker("firefox") for item in items))


@pytest.fixture(scope="session")
def devhub():
    hub = DevHub(Options(hub_port=0, space_port=0, test_control=True)).start()
    # The journeys written for the redirect flow keep it (the Space's fallback, and a Space
    # variable's choice); tests/e2e/test_popup.py signs in through the window, the Space's default.
    hub.variables["HFSIGNIN_SIGN_IN"] = "redirect"
    # Python from the build's snapshot, the link not judged: a busy machine's loopback can be
    # slower than an ordinary link, and a boot's path must not depend on the machine's load.
    # The link's judgement is tested on devhub's own limits (tests/e2e/test_first_visit.py).
    hub.variables["HFSIGNIN_SNAPSHOT"] = "always"
    yield hub
    hub.stop()


@pytest.fixture
def hub(devhub):
    """devhub's control API, with the provider's state reset for this test."""
    yield from harness.controlled(devhub)


@pytest.fixture(scope="session")
def playwright_instance():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright_instance):
    executable = find_chromium()
    browser = playwright_instance.chromium.launch(executable_path=executable, args=launch_args())
    yield browser
    browser.close()


class PageGuard:
    """Records what a page must never do: leave loopback, log errors, show a PyScript error.
    A test may put a stand-in in front of a remote host first (``stand_in``: a CDN served from local files)."""

    def __init__(self, context) -> None:
        self.external: list[str] = []
        self.console_errors: list[str] = []
        self.allowed: list[re.Pattern] = []
        self.pages = []
        self.missing: list[str] = []  # requests a stand_in() had no file for
        self.crash_expected = False  # a test that crashes a tab on purpose says so
        self.context = context
        context.route("**/*", self._route)
        context.on("page", self.watch)

    def _route(self, route) -> None:
        host = urlsplit(route.request.url).hostname or ""
        if route.request.url.startswith(("data:", "blob:")) or host in LOOPBACK:
            route.continue_()
        else:
            self.external.append(route.request.url)
            route.abort()

    def watch(self, page) -> None:
        self.pages.append(page)
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self._error(f"pageerror: {exc}"))
        page.on("crash", self._crashed)

    def _crashed(self, page) -> None:
        """A renderer crash is the machine's or the engine's, not a state of the page: say at once,
        in the test's output, what the machine looked like (a full disk under /tmp, where Chromium
        keeps its shared memory, or no memory left, have both crashed renderers elsewhere)."""
        report = f"renderer crashed on {page.url}; {harness.machine_state()}"
        print(f"\n[crash] {report}", file=sys.stderr, flush=True)
        if not self.crash_expected:
            self.console_errors.append(report)

    def _console(self, msg) -> None:
        # An error, or the app's warning that its page went to a state the state table forbids.
        if msg.type == "error" or (msg.type == "warning" and ILLEGAL_TRANSITION in msg.text):
            self._error(f"console: {msg.text} ({msg.location.get('url', '')})")

    def _error(self, text: str) -> None:
        if not any(p.search(text) for p in self.allowed):
            self.console_errors.append(text)

    def stand_in(self, prefix: str, folder: Path) -> list[str]:
        """Serve every URL under ``prefix`` (a CDN's, say) from the files of ``folder``, with the CORS
        header a CDN sends; nothing reaches the network. Playwright runs the route registered last
        first, so these requests never come to the loopback check. Returns the URLs served, as
        they come; a URL with no file there is a problem of the test."""
        served: list[str] = []
        root = Path(folder).resolve()

        def fulfill(route) -> None:
            url = route.request.url.split("?", 1)[0].split("#", 1)[0]
            path = (root / url.removeprefix(prefix)).resolve()
            if root not in path.parents or not path.is_file():
                self.missing.append(route.request.url)
                route.fulfill(status=404, headers={"Access-Control-Allow-Origin": "*"})
                return
            served.append(route.request.url)
            route.fulfill(path=str(path), headers={"Access-Control-Allow-Origin": "*",
                                                   "Content-Type": STAND_IN_TYPES.get(path.suffix, "application/octet-stream")})

        self.context.route(lambda url: url.startswith(prefix), fulfill)
        return served

    def allow_console(self, pattern: str) -> None:
        """Expect console errors matching ``pattern`` (e.g. a deliberate HTTP 500)."""
        self.allowed.append(re.compile(pattern))

    def problems(self) -> list[str]:
        found = [f"request to a non-loopback host: {u}" for u in self.external]
        found += [f"request a stand-in has no file for: {u}" for u in self.missing]
        found += self.console_errors
        for page in self.pages:
            if page.is_closed():
                continue
            boxes = page.locator(".py-error")
            if boxes.count():
                found.append(f"PyScript error box: {boxes.first.inner_text()[:500]}")
        return found


def _guarded(ctx, request):
    """Watch a context for the whole test; on teardown fail the test if the page misbehaved."""
    ctx.set_default_timeout(30_000)
    ctx.add_init_script(
        "window.__pyAllDone = false; addEventListener('py:all-done', () => { window.__pyAllDone = true; });"
    )
    guard = PageGuard(ctx)
    ctx.guard = guard
    yield ctx
    failed = getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed
    if failed:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        for i, page in enumerate(p for p in guard.pages if not p.is_closed()):
            try:
                page.screenshot(path=str(SCREENSHOTS / f"FAILED-{request.node.name}-{i}.png"), full_page=True)
            except Exception as exc:  # noqa: BLE001 - a crashed page has no picture; the failure is reported already
                print(f"\n[screenshot] none of {page.url}: {str(exc).splitlines()[0]}", file=sys.stderr)
    problems = guard.problems()
    ctx.close()
    if problems and not failed:
        pytest.fail("the page misbehaved:\n  " + "\n  ".join(problems))


@pytest.fixture
def context(browser, request):
    """A fresh browser context. Like Playwright's default (and Safari, Brave, incognito),
    it blocks third-party cookies and storage in cross-site frames."""
    yield from _guarded(browser.new_context(viewport={"width": 1200, "height": 900}), request)


def _chromium_3p_allowed(playwright_instance, tmp_path, request, **options):
    """A Chromium profile that allows third-party cookies and storage (Chrome's usual default)."""
    profile = tmp_path / "profile"
    (profile / "Default").mkdir(parents=True)
    (profile / "Default" / "Preferences").write_text(
        json.dumps({"profile": {"cookie_controls_mode": 0, "block_third_party_cookies": False}}))
    ctx = playwright_instance.chromium.launch_persistent_context(
        str(profile), executable_path=find_chromium(), args=launch_args(), viewport={"width": 1200, "height": 900},
        **options)
    yield from _guarded(ctx, request)
    shutil.rmtree(profile, ignore_errors=True)  # its cache holds the runtime: tens of MB a test


@pytest.fixture
def context_3p_allowed(playwright_instance, tmp_path, request):
    """A Chromium profile that allows third-party cookies and storage (Chrome's usual default)."""
    yield from _chromium_3p_allowed(playwright_instance, tmp_path, request)


@pytest.fixture
def page(context):
    return context.new_page()


# -- the popup blocker on (Playwright turns it off: Chromium's --disable-popup-blocking, Firefox's
# dom.disable_open_during_load=false). Popup sign-in is tested as visitors have their browsers.

@pytest.fixture(scope="session")
def blocking_browser(playwright_instance):
    """Chromium with its popup blocker on."""
    browser = playwright_instance.chromium.launch(executable_path=find_chromium(), args=launch_args(),
                                                  ignore_default_args=["--disable-popup-blocking"])
    yield browser
    browser.close()


@pytest.fixture
def popup_context(blocking_browser, request):
    """A fresh context of that Chromium (third-party storage blocked in cross-site frames, as ``context``)."""
    yield from _guarded(blocking_browser.new_context(viewport={"width": 1200, "height": 900}), request)


@pytest.fixture
def popup_context_3p_allowed(playwright_instance, tmp_path, request):
    """Chromium allowing third-party storage (Chrome's usual default), its popup blocker on."""
    yield from _chromium_3p_allowed(playwright_instance, tmp_path, request,
                                    ignore_default_args=["--disable-popup-blocking"])


@pytest.fixture(scope="session")
def ff_blocking(playwright_instance, tmp_path_factory):
    """Firefox with its popup blocker on (dom.disable_open_during_load, Firefox's own default) and
    third-party storage blocked (network.cookie.cookieBehavior=1)."""
    browser = harness.launch_firefox(playwright_instance, tmp_path_factory.mktemp("firefox-popups"),
                                     {**harness.FIREFOX_3P_BLOCKED, **harness.FIREFOX_POPUPS_BLOCKED})
    yield browser
    browser.close()


@pytest.fixture
def ff_popup_context(ff_blocking, request):
    yield from _ff_guarded(ff_blocking.new_context(viewport={"width": 1200, "height": 900}), request)


@pytest.fixture
def ff_popup_context_3p_allowed(playwright_instance, tmp_path, request):
    """Firefox with its own default for frames (Total Cookie Protection) and its popup blocker on."""
    yield from _firefox_context(playwright_instance, tmp_path, request,
                                {**harness.FIREFOX_3P_ALLOWED, **harness.FIREFOX_POPUPS_BLOCKED})


# -- Firefox (ESR over WebDriver BiDi): the same guard, the same viewport ----------------------------

@pytest.fixture(scope="session")
def firefox(playwright_instance, tmp_path_factory):
    """One Firefox for the session. Like the Chromium contexts (and Safari, Brave), it blocks
    third-party cookies and storage in cross-site frames (network.cookie.cookieBehavior=1)."""
    browser = harness.launch_firefox(playwright_instance, tmp_path_factory.mktemp("firefox"), harness.FIREFOX_3P_BLOCKED)
    yield browser
    browser.close()


def _ff_guarded(ctx, request):
    """_guarded, less the console error Firefox logs for Playwright's own screenshot style."""
    guarded = _guarded(ctx, request)
    ctx = next(guarded)
    ctx.guard.allow_console(harness.PLAYWRIGHT_SCREENSHOT_STYLE)
    yield ctx
    yield from guarded


@pytest.fixture
def ff_context(firefox, request):
    yield from _ff_guarded(firefox.new_context(viewport={"width": 1200, "height": 900}), request)


@pytest.fixture
def ff_page(ff_context):
    return ff_context.new_page()


@pytest.fixture
def ff_context_3p_allowed(playwright_instance, tmp_path, request):
    """A Firefox with its own default, Total Cookie Protection: third-party storage works, partitioned."""
    yield from _firefox_context(playwright_instance, tmp_path, request, harness.FIREFOX_3P_ALLOWED)


@pytest.fixture
def ff_context_dark(playwright_instance, tmp_path, request):
    """A second Firefox whose pages prefer the dark scheme (Playwright cannot emulate it over BiDi)."""
    yield from _firefox_context(playwright_instance, tmp_path, request,
                                {**harness.FIREFOX_3P_BLOCKED, "layout.css.prefers-color-scheme.content-override": 0})


def _firefox_context(playwright_instance, tmp_path, request, prefs: dict):
    """A Firefox of its own, with ``prefs``, and its one guarded context."""
    browser = harness.launch_firefox(playwright_instance, tmp_path, prefs)
    try:
        yield from _ff_guarded(browser.new_context(viewport={"width": 1200, "height": 900}), request)
    finally:
        browser.close()
