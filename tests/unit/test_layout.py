"""The page loads only local files, and pyscript.toml ships every browser module."""

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def config():
    return tomllib.loads((ROOT / "pyscript.toml").read_text())


def mapped_sources() -> set[str]:
    files = config()["files"]
    frm = files["{FROM}"]
    return {src.replace("{FROM}", frm).removeprefix("./") for src in files if src not in ("{FROM}", "{TO}")}


def test_every_browser_module_is_shipped_and_nothing_else():
    wanted = {p.relative_to(ROOT).as_posix() for pkg in ("hfsignin", "space_app")
              for p in (ROOT / "py" / pkg).glob("*.py")}
    shipped = {s for s in mapped_sources() if s.endswith(".py")}
    assert shipped == wanted
    assert not any("devhub" in s for s in mapped_sources())


def test_interpreter_and_wheels_are_vendored_paths_in_the_manifest():
    manifest = {line.split()[1] for line in (ROOT / "static_site" / "vendor.sha256").read_text().splitlines()}
    loader = ROOT / config()["interpreter"]
    assert loader.is_file()
    [imported] = re.findall(r'from "\./vendor/([^"]+)"', loader.read_text())
    assert imported in manifest and imported.startswith("pyodide-314.0.7/")
    for src in mapped_sources():
        if src.startswith("static_site/vendor/"):
            assert src.removeprefix("static_site/vendor/") in manifest
    assert "packages" not in config()  # micropip is not available offline


def test_index_html_loads_nothing_from_another_site():
    html = (ROOT / "index.html").read_text()
    for attr in re.findall(r'(?:src|href)="([^"]*)"', html):
        assert attr.startswith(("./", "#")), attr
    core = re.search(r'<link rel="modulepreload" href="\./static_site/vendor/(pyscript-[\d.]+/core\.js)" data-pyscript '
                     r'data-interpreter="([^"]+)">', html)
    manifest = (ROOT / "static_site" / "vendor.sha256").read_text()
    assert core and core.group(1) in manifest
    # boot.js imports PyScript's interpreter early: the same module pyscript.toml names
    assert core.group(2) == config()["interpreter"]
    assert '<meta name="referrer" content="no-referrer">' in html


def page_policy(html: str) -> dict[str, list[str]]:
    """The <meta> Content-Security-Policy of a page: directive -> sources."""
    [content] = re.findall(r'<meta http-equiv="Content-Security-Policy" content="([^"]*)">', html)
    return {name: sources for name, *sources in (d.split() for d in content.split(";") if d.strip())}


def test_the_committed_policy_is_the_production_one():
    """index.html (and so dist/index.html) names no loopback source and no scheme-wide image source:
    connections to huggingface.co, images from its two avatar hosts. devhub's Space host admits
    its own origin beside huggingface.co when it serves the page (devhub.space_host.admit_stand_in)."""
    policy = page_policy((ROOT / "index.html").read_text())
    sources = [s for values in policy.values() for s in values]
    assert not [s for s in sources if re.search(r"localhost|127\.0\.0\.1|\[::1\]|^https?:$|^http://|\*", s)], sources
    assert policy["connect-src"] == ["'self'", "https://huggingface.co"]
    assert policy["img-src"] == ["'self'", "https://huggingface.co", "https://cdn-avatars.huggingface.co"]


def test_head_is_on_the_first_line():
    """Hugging Face injects window.huggingface right after <head>; one report says its injector
    counts the lines before it as if they ended in CRLF, which cuts an LF file's tag in two.
    With nothing before <head> on another line, any such miscount is zero."""
    first = (ROOT / "index.html").read_text().split("\n", 1)[0]
    assert first.lower().startswith("<!doctype html>") and first.rstrip().endswith("<head>")


def test_dom_contract_hooks_exist_in_the_html():
    html = (ROOT / "index.html").read_text()
    for hook in ('data-auth="loading"', 'data-action="sign-in"', 'data-action="sign-out"', 'data-user="name"',
                 'data-user="preferred_username"', 'data-user="email"', 'data-user="picture"',
                 'data-repo-list="models"', 'data-repo-list="datasets"', 'data-repo-list="spaces"', 'role="alert"',
                 'data-action="reload"', 'data-action="retry"'):
        assert hook in html, hook


def test_pins_agree():
    import json

    pins = json.loads((ROOT / "package.json").read_text())["dependencies"]
    assert pins == {"@pyscript/core": "0.7.31", "pyodide": "314.0.7"}
    assert "pyscript-0.7.31/" in (ROOT / "index.html").read_text()
    assert "pyodide-314.0.7/" in (ROOT / "static_site" / "pyodide-loader.mjs").read_text()


def test_boot_js_and_the_library_agree_on_the_strings_they_share():
    from hfsignin.config import DEFAULT_PROVIDER
    from hfsignin.navigation import IN_FRAME_KEY
    from hfsignin.session import SESSION_KEY

    boot = (ROOT / "static_site" / "boot.js").read_text()
    assert f'var IN_FRAME = "{IN_FRAME_KEY}";' in boot
    # the provider when the page has no OPENID_PROVIDER_URL: in-frame sign-in under the library's default
    assert f'var DEFAULT_PROVIDER = "{DEFAULT_PROVIDER}";' in boot
    assert f'sessionStorage.getItem("{SESSION_KEY}")' in boot
    # what a callback is: the library's has_callback() and boot.js look at the same parameters
    from hfsignin.callback import _SIGNALS

    assert "var CALLBACK_PARAMS = [" + ", ".join(f'"{n}"' for n in _SIGNALS) + "];" in boot
