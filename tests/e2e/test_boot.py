"""The Space boots offline from vendored files and offers sign-in."""

from playwright.sync_api import expect

from harness import open_space, shot


def test_space_boots_offline_and_enables_sign_in(page, hub):
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(hub.space_url + "/")
    # HTML first: the button is there before Python runs (disabled until it can work).
    expect(page.locator('[data-action="sign-in"]')).to_be_visible()
    assert open_space(page, hub) == "signed-out"
    button = page.locator('[data-action="sign-in"]')
    expect(button).to_be_enabled()
    expect(button).to_have_text("Sign in with Hugging Face")
    expect(page.locator("#runtime-status")).to_have_text("Python ready")
    # Everything the page loaded came from the Space itself or the (local) provider.
    origins = {"/".join(u.split("/", 3)[:3]) for u in requests}
    assert origins <= {hub.space_url, hub.hub_url}, origins
    assert any("/static_site/vendor/pyodide-314.0.7/pyodide.asm.wasm" in u for u in requests)
    assert any("/py/hfsignin/client.py" in u for u in requests)
    shot(page, "01-signed-out")


def test_space_variables_are_injected_like_huggingface(page, hub):
    open_space(page, hub)
    variables = page.evaluate("window.huggingface.variables")
    assert variables["OAUTH_CLIENT_ID"] == hub.client_id
    assert variables["OPENID_PROVIDER_URL"] == hub.hub_url
    assert variables["OAUTH_SCOPES"].split()[:2] == ["openid", "profile"]
    assert variables["SPACE_ID"] == hub.devhub.options.space_id
