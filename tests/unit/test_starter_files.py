"""python -m hfsignin.starter: what it writes for each runtime (self-hosted by default, the CDN only when
asked), the demo Space's Content-Security-Policy on its page, what static/boot.js needs of its page, the
library's wheel it packs, and where the self-hosted runtime comes from (always checked)."""

import ast
import gzip
import hashlib
import json
import re
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

from devhub.seed import card_scopes
from devhub.server import read_card
from hfsignin import __version__, starter
from hfsignin.starter import (
    CDN,
    POLICY,
    PYODIDE,
    PYODIDE_CDN,
    PYSCRIPT,
    PYSCRIPT_CDN,
    StarterError,
    pack_library,
    page_policy,
    pinned_digests,
    wheel_name,
    write_starter,
)
from hfsignin.starter.__main__ import main

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
import build  # noqa: E402 - scripts/build.py: what the wheel carries for the starter
STATIC = ROOT / "static_site"
CDN_FILES = {"README.md", "index.html", "pyscript.toml", "main.py", "static/style.css", "static/favicon.svg",
             "static/boot.js", f"hfsignin-{__version__}-py3-none-any.whl"}


def files_of(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}


def policy_of(html: str) -> dict[str, list[str]] | None:
    """The page's Content-Security-Policy <meta>, read here without the starter's code: directive -> sources."""
    tags = re.findall(r'<meta http-equiv="Content-Security-Policy" content="([^"]*)">', html)
    if not tags:
        return None
    [policy] = tags
    return {d.split()[0]: d.split()[1:] for d in policy.split(";") if d.strip()}


DEMO_POLICY_TEXT = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]*)">',
                             (ROOT / "index.html").read_text()).group(1)
DEMO_POLICY = policy_of((ROOT / "index.html").read_text())


def urls_of(html: str) -> list[str]:
    return re.findall(r'(?:src|href|data-interpreter)="([^"]*)"', html)


def preload(html: str) -> dict[str, str]:
    tag = re.search(r"<link rel=\"modulepreload\"[^>]*>", html).group(0)
    return {name: value for name, _, value in re.findall(r'([\w-]+)(="([^"]*)")?', tag.removeprefix("<link"))}


def test_the_pins_are_the_ones_npm_installs():
    pins = json.loads((ROOT / "package.json").read_text())["dependencies"]
    assert (pins["@pyscript/core"], pins["pyodide"]) == (PYSCRIPT, PYODIDE)
    # jsDelivr's URL of an npm package's files, and PyScript's own scheme for Pyodide's
    assert PYSCRIPT_CDN == f"https://cdn.jsdelivr.net/npm/@pyscript/core@{PYSCRIPT}/dist/"
    assert PYODIDE_CDN == f"https://cdn.jsdelivr.net/pyodide/v{PYODIDE}/full/"


def test_the_default_starter_is_self_hosted_under_the_demo_spaces_policy(tmp_path):
    site = tmp_path / "my-space"
    write_starter(site)
    html = (site / "index.html").read_text()
    assert DEMO_POLICY and policy_of(html) == DEMO_POLICY  # index.html's, read when the starter ran
    assert all(u.startswith("./") for u in urls_of(html)), urls_of(html)  # nothing from a CDN
    assert {"static/pyodide-loader.mjs", f"static/vendor/pyscript-{PYSCRIPT}/core.js", "static/favicon.svg"} <= files_of(site)
    assert tomllib.loads((site / "pyscript.toml").read_text())["interpreter"] == "./static/pyodide-loader.mjs"
    # before anything is loaded: the tag comes right after the head's first metas, ahead of every link and script
    head = html.split("</head>", 1)[0]
    assert head.index('http-equiv="Content-Security-Policy"') < min(head.index("<link"), head.index("<script"))
    readme = (site / "README.md").read_text()
    assert "Content-Security-Policy" in readme and "checked every file" in readme and "jsDelivr" not in readme


