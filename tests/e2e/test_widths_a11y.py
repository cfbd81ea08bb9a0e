"""Layout at every width, and accessibility measured with axe-core 4, in Chromium and Firefox.

One signed-in page per engine: alice (long-ish repository names, two organizations) signs in
once, through the states a visitor meets on the way (signed out, the hub's sign-in and consent
pages, a denied consent's error banner), and axe-core checks each of them. Then the same page
is resized to 360, 600, 800, 1024 and 1440 px: no repository, organization or group name is
cut, nothing sticks out of its box, the page never scrolls sideways, and a screenshot of each
width lands in test-results/screenshots/ (width-<px>-<engine>.png); then it signs out (axe
again). A second page of the same context covers what needs a page of its own: the
boot-failure banner, and the Space framed in the hub's Space page with third-party storage
blocked (both contexts block it).

Dark: Chromium runs axe in every state twice (emulate_media light, then dark). Firefox over
WebDriver BiDi cannot emulate media, so a second Firefox launched with the dark preference
checks the signed-out and signed-in pages.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

import harness
from harness import axe_violations, format_violations, open_space, shot, sign_in, wait_booted

WIDTHS = (360, 600, 800, 1024, 1440)
TABS = ("datasets", "spaces", "models")  # ends on models, the tab the screenshots show
ORGS = ["wonderland-lab", "tea-party-ai"]
LOADER = "**/static_site/pyodide-loader.mjs"
LOADER_FAILED = (r"pyodide-loader\.mjs|Failed to fetch dynamically imported module|ERR_FAILED|NS_ERROR"
                 r"|error loading dynamically imported module")
# Firefox: prefers-color-scheme for web content (0 dark, 1 light), read at launch.

# Every text that must never be cut: its box holds all its text (nothing scrolled or clipped
# away, no one-line ellipsis), and no ancestor clips it either. Then the boxes around them:
# none has content sticking out sideways.
CUT = r"""
() => {
  const cut = [];
  const visible = (el) => el.getClientRects().length > 0 && !el.closest("[hidden]");
  for (const el of document.querySelectorAll(".repo-id, .org-name, .group-title .owner, [data-user]")) {
    if (!visible(el) || !el.textContent.trim()) continue;
    const s = getComputedStyle(el);
    const box = el.getBoundingClientRect();
    const range = document.createRange();
    range.selectNodeContents(el);
    const text = range.getBoundingClientRect();
    const why = [];
    if (s.display !== "inline") {
      if (el.scrollWidth > el.clientWidth + 1) why.push(`scrollWidth ${el.scrollWidth} > ${el.clientWidth}`);
      if (el.scrollHeight > el.clientHeight + 1) why.push(`scrollHeight ${el.scrollHeight} > ${el.clientHeight}`);
    }
    if (s.textOverflow === "ellipsis" && s.overflowX !== "visible" && s.whiteSpace === "nowrap") why.push("one-line ellipsis");
    if (text.right > box.right + 1 || text.left < box.left - 1)
      why.push(`text ${Math.round(text.width)} px wider than its box ${Math.round(box.width)} px`);
    for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
      const st = getComputedStyle(a);
      if (st.overflowX === "visible" && st.overflowY === "visible") continue;
      const r = a.getBoundingClientRect();
      if (text.left < r.left - 1 || text.right > r.right + 1 || text.top < r.top - 1 || text.bottom > r.bottom + 1)
        why.push(`clipped by ${a.tagName.toLowerCase()}.${a.className}`);
    }
    const name = el.className || `data-user=${el.dataset.user}`;
    if (why.length) cut.push(`${name} "${el.textContent.slice(0, 60)}": ${why.join("; ")}`);
  }
  for (const el of document.querySelectorAll(".topbar, .card, .repos-head, .tabs, .group, .repo, .banner")) {
    if (visible(el) && el.scrollWidth > el.clientWidth + 1)
      cut.push(`${el.tagName.toLowerCase()}.${el.className.split(" ")[0]} overflows: ${el.scrollWidth} > ${el.clientWidth} px`);
  }
  const page = document.documentElement;
  if (page.scrollWidth > innerWidth) cut.push(`the page scrolls sideways: ${page.scrollWidth} > ${innerWidth}`);
  return cut;
}
"""


class Findings:
    """What one engine found: axe-core's violations per state, and cut or overflowing text,
    all reported at once (one run shows every state)."""

    def __init__(self, engine: str, schemes: tuple[str, ...]) -> None:
        self.engine = engine
        self.schemes = schemes  # more than one: switched with emulate_media (Chromium)
        self.violations: list[str] = []
        self.cut: list[str] = []

    def axe(self, target, state: str) -> None:
        """axe-core on a page or frame, in each colour scheme."""
        page = getattr(target, "page", target)  # a Frame knows its page
        for scheme in self.schemes:
            if len(self.schemes) > 1:
                page.emulate_media(color_scheme=scheme)
            found = axe_violations(target)
            if found:
                self.violations.append(f"{self.engine}, {state} ({scheme}): {len(found)} violation(s)\n"
                                       + format_violations(found))
        if len(self.schemes) > 1:
            page.emulate_media(color_scheme=self.schemes[0])

    def layout(self, page, where: str) -> None:
        self.cut += [f"{self.engine} {where}: {c}" for c in page.evaluate(CUT)]

    def assert_clean(self) -> None:
        message = []
        if self.cut:
            message.append("cut or overflowing:\n  " + "\n  ".join(self.cut))
        if self.violations:
            message.append("axe-core found violations:\n" + "\n".join(self.violations))
        assert not message, "\n".join(message)


def walk_to_signed_in(page, hub, found: Findings) -> None:
    """Signed out → hub sign-in → consent → deny (the cancelled note) → sign in → approve (both
    orgs) with the token endpoint failing (error banner) → retry → signed in with every list
    loaded; axe-core in each state."""
    assert open_space(page, hub) == "signed-out"
    found.axe(page, "signed-out")
    page.click('[data-action="sign-in"]')
    page.wait_for_selector('[data-login="alice"]')
    found.axe(page, "hub sign-in page")
    page.click('[data-login="alice"]')
    page.wait_for_selector('[data-action="approve"]')
    found.axe(page, "hub consent page")
    page.click('[data-action="deny"]')
    assert wait_booted(page) == "signed-out"
    expect(page.locator('#signed-out-note[data-note="access_denied"]')).to_be_visible()
    found.axe(page, "cancelled note")
    page.click('[data-action="sign-in"]')
    page.wait_for_selector('[data-action="approve"]')
    for box in page.locator("input[data-org]").all():
        box.set_checked(box.get_attribute("data-org") in ORGS)
    page.context.guard.allow_console(r"status of 500")
    hub.fault("token", status=500, body="<h1>oops</h1>", content_type="text/html")
    page.click('[data-action="approve"]')
    assert wait_booted(page) == "error"
    expect(page.locator('[role="alert"][data-error="token_request_failed"]')).to_be_visible()
    found.axe(page, "error banner, token_request_failed")
    page.click('[data-action="retry"]')  # the consent is given: the hub answers at once
    expect(page.locator("html")).to_have_attribute("data-auth", "signed-in", timeout=60_000)
    assert wait_booted(page) == "signed-in"
    for tab in TABS:
        page.wait_for_function(
            f"document.querySelectorAll('[data-repo-list=\"{tab}\"] [data-owner]').length === 3 && "
            f"!document.querySelector('[data-repo-list=\"{tab}\"] [aria-busy]')")
    page.wait_for_selector('[data-repo="wonderland-lab/queen-of-hearts-70b"]')
    found.axe(page, "signed-in")


def check_widths(page, found: Findings) -> None:
    """Each width: every tab's names whole and nothing overflowing; a screenshot; axe at 360 px."""
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        for tab in TABS:
            page.click(f"#tab-{tab}")
            found.layout(page, f"{width} px, {tab}")
        page.evaluate("window.scrollTo(0, 0)")
        shot(page, f"width-{width}-{found.engine}")
        if width == 360:
            found.axe(page, "signed-in at 360 px")
    page.set_viewport_size({"width": 1200, "height": 900})


