"""The page's layout (issue 22): no layout shift from first paint to ready, the repositories
within a phone's first screen, feature cards that never leave an orphan, a hostile display name
that wraps at word boundaries or is cut with an ellipsis and a tooltip.

Cumulative Layout Shift is Chromium's (the Layout Instability API): a PerformanceObserver for
``layout-shift``, installed by an init script so it runs before the first paint (buffered), sums
every shift not caused by input, on the page that ends the journey. Signing in by redirect
reloads the page: the page measured is the callback's, until the profile and the first
repository rows show. The other checks run in Chromium and in Firefox.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from harness import open_space, shot, sign_in, wait_booted

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
CLS_BUDGET = 0.02

# Every layout shift of this document without recent input, with what moved (for the message).
CLS_OBSERVER = r"""
window.__cls = { total: 0, shifts: [] };
try {
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      if (entry.hadRecentInput) continue;
      window.__cls.total += entry.value;
      window.__cls.shifts.push({
        value: Math.round(entry.value * 10000) / 10000,
        at: Math.round(entry.startTime),
        auth: document.documentElement.dataset.auth,
        sources: (entry.sources || []).map((s) => {
          const n = s.node;
          const name = !n ? "?" : n.nodeType === 1
            ? n.tagName.toLowerCase() + (n.id ? "#" + n.id : "") + (n.className && typeof n.className === "string" ? "." + n.className.split(" ").join(".") : "")
            : "#text in " + (n.parentElement ? n.parentElement.tagName.toLowerCase() + "." + n.parentElement.className : "?");
          const r = (b) => [Math.round(b.x), Math.round(b.y), Math.round(b.width), Math.round(b.height)].join(",");
          return name + " " + r(s.previousRect) + " -> " + r(s.currentRect);
        }),
      });
    }
  }).observe({ type: "layout-shift", buffered: true });
} catch (e) { window.__cls.error = String(e); }
"""

# Let a frame or two pass after ready, so late shifts (an image, a font) are counted too.
SETTLE = "() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(done, 400))))"


def layout_shift(page) -> dict:
    page.evaluate(SETTLE)
    return page.evaluate("window.__cls")


def explain(cls: dict) -> str:
    return f"CLS {cls['total']:.4f}:\n" + "\n".join(
        f"  {s['value']} at {s['at']} ms ({s['auth']}): " + "; ".join(s["sources"]) for s in cls["shifts"])


VIEWPORTS = pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["390x844", "1280x900"])


@VIEWPORTS
def test_no_layout_shift_on_a_first_visit(context, page, hub, viewport):
    context.add_init_script(CLS_OBSERVER)
    page.set_viewport_size(viewport)
    assert open_space(page, hub) == "signed-out"
    cls = layout_shift(page)
    print(explain(cls))
    assert "error" not in cls
    assert cls["total"] <= CLS_BUDGET, explain(cls)


@VIEWPORTS
def test_no_layout_shift_on_the_page_that_ends_signed_in(context, page, hub, viewport):
    page.set_viewport_size(viewport)
    open_space(page, hub)
    context.add_init_script(CLS_OBSERVER)  # from the next document on: the callback's
    assert sign_in(page, orgs=["wonderland-lab", "tea-party-ai"]) == "signed-in"
    page.wait_for_selector("[data-repo]")
    cls = layout_shift(page)
    print(explain(cls))
    assert "error" not in cls
    assert cls["total"] <= CLS_BUDGET, explain(cls)


# -- what is where, in Chromium and in Firefox ---------------------------------------------------

# The footer's words as first painted (boot.js writes them as the parser passes them), for
# comparing with Python's once ready.
FIRST_WORDS = r"""
window.__firstWords = null;
// The first frame that has the footer (a slow machine may paint before the parser reaches it).
requestAnimationFrame(function look() {
  const note = document.getElementById("provider-note");
  if (note) window.__firstWords = note.textContent; else requestAnimationFrame(look);
});
"""

# The feature cards' rows: how many cards share each offsetTop.
CARD_ROWS = """() => {
  const rows = new Map();
  for (const li of document.querySelectorAll("ul.facts > li")) rows.set(li.offsetTop, (rows.get(li.offsetTop) || 0) + 1);
  return [...rows.values()];
}"""


def engines():
    return pytest.mark.parametrize("engine", ["chromium", pytest.param("firefox", marks=pytest.mark.firefox)])


def a_page(request, engine):
    return request.getfixturevalue("page" if engine == "chromium" else "ff_page")


def signed_in_on_a_phone(request, hub, engine, user: str, orgs: list[str]):
    """A page of ``engine`` at 390 x 844, signed in as ``user`` sharing ``orgs``."""
    page = a_page(request, engine)
    page.set_viewport_size(PHONE)
    open_space(page, hub)
    assert sign_in(page, user=user, orgs=orgs) == "signed-in"
    return page


@engines()
def test_the_feature_cards_never_leave_an_orphan(request, hub, engine):
    page = a_page(request, engine)
    page.set_viewport_size(PHONE)
    page.context.add_init_script(FIRST_WORDS)
    assert open_space(page, hub) == "signed-out"
    expect(page.locator("#provider-note")).to_have_text(page.evaluate("window.__firstWords"))
    for width in (390, 600, 800, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        rows = page.evaluate(CARD_ROWS)
        assert sum(rows) == 3 and len(set(rows)) == 1, f"{width} px: cards per row {rows}"
        assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.set_viewport_size(PHONE)
    shot(page, f"layout-390-signed-out-{engine}")


@engines()
def test_on_a_phone_the_repositories_start_within_the_first_screen(request, hub, engine):
    page = signed_in_on_a_phone(request, hub, engine, "alice", ["wonderland-lab", "tea-party-ai"])
    first = page.locator("[data-repo]").first
    expect(first).to_be_visible()
    page.evaluate("window.scrollTo(0, 0)")
    box = page.evaluate("""() => { const r = document.querySelector('[data-repo]').getBoundingClientRect();
                                   return {top: r.top + scrollY, bottom: r.bottom + scrollY}; }""")
    assert box["bottom"] <= PHONE["height"], f"the first repository row ends at {box['bottom']:.0f} px"
    # the organizations follow the repositories, and the page never scrolls sideways
    orgs = page.locator(".card.orgs")
    expect(orgs.locator("[data-org]")).to_have_count(2)
    assert orgs.bounding_box()["y"] > page.locator(".card.repos").bounding_box()["y"]
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shot(page, f"layout-390-signed-in-{engine}")


@engines()
def test_a_long_display_name_breaks_at_boundaries_and_keeps_a_tooltip(request, hub, engine):
    page = signed_in_on_a_phone(request, hub, engine, "mallory", ["plain-http-org"])
    name = page.locator('[data-user="name"]')
    expect(name).to_have_attribute("title", name.evaluate("el => el.textContent"))
    text = name.evaluate("el => el.textContent")
    assert text.startswith("<img src=x onerror=") and name.locator("img, script").count() == 0
    found = name.evaluate(r"""el => {
      // each line's first character, from the text nodes' client rects, character by character
      const starts = [];
      let lastTop = null;
      const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
      const box = el.getBoundingClientRect();
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        for (let i = 0; i < node.data.length; i++) {
          const range = document.createRange();
          range.setStart(node, i); range.setEnd(node, i + 1);
          const r = range.getClientRects()[0];
          if (!r || r.bottom > box.bottom + 1) continue;  // cut off after the last line shown
          if (lastTop === null || r.top > lastTop + 2) {
            starts.push({before: i ? node.data[i - 1] : "(node start)", at: node.data[i], node_start: i === 0});
            lastTop = r.top;
          }
        }
      }
      const s = getComputedStyle(el);
      return {starts, lines: starts.length, clamp: s.webkitLineClamp, height: box.height, overflow: s.overflow,
              scrollHeight: el.scrollHeight, clientHeight: el.clientHeight};
    }""")
    assert found["lines"] >= 2, found
    for line in found["starts"][1:]:
        # a line starts after a space or where profile_page.py put a boundary (a new text node)
        assert line["node_start"] or line["before"] == " ", f"a line breaks inside a word: {found}"
    assert found["scrollHeight"] > found["clientHeight"], "the 80-character name is cut short (with its ellipsis)"
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shot(page, f"layout-390-mallory-{engine}")


def test_screenshots_light_and_dark_on_a_phone(page, hub):
    """For looking at: signed out and signed in at 390 x 844, light and dark."""
    page.set_viewport_size(PHONE)
    open_space(page, hub)
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        shot(page, f"layout-390-signed-out-{scheme}")
    page.emulate_media(color_scheme="light")
    assert sign_in(page, orgs=["wonderland-lab", "tea-party-ai"]) == "signed-in"
    page.wait_for_selector("[data-repo]")
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        path = shot(page, f"layout-390-signed-in-{scheme}")
        page.screenshot(path=str(path.with_name(f"layout-390-signed-in-{scheme}-first-screen.png")))