def test_the_cdn_starter_is_asked_for_and_its_policy_adds_jsdelivr_where_the_runtime_needs_it(tmp_path):
    site = tmp_path / "my-space"
    write_starter(site, "cdn")
    assert files_of(site) == CDN_FILES
    config = tomllib.loads((site / "pyscript.toml").read_text())
    assert config == {"interpreter": PYODIDE_CDN + "pyodide.mjs", "files": {f"./{wheel_name()}": "./*"}}
    html = (site / "index.html").read_text()
    first = html.split("\n", 1)[0]
    assert first.lower().startswith("<!doctype html><html") and first.endswith("<head>")
    link = preload(html)
    assert link["href"] == PYSCRIPT_CDN + "core.js" and link["data-interpreter"] == config["interpreter"]
    assert f'<link rel="stylesheet" href="{PYSCRIPT_CDN}core.css">' in html
    remote = [u for u in urls_of(html) if not u.startswith("./")]
    assert remote and all(u.startswith((PYSCRIPT_CDN, PYODIDE_CDN)) for u in remote)
    assert '<script type="py" src="./main.py" config="./pyscript.toml"></script>' in html
    assert (site / "static" / "boot.js").read_bytes() == (STATIC / "boot.js").read_bytes()
    # the demo's policy, with jsDelivr for PyScript's module and CSS and what Pyodide fetches, and nothing else
    widened = {d: v + [CDN] if d in ("script-src", "style-src", "connect-src") else v for d, v in DEMO_POLICY.items()}
    assert policy_of(html) == widened
    readme = (site / "README.md").read_text()  # the risk, said where the Space's author reads
    assert "--runtime cdn" in readme and "Nothing checks what jsDelivr serves" in readme and "the wasm" in readme
    # hfsignin 0.2.0's name for it
    write_starter(tmp_path / "old" / "my-space", "release")
    assert (tmp_path / "old" / "my-space" / "index.html").read_text() == html
    with pytest.raises(StarterError, match="self-hosted, cdn"):
        write_starter(tmp_path / "nope", "jsdelivr")


def test_every_url_of_the_starter_page_is_one_its_policy_allows(tmp_path):
    """This Space's own files, or (cdn) jsDelivr's; no data: URL (the icon), which img-src refuses."""
    for runtime in ("self-hosted", "cdn"):
        site = tmp_path / runtime
        write_starter(site, runtime)
        html = (site / "index.html").read_text()
        for url in urls_of(html):
            if runtime == "cdn" and not url.startswith("./"):
                assert url.startswith(CDN + "/") and CDN in policy_of(html)["script-src"], url
            else:
                assert url.startswith("./") and (site / url).is_file(), url


def test_the_policy_is_read_from_the_one_meta_tag_of_a_page():
    assert page_policy('<head><meta http-equiv="content-security-policy" content=" default-src \'none\' ">') == \
        "default-src 'none'"
    for page in ("<head></head>", '<meta http-equiv="Content-Security-Policy" content="">',
                 '<meta http-equiv="Content-Security-Policy" content="a"><meta http-equiv="Content-Security-Policy" '
                 'content="b">'):
        with pytest.raises(StarterError, match="Content-Security-Policy"):
            page_policy(page)


def test_the_card_asks_for_oauth_on_a_static_space(tmp_path):
    write_starter(tmp_path / "my-space")
    card = read_card(tmp_path / "my-space" / "README.md")
    assert card["sdk"] == "static" and card["app_file"] == "index.html" and card["hf_oauth"] is True
    assert card["title"] == "my-space"
    assert card_scopes(card) == ["openid", "profile", "read-repos"]