def sign_out(page, found: Findings) -> None:
    """Back to signed out with the Sign out button (whatever note the app leaves there)."""
    page.click('[data-action="sign-out"]')
    expect(page.locator("html")).to_have_attribute("data-auth", "signed-out")
    found.axe(page, "signed out with the button")


def boot_failure_and_framed(context, hub, found: Findings) -> None:
    """A page whose Python cannot load (the boot-failure banner), then the hub's Space page
    with the Space framed and third-party storage blocked."""
    context.guard.allow_console(LOADER_FAILED)
    page = context.new_page()
    context.route(LOADER, lambda route: route.abort())
    page.goto(hub.space_url + "/")
    expect(page.locator('[role="alert"][data-error="python_failed"]')).to_be_visible(timeout=60_000)
    found.axe(page, "boot failure, python_failed")
    context.unroute(LOADER)

    page.goto(f"{hub.hub_url}/spaces/{hub.devhub.options.space_id}")
    frame = page.frame_locator("#space-frame")
    expect(frame.locator("html")).to_have_attribute("data-embed", "blocked")
    expect(frame.locator("html")).to_have_attribute("data-auth", "signed-out")
    inside = next(f for f in page.frames if f.url.startswith(hub.space_url))
    found.axe(inside, "framed, storage blocked: the Space's document")
    # The hub's page with the Space in it, as one page: axe in the top document asks the copy
    # in the frame (another origin, so both must allow it) and merges what it finds.
    for target in (inside, page):
        harness.inject_axe(target)
        target.evaluate("axe.configure({allowedOrigins: ['<unsafe_all_origins>']})")
    found.axe(page, "framed, storage blocked: the hub's Space page")
    page.close()


