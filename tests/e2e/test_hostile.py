"""Case 30 and the Content-Security-Policy: a hostile profile renders as inert,
clamped text, unsafe URLs never become links or images, and an injected
inline script does not run."""

from playwright.sync_api import expect

from harness import open_space, shot, sign_in

PLACEHOLDER = "./static_site/avatar.svg"


def test_case_30_hostile_profile_data_is_inert_and_clamped(page, hub):
    open_space(page, hub)
    page.evaluate("window.__pwned = undefined")
    assert sign_in(page, user="mallory", orgs=["evil<svg onload=window.__pwned='org'>", "plain-http-org"]) == "signed-in"
    page.wait_for_selector('[data-repo="mallory/plain-model"]')
    name = page.locator('[data-user="name"]')
    text = name.inner_text()
    assert text.startswith("<img src=x onerror=") and "<script>" in text  # shown as text
    assert len(text) <= 80 and "\u202e" not in text and "\u200b" not in text
    assert name.locator("img, script").count() == 0
    expect(page.locator('[data-user="email"]')).to_contain_text("<a href=")
    assert page.locator('[data-user="email"] a').count() == 0
    # javascript: avatar and website never reach the DOM as URLs
    expect(page.locator('img[data-user="picture"]')).to_have_attribute("src", PLACEHOLDER)
    urls = page.evaluate("""[...document.querySelectorAll('[src], [href]')]
        .map(e => e.getAttribute('src') || e.getAttribute('href'))""")
    assert urls and not [u for u in urls if u.lower().startswith(("javascript:", "data:", "http://insecure"))]
    # hostile orgs: text only, placeholder avatars for data: and http: pictures
    orgs = page.locator("[data-org]")
    expect(orgs).to_have_count(2)
    for img in page.locator("[data-org] img").all():
        assert img.get_attribute("src") == PLACEHOLDER
    evil = page.locator("[data-org=\"evil<svg onload=window.__pwned='org'>\"]")
    assert evil.locator("iframe, svg").count() == 0 and len(evil.locator(".org-name").inner_text()) <= 60
    # repository ids no Hub would accept are not shown at all; the valid one is
    ids = page.locator("[data-repo]").evaluate_all("els => els.map(e => e.dataset.repo)")
    assert ids == ["mallory/plain-model"]
    assert page.evaluate("document.documentElement.scrollWidth") <= 1200
    assert page.evaluate("window.__pwned") is None
    shot(page, "12-hostile-profile")


def test_the_page_csp_blocks_injected_inline_script(page, hub, context):
    """The policy is the page's own <meta> (a static host like HF's sends none)."""
    context.guard.allow_console(r"Content Security Policy|Content-Security-Policy")
    context.guard.allow_console(r"status of 404 .*/x\)$")  # the injected <img src=x> below
    response = page.goto(hub.space_url + "/")
    assert "content-security-policy" not in response.headers
    meta = page.locator('meta[http-equiv="Content-Security-Policy"]').get_attribute("content")
    assert "'unsafe-inline'" not in meta and "script-src 'self'" in meta and "'wasm-unsafe-eval'" in meta
    assert "default-src 'none'" in meta and "object-src 'none'" in meta and "base-uri 'none'" in meta
    open_space(page, hub)  # Python runs under the page's policy
    page.evaluate("""() => {
        const s = document.createElement('script');
        s.textContent = 'window.__pwned = "inline"';
        document.body.appendChild(s);
        const d = document.createElement('div');
        d.innerHTML = '<img src=x onerror="window.__pwned = \\'handler\\'">';
        document.body.appendChild(d);
    }""")
    page.wait_for_timeout(300)
    assert page.evaluate("window.__pwned") is None