def test_main_py_is_short_public_api_and_top_level_await(tmp_path):
    write_starter(tmp_path / "s")
    source = (tmp_path / "s" / "main.py").read_text()
    tree = compile(source, "main.py", "exec", flags=ast.PyCF_ONLY_AST | ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
    docstring = len(ast.get_docstring(tree).splitlines())
    code = [line for line in source.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    assert len(code) - docstring <= 20, "main.py is the starter's whole app: keep it about 15 lines"
    for name in ("HFSignIn()", "auth.handle_redirect()", "auth.restore()", "auth.login()",
                 "auth.api.list_models(author=", "except SignInError", "error.message"):
        assert name in source
    assert "hfsignin." not in source.replace("from hfsignin import", "")  # the package's public names only


def test_boot_js_finds_everything_it_needs_in_the_starter_page():
    """static/boot.js is the demo's own file: the starter's page must carry every id and hook it uses."""
    boot = (STATIC / "boot.js").read_text()
    html = (starter.TEMPLATES / "index.html").read_text()
    ids = set(re.findall(r'getElementById\("([\w-]+)"\)', boot))
    assert {"banner", "banner-title", "banner-message", "banner-reload", "embed-note", "runtime-status"} <= ids
    # the demo's own elements, which boot.js does without (the private-repositories option: its choice
    # travels to a sign-in tab when the demo's page has it)
    optional = ("boot-progress", "boot-label", "busy-text", "want-private", "announcer")
    missing = [i for i in ids if f'id="{i}"' not in html and i not in optional]
    assert not missing, f"static_site/boot.js needs these ids in the starter's index.html: {missing}"
    for selector in re.findall(r"querySelector\('([^']+)'\)", boot):
        if selector == '[data-action="sign-in"]':
            assert 'data-action="sign-in"' in html
        elif selector.startswith('link[rel="modulepreload"]'):
            assert all(a in preload(html) for a in ("href", "data-pyscript", "data-interpreter"))
        elif selector != ".py-error":
            pytest.fail(f"boot.js looks for {selector!r}: does the starter's page have it?")


def test_the_self_hosted_starter_carries_the_checked_runtime_and_the_snapshot(tmp_path):
    site = tmp_path / "s"
    write_starter(site, "self-hosted")
    digests = pinned_digests()
    assert {f"pyscript-{PYSCRIPT}/core.js", f"pyodide-{PYODIDE}/pyodide.asm.wasm"} <= set(digests)
    for rel, digest in digests.items():
        assert hashlib.sha256((site / "static" / "vendor" / rel).read_bytes()).hexdigest() == digest
    assert (site / "static" / "pyodide-loader.mjs").read_bytes() == (STATIC / "pyodide-loader.mjs").read_bytes()
    assert json.loads((site / "static" / "snapshot.json").read_text()) == json.loads((STATIC / "snapshot.json").read_text())
    # the compressed runtime, as set-up described it: runtime.json and the files it names
    runtime = json.loads((STATIC / "runtime.json").read_text())
    assert json.loads((site / "static" / "runtime.json").read_text()) == runtime
    for entry in runtime["files"].values():
        assert (site / "static" / entry["url"]).read_bytes() == (STATIC / entry["url"]).read_bytes()
    assert tomllib.loads((site / "pyscript.toml").read_text())["interpreter"] == "./static/pyodide-loader.mjs"
    link = preload((site / "index.html").read_text())
    assert link["href"] == f"./static/vendor/pyscript-{PYSCRIPT}/core.js"
    assert link["data-interpreter"] == "./static/pyodide-loader.mjs"
    assert not [f for f in files_of(site) if "wheels/" in f]  # pyodide-http is the demo's, not the starter's
    assert max(p.stat().st_size for p in site.rglob("*") if p.is_file()) < 10 * 1024 * 1024  # HF's limit


FAKE_NPM = """#!{python}
# npm pack, offline: the pinned packages as tarballs made from this checkout's node_modules.
import os, sys, tarfile
from pathlib import Path
args = sys.argv[1:]
dest = Path(args[args.index("--pack-destination") + 1])
for name, folder in (("pyscript-core-{pyscript}.tgz", "@pyscript/core"), ("pyodide-{pyodide}.tgz", "pyodide")):
    with tarfile.open(dest / name, "w") as tar:
        tar.add({modules!r} + "/" + folder, arcname="package")
tamper = os.environ.get("FAKE_NPM_TAMPER")
if tamper:
    with tarfile.open(dest / "pyodide-{pyodide}.tgz", "a") as tar:
        tar.add(tamper, arcname="package/pyodide-lock.json")
"""


@pytest.fixture
def installed_elsewhere(tmp_path, monkeypatch):
    """The starter as a pip-installed hfsignin sees the world: its shipped copies, no checkout, npm on PATH."""
    shipped = tmp_path / "shipped"
    build.starter_runtime(shipped)  # what scripts/build.py puts in the wheel
    monkeypatch.setattr(starter, "SHIPPED", shipped)
    monkeypatch.setattr(starter, "CHECKOUT", tmp_path / "no-checkout")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    npm = bin_dir / "npm"
    npm.write_text(FAKE_NPM.format(python=sys.executable, pyscript=PYSCRIPT, pyodide=PYODIDE,
                                   modules=str(ROOT / "node_modules")))
    npm.chmod(0o755)
    monkeypatch.setenv("PATH", str(bin_dir))
    return tmp_path


def test_installed_elsewhere_the_runtime_comes_from_npm_checked_file_by_file(installed_elsewhere):
    site = installed_elsewhere / "s"
    write_starter(site, "self-hosted")
    for rel, digest in pinned_digests().items():
        assert hashlib.sha256((site / "static" / "vendor" / rel).read_bytes()).hexdigest() == digest
    # no snapshot from npm: pyodide-loader.mjs finds none that is valid and boots Python normally
    assert json.loads((site / "static" / "snapshot.json").read_text()) == {"snapshot": None}


def test_installed_elsewhere_the_policy_is_the_copy_in_the_wheel(installed_elsewhere):
    shipped = starter.SHIPPED / POLICY
    assert shipped.read_text() == DEMO_POLICY_TEXT + "\n"  # scripts/build.py's copy of index.html's
    shipped.write_text("default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'\n")
    write_starter(installed_elsewhere / "s", "cdn")
    assert policy_of((installed_elsewhere / "s" / "index.html").read_text()) == {
        "default-src": ["'none'"], "script-src": ["'self'", CDN], "style-src": ["'self'", CDN],
        "connect-src": ["'self'", CDN]}
    shipped.unlink()
    with pytest.raises(StarterError, match=f"{POLICY} is missing"):
        write_starter(installed_elsewhere / "t", "cdn")
    assert not (installed_elsewhere / "t").exists()  # nothing written without a policy


def test_a_runtime_file_that_does_not_match_its_pin_stops_the_starter(installed_elsewhere, monkeypatch):
    evil = installed_elsewhere / "evil.json"
    evil.write_text("{}")
    monkeypatch.setenv("FAKE_NPM_TAMPER", str(evil))
    with pytest.raises(StarterError, match=f"pyodide-{PYODIDE}/pyodide-lock.json does not match its pinned SHA-256"):
        write_starter(installed_elsewhere / "s", "self-hosted")


def test_without_npm_it_says_what_to_do(installed_elsewhere, monkeypatch):
    monkeypatch.setenv("PATH", str(installed_elsewhere / "nothing"))
    with pytest.raises(StarterError, match="npm is not installed.*--vendor DIR.*--runtime cdn"):
        write_starter(installed_elsewhere / "s")
    write_starter(installed_elsewhere / "r", "cdn")  # the CDN starter needs no runtime here


def test_vendor_dir_is_a_source_too_and_checked(tmp_path):
    vendor = tmp_path / "vendor"
    for rel in pinned_digests():
        (vendor / rel).parent.mkdir(parents=True, exist_ok=True)
        (vendor / rel).write_bytes((STATIC / "vendor" / rel).read_bytes())
    write_starter(tmp_path / "ok", "self-hosted", vendor=vendor)
    assert json.loads((tmp_path / "ok" / "static" / "snapshot.json").read_text()) == {"snapshot": None}
    assert not (tmp_path / "ok" / "static" / "runtime.json").exists()  # the page boots from the plain files
    (vendor / f"pyscript-{PYSCRIPT}" / "core.js").write_text("alert(1)")
    with pytest.raises(StarterError, match=f"pyscript-{PYSCRIPT}/core.js does not match"):
        write_starter(tmp_path / "bad", "self-hosted", vendor=vendor)
    assert not (tmp_path / "bad" / "static" / "vendor").exists()  # nothing of an unchecked runtime is written


def checkout_like(folder: Path) -> Path:
    """A copy of this checkout's static_site/ as set-up left it: the pinned files, runtime.json, the
    snapshot and the files they name (links to the originals; a test replaces what it tampers with)."""
    vendor = folder / "vendor"
    runtime = json.loads((STATIC / "runtime.json").read_text())
    snapshot = json.loads((STATIC / "snapshot.json").read_text())
    names = [f"vendor/{rel}" for rel in pinned_digests()] + [e["url"] for e in runtime["files"].values()] + [snapshot["url"]]
    for rel in names:
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).symlink_to(STATIC / rel)
    for name in ("runtime.json", "snapshot.json"):
        (folder / name).write_text((STATIC / name).read_text())
    return vendor


def test_the_compressed_runtime_and_the_snapshot_made_with_it_are_copied_only_when_they_verify(tmp_path):
    vendor = checkout_like(tmp_path / "site")
    runtime = json.loads((STATIC / "runtime.json").read_text())
    write_starter(tmp_path / "ok", "self-hosted", vendor=vendor)
    assert json.loads((tmp_path / "ok" / "static" / "runtime.json").read_text()) == runtime
    assert json.loads((tmp_path / "ok" / "static" / "snapshot.json").read_text())["url"].startswith("vendor/snapshot/")
    # a snapshot made from another trimmed library: the runtime, and no snapshot
    snapshot = json.loads((STATIC / "snapshot.json").read_text())
    (tmp_path / "site" / "snapshot.json").write_text(json.dumps({**snapshot, "stdlib_sha256": "0" * 64}))
    write_starter(tmp_path / "other", "self-hosted", vendor=vendor)
    assert (tmp_path / "other" / "static" / "runtime.json").is_file()
    assert json.loads((tmp_path / "other" / "static" / "snapshot.json").read_text()) == {"snapshot": None}
    (tmp_path / "site" / "snapshot.json").write_text(json.dumps(snapshot))
    # a gzip file changed: neither runtime.json nor the snapshot (made with that runtime), and nothing it names
    stdlib = tmp_path / "site" / runtime["files"]["python_stdlib.zip"]["url"]
    packed = stdlib.read_bytes()
    stdlib.unlink()
    stdlib.write_bytes(gzip.compress(gzip.decompress(packed) + b"\0"))
    write_starter(tmp_path / "bad", "self-hosted", vendor=vendor)
    assert not (tmp_path / "bad" / "static" / "runtime.json").exists()
    assert json.loads((tmp_path / "bad" / "static" / "snapshot.json").read_text()) == {"snapshot": None}
    assert not [f for f in files_of(tmp_path / "bad") if f.endswith(".gz")]


def test_the_library_wheel_of_the_starter(tmp_path):
    first = pack_library(tmp_path)
    assert first.name == wheel_name() == f"hfsignin-{__version__}-py3-none-any.whl"
    with zipfile.ZipFile(first) as wheel:
        names = wheel.namelist()
        record = wheel.read(f"hfsignin-{__version__}.dist-info/RECORD").decode().splitlines()
        for line in record[:-1]:
            name, digest, size = line.split(",")
            data = wheel.read(name)
            assert int(size) == len(data) and digest == "sha256=" + starter._b64_sha256(data)
    modules = {f"hfsignin/{p.name}" for p in (ROOT / "py" / "hfsignin").glob("*.py")}
    assert {n for n in names if n.endswith(".py")} == modules  # every module, and not the starter
    assert "hfsignin/py.typed" in names and all(n.startswith(("hfsignin/", "hfsignin-")) for n in names)
    (tmp_path / "again").mkdir()
    assert pack_library(tmp_path / "again").read_bytes() == first.read_bytes()  # reproducible


def test_the_command_line(tmp_path, capsys):
    assert main([str(tmp_path / "a")]) == 0
    assert "wrote a self-hosted starter Space" in capsys.readouterr().out
    assert main([str(tmp_path / "c"), "--runtime", "cdn"]) == 0
    out = capsys.readouterr().out
    assert "wrote a cdn starter Space" in out and f"come from {CDN}, and nothing checks what it serves" in out
    assert main([str(tmp_path / "r"), "--runtime", "release"]) == 0  # hfsignin 0.2.0's name for cdn
    assert "wrote a cdn starter Space" in capsys.readouterr().out
    assert main([str(tmp_path / "a")]) == 1  # not over a folder that has files
    assert "is not empty" in capsys.readouterr().err
    assert main([str(tmp_path / "a"), "--force"]) == 0
    with pytest.raises(SystemExit):
        main([str(tmp_path / "b"), "--runtime", "cdn", "--vendor", str(tmp_path)])  # --vendor is for self-hosted
