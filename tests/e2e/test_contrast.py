"""Text contrast, measured in the page: every visible piece of text in the states a
visitor sees, light and dark, against WCAG 2's AA ratios (4.5:1, or 3:1 for large text)."""

import pytest
from playwright.sync_api import expect

from harness import click_and_return, open_space, sign_in, wait_booted

# For every visible element with its own text: the contrast of its colour against the
# background painted behind it (semi-transparent layers composited up the tree; colours
# resolved by a canvas, so any CSS colour syntax works). Text over an image or gradient
# is reported apart (no single background), as is text in disabled controls (WCAG
# exempts inactive components).
MEASURE = r"""
() => {
  const ctx = document.createElement("canvas").getContext("2d", { willReadFrequently: true });
  const rgba = (css) => {
    ctx.clearRect(0, 0, 1, 1);
    ctx.fillStyle = "#000"; ctx.fillStyle = css; ctx.fillRect(0, 0, 1, 1);
    const [r, g, b, a] = ctx.getImageData(0, 0, 1, 1).data;
    return [r, g, b, a / 255];
  };
  const over = ([r, g, b, a], [R, G, B]) => [r * a + R * (1 - a), g * a + G * (1 - a), b * a + B * (1 - a)];
  const lum = (c) => {
    const [r, g, b] = c.map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const background = (el) => {
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const s = getComputedStyle(e);
      if (s.backgroundImage !== "none") return null;
      const c = rgba(s.backgroundColor);
      if (c[3] > 0) layers.push(c);
      if (c[3] === 1) break;
    }
    let base = rgba(getComputedStyle(document.documentElement).backgroundColor);
    base = base[3] === 1 ? base.slice(0, 3) : [255, 255, 255];
    for (const layer of layers.reverse()) base = over(layer, base);
    return base;
  };
  const out = [];
  for (const el of document.body.querySelectorAll("*")) {
    const text = [...el.childNodes].filter((n) => n.nodeType === 3).map((n) => n.textContent).join("").trim();
    if (!text || el.closest("template, .sr-only, [hidden]")) continue;
    const s = getComputedStyle(el);
    const box = el.getBoundingClientRect();
    if (s.visibility !== "visible" || box.width === 0 || box.height === 0 || el.closest(":disabled")) continue;
    const bg = background(el);
    if (!bg) continue;
    const fg = over(rgba(s.color), bg);
    const [hi, lo] = [lum(fg), lum(bg)].sort((a, b) => b - a);
    const ratio = (hi + 0.05) / (lo + 0.05);
    const size = parseFloat(s.fontSize), weight = parseInt(s.fontWeight, 10);
    const large = size >= 24 || (size >= 18.66 && weight >= 700);
    out.push({ text: text.slice(0, 40), ratio: Math.round(ratio * 100) / 100, need: large ? 3 : 4.5,
               where: el.tagName.toLowerCase() + (el.className ? "." + String(el.className).split(" ")[0] : "") });
  }
  return out;
}
"""


def low_contrast(page) -> tuple[list[dict], int]:
    measured = page.evaluate(MEASURE)
    return [m for m in measured if m["ratio"] < m["need"]], len(measured)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_text_contrast_meets_wcag_aa(page, hub, scheme, context):
    context.guard.allow_console(r"status of 500")
    page.emulate_media(color_scheme=scheme)
    open_space(page, hub)
    failing, checked = low_contrast(page)
    assert checked > 5 and not failing, failing  # signed out: hero, facts, footer

    assert sign_in(page, user="alice", approve=False) == "signed-out"
    expect(page.locator('#signed-out-note[data-note="access_denied"]')).to_be_visible()
    failing, checked = low_contrast(page)
    assert not failing, failing  # the note a cancelled sign-in leaves

    hub.fault("token", status=500, body="<h1>oops</h1>", content_type="text/html")
    page.click('[data-action="sign-in"]')
    page.click('[data-action="approve"]')
    assert wait_booted(page) == "error"
    expect(page.locator('[role="alert"][data-error="token_request_failed"]')).to_be_visible()
    failing, checked = low_contrast(page)
    assert not failing, failing  # the error banner over the signed-out page

    assert click_and_return(page, '[data-action="retry"]') == "signed-in"  # consent given: straight back
    page.wait_for_selector('[data-repo="alice/looking-glass-7b"]')
    failing, checked = low_contrast(page)
    assert checked > 30 and not failing, failing  # signed in: profile, orgs, repos, notices
