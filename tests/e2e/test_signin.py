"""The whole sign-in in Chromium against devhub: consent, profile, orgs,
repositories, reload, more access, sign-out, denial and retry."""

from playwright.sync_api import expect

from harness import deny_then_retry, open_space, shot, sign_in, wait_booted


def session_keys(page) -> list[str]:
    return page.evaluate("Object.keys(sessionStorage)")


def repo_ids(page, tab: str) -> list[str]:
    return page.locator(f'[data-repo-list="{tab}"] [data-repo]').evaluate_all(
        "els => els.map(e => e.dataset.repo)")


def test_sign_in_profile_orgs_repos_reload_more_access_sign_out(page, hub):
    open_space(page, hub)
    assert sign_in(page, user="alice", orgs=["wonderland-lab"]) == "signed-in"

    # Profile from userinfo, rendered as text.
    expect(page.locator('[data-user="name"]')).to_have_text("Alice Liddell")
    expect(page.locator('[data-user="preferred_username"]')).to_have_text("@alice")
    expect(page.locator('[data-user="preferred_username"]')).to_have_attribute("href", f"{hub.hub_url}/alice")
    expect(page.locator('[data-user="email"]')).to_have_text("alice@wonderland.example")
    expect(page.locator("#pro-badge")).to_be_visible()
    expect(page.locator('img[data-user="picture"]')).to_have_attribute("src", f"{hub.hub_url}/avatars/alice.svg")
    # loaded: the page's policy admits the hub's avatars (devhub adds its origin beside huggingface.co)
    page.wait_for_function("document.querySelector('img[data-user=\"picture\"]').naturalWidth > 0")
    # Only the org she shared, with plan and role.
    expect(page.locator("[data-org]")).to_have_count(1)
    expect(page.locator('[data-org="wonderland-lab"]')).to_contain_text("enterprise")
    expect(page.locator('[data-org="wonderland-lab"]')).to_contain_text("admin")
    expect(page.locator("#expiry")).to_contain_text("Expires in 7 h")
    # The address bar is clean.
    assert "code=" not in page.url and "state=" not in page.url

    # Repositories: hers and the shared org's, public only (no read-repos yet).
    page.wait_for_selector('[data-repo="wonderland-lab/queen-of-hearts-70b"]')
    models = repo_ids(page, "models")
    assert {"alice/looking-glass-7b", "alice/cheshire-embed", "wonderland-lab/queen-of-hearts-70b"} <= set(models)
    assert "alice/drink-me-lora" not in models and "wonderland-lab/mad-hatter-vision" not in models
    assert not any(r.startswith("tea-party-ai/") for r in models)
    expect(page.locator("#private-notice")).to_be_visible()
    expect(page.locator('[data-repo="wonderland-lab/queen-of-hearts-70b"] .tag.gated')).to_be_visible()
    page.click("#tab-spaces")
    expect(page.locator('[data-repo="alice/croquet-arena"]')).to_contain_text("gradio")
    shot(page, "04-signed-in")

    # A reload keeps the session (sessionStorage) without another sign-in.
    tokens_before = len(hub.events("token"))
    page.reload()
    assert wait_booted(page) == "signed-in"
    expect(page.locator('[data-user="name"]')).to_have_text("Alice Liddell")
    assert len(hub.events("token")) == tokens_before
    expect(page.locator("#tab-spaces")).to_have_attribute("aria-selected", "true")  # the open tab too
    page.click("#tab-models")

    # Ask for more: private repositories, through the consent page again.
    page.click('[data-action="grant-private"]')
    page.wait_for_selector('[data-action="approve"]')
    expect(page.locator('[data-org="wonderland-lab"]')).to_be_checked()  # earlier choice kept
    page.click('[data-action="approve"]')
    assert wait_booted(page) == "signed-in"
    page.wait_for_selector('[data-repo="alice/drink-me-lora"]')
    expect(page.locator('[data-repo="alice/drink-me-lora"]')).to_have_attribute("data-private", "true")
    expect(page.locator('[data-repo="wonderland-lab/mad-hatter-vision"]')).to_have_attribute("data-private", "true")
    expect(page.locator("#private-notice")).to_be_hidden()
    page.click("#tab-datasets")
    expect(page.locator('[data-repo="alice/private-notes"] .tag.private')).to_be_visible()

    # Sign out: nothing of the session is left in this tab.
    page.click('[data-action="sign-out"]')
    expect(page.locator("html")).to_have_attribute("data-auth", "signed-out")
    assert not [k for k in session_keys(page) if k.startswith(("hfsignin:session", "hfsignin:tx:"))]
    expect(page.locator('[data-user="name"]')).to_have_text("")
    expect(page.locator("[data-repo]")).to_have_count(0)