def test_chromium_widths_and_accessibility(page, hub, context):
    found = Findings("chromium", ("light", "dark"))
    walk_to_signed_in(page, hub, found)
    check_widths(page, found)
    page.emulate_media(color_scheme="dark")
    shot(page, "width-1200-chromium-dark")
    page.emulate_media(color_scheme="light")
    sign_out(page, found)
    boot_failure_and_framed(context, hub, found)
    found.assert_clean()


def test_chromium_many_rows_at_every_width(page, hub):
    """prolific's models, three pages of them: past 100 rows a list renders its rows lazily
    (content-visibility), and still no name is cut at any width."""
    open_space(page, hub)
    assert sign_in(page, user="prolific") == "signed-in"
    group = page.locator('[data-repo-list="models"] [data-owner="prolific"]')
    for count in (100, 150):
        expect(group).not_to_have_attribute("aria-busy", "true")
        group.locator("button.more").click()
        expect(group.locator("[data-repo]")).to_have_count(count)
    expect(group.locator(".rows.many")).to_have_count(1)
    found = Findings("chromium", ("light",))
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        found.layout(page, f"{width} px, prolific")
        if width in (360, 1440):
            group.evaluate("el => el.scrollIntoView()")
            # lazily rendered rows are painted in the frame after they come near the viewport
            page.evaluate("() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))")
            harness.SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(harness.SCREENSHOTS / f"width-{width}-chromium-prolific.png"))
    found.assert_clean()


def dark_firefox(dark_context, hub, signed_in_tab) -> Findings:
    """Signed out, then signed in, in dark Firefox. Signed in by carrying the light tab's
    sessionStorage over (as "Duplicate tab" does): the app restores that session, checked
    against the provider, instead of a second sign-in."""
    found = Findings("firefox", ("dark",))
    page = dark_context.new_page()
    assert open_space(page, hub) == "signed-out"
    assert page.evaluate("matchMedia('(prefers-color-scheme: dark)').matches")
    found.axe(page, "signed-out")
    page.evaluate("(entries) => { for (const [k, v] of entries) sessionStorage.setItem(k, v); }",
                  signed_in_tab.evaluate("Object.entries(sessionStorage)"))
    page.reload()
    assert wait_booted(page) == "signed-in"
    page.wait_for_selector('[data-repo="wonderland-lab/queen-of-hearts-70b"]')
    found.axe(page, "signed-in")
    shot(page, "width-1200-firefox-dark")
    return found


@pytest.mark.firefox
def test_firefox_widths_and_accessibility(ff_page, hub, ff_context, ff_context_dark):
    found = Findings("firefox", ("light",))
    walk_to_signed_in(ff_page, hub, found)
    check_widths(ff_page, found)
    dark = dark_firefox(ff_context_dark, hub, ff_page)
    sign_out(ff_page, found)
    boot_failure_and_framed(ff_context, hub, found)
    found.violations += dark.violations
    found.assert_clean()