def test_deny_shows_access_denied_and_retry_signs_in(page, hub):
    deny_then_retry(page, hub, "05-error-access-denied")
    expect(page.locator("#orgs-empty")).to_be_visible()


def test_devhub_saw_pkce_s256_and_a_nonce(page, hub):
    open_space(page, hub)
    sign_in(page, user="carol")
    [authorize] = hub.events("authorize")
    assert authorize["pkce"] == "S256" and authorize["nonce"] is True
    [token] = hub.events("token")
    assert token["pkce"] == "S256" and token["verifier_checked"] is True
    assert token["auth_method"] == "none"  # a public client: no secret in the browser


def test_every_page_of_a_1200_model_listing_is_reachable(page, hub):
    open_space(page, hub)
    sign_in(page, user="prolific")
    group = page.locator('[data-repo-list="models"] [data-owner="prolific"]')
    more = group.locator("button.more")
    expect(group.locator("[data-repo]")).to_have_count(50)
    pages = 1
    while True:
        expect(group).not_to_have_attribute("aria-busy", "true")
        if not more.is_visible():
            break
        more.click()
        pages += 1
        expect(group.locator("[data-repo]")).to_have_count(min(50 * pages, 1200))
    ids = repo_ids(page, "models")
    assert len(ids) == len(set(ids)) == 1200
    assert pages == 24
    expect(page.locator("#tab-models .count")).to_have_text("1,200")
    expect(group.locator("button.load-all")).to_be_hidden()


def test_load_all_fetches_the_rest_in_big_pages(page, hub):
    open_space(page, hub)
    sign_in(page, user="prolific")
    group = page.locator('[data-repo-list="models"] [data-owner="prolific"]')
    expect(group.locator("[data-repo]")).to_have_count(50)
    group.locator("button.load-all").click()
    expect(group.locator("[data-repo]")).to_have_count(1200, timeout=30_000)
    ids = repo_ids(page, "models")
    assert len(set(ids)) == 1200
    limits = [e for e in page.evaluate("performance.getEntriesByType('resource').map(r => r.name)")
              if "/api/models" in e and "author=prolific" in e]
    assert len(limits) == 3 and "limit=1000" in limits[1] and "limit=1000" in limits[2]  # 50 + 1000 + 150


def test_plain_urllib_works_with_the_token_through_pyodide_http(page, hub):
    open_space(page, hub)
    sign_in(page, user="alice", orgs=["tea-party-ai"])
    page.click('[data-action="urllib-whoami"]')
    result = page.locator("#urllib-result")
    expect(result).to_contain_text("GET /api/whoami-v2 → 200")
    expect(result).to_contain_text("name: alice")
    expect(result).to_contain_text("orgs: tea-party-ai")


def test_narrow_screen_has_no_horizontal_scroll(page, hub):
    page.set_viewport_size({"width": 360, "height": 780})
    open_space(page, hub)
    shot(page, "06-narrow-signed-out")
    sign_in(page, user="alice", orgs=["wonderland-lab", "tea-party-ai"])
    page.wait_for_selector('[data-repo="alice/looking-glass-7b"]')
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    shot(page, "07-narrow-signed-in")
