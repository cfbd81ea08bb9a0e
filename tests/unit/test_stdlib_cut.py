"""The trimmed standard library (issue 20): the import list it is cut from agrees with what the
browser's Python imports, the zip scripts/vendor.py writes, runtime.json, and
_hfsignin_fullstdlib, which fetches the rest of the library once when an import needs it."""

import ast
import gzip
import hashlib
import importlib
import io
import json
import re
import sys
import zipfile
from pathlib import Path
from types import SimpleNamespace

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
import vendor  # noqa: E402 - scripts/vendor.py: the cut and the module, as set-up makes them

STATIC = ROOT / "static_site"
SNAPSHOT_SCRIPT = (ROOT / "scripts" / "snapshot.mjs").read_text()
PYODIDE = next(STATIC.glob("vendor/pyodide-*/python_stdlib.zip")).parent


def js_list(name: str) -> list[str]:
    """An `export const NAME = [...]` list of strings in scripts/snapshot.mjs."""
    body = re.search(rf"export const {name} = \[(.*?)\];", SNAPSHOT_SCRIPT, re.S).group(1)
    return re.findall(r'"([\w.]+)"', re.sub(r"//[^\n]*", "", body))


def full_modules() -> set[str]:
    """Every module and package of Pyodide's full standard library, by dotted name."""
    with zipfile.ZipFile(PYODIDE / "python_stdlib.zip") as full:
        return {n.removesuffix(".py").removesuffix("/__init__").replace("/", ".")
                for n in full.namelist() if n.endswith(".py")}


def browser_sources() -> dict[str, str]:
    """The Python the page runs besides the standard library: ours, pyodide-http, PyScript's, the finder."""
    sources = {p.relative_to(ROOT).as_posix(): p.read_text() for package in ("hfsignin", "space_app")
               for p in sorted((ROOT / "py" / package).glob("*.py"))}  # not hfsignin/starter/: never in a browser
    [wheel] = STATIC.glob("vendor/wheels/pyodide_http-*.whl")
    with zipfile.ZipFile(wheel) as w:
        sources |= {n: w.read(n).decode() for n in w.namelist() if n.endswith(".py")}
    # PyScript's own Python package is embedded in its core module, as a JavaScript object of file texts.
    embedded = {}
    for core in STATIC.glob("vendor/pyscript-*/core-*.js"):
        embedded |= {f"pyscript/{name}": json.loads(text) for name, text in
                     re.findall(r'"([\w/]+\.py)":("(?:[^"\\]|\\.)*")', core.read_text())}
    assert {"pyscript/__init__.py", "pyscript/display.py", "pyscript/events.py"} <= set(embedded)
    sources |= embedded
    sources["scripts/_hfsignin_fullstdlib.py"] = vendor.FULLSTDLIB_MODULE.read_text()
    return sources


def stdlib_imports(sources: dict[str, str]) -> dict[str, set[str]]:
    """The standard library modules the sources import anywhere (functions too): name -> files."""
    modules = full_modules()
    stdlib = {m.split(".")[0] for m in modules} | set(sys.stdlib_module_names)
    found: dict[str, set[str]] = {}
    for path, text in sources.items():
        for node in ast.walk(ast.parse(text)):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names
                                         if f"{node.module}.{a.name}" in modules]
            for name in names:
                if name.split(".")[0] in stdlib:
                    found.setdefault(name, set()).add(path)
    return found


def test_the_import_list_is_what_the_browsers_python_imports():
    """scripts/snapshot.mjs IMPORTED: the snapshot imports it and the trimmed library is cut from it.
    A module imported in the browser and missing here would be fetched with the whole library."""
    found = stdlib_imports(browser_sources())
    listed = js_list("IMPORTED")
    assert len(listed) == len(set(listed)), "IMPORTED names a module twice"
    missing = {name: sorted(found[name]) for name in sorted(set(found) - set(listed))}
    assert not missing, f"add these to IMPORTED in scripts/snapshot.mjs: {missing}"
    assert not set(listed) - set(found), f"nothing imports these any more: {sorted(set(listed) - set(found))}"


def test_what_no_scan_sees_is_in_the_standard_library():
    unseen = js_list("UNSEEN")
    assert unseen and set(unseen) <= full_modules()
    assert "WARM = [...IMPORTED, ...UNSEEN]" in SNAPSHOT_SCRIPT


# -- the trimmed zip, as scripts/vendor.py writes it -------------------------------------------------

FULL_FILES = {
    "hfcut_whole.py": "WHERE = 'full'\n",
    "hfcut_pkg/__init__.py": "",
    "hfcut_pkg/kept.py": "WHERE = 'kept'\n",
    "hfcut_pkg/other.py": "WHERE = 'other'\n",
    "hfcut_pkg/mime/__init__.py": "",
    "hfcut_pkg/mime/text.py": "WHERE = 'text'\n",
}
KEPT = ["hfcut_pkg/__init__.py", "hfcut_pkg/kept.py"]


def zip_of(files: dict[str, str]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in files.items():
            z.writestr(name, text)
    return out.getvalue()


@pytest.fixture
def full_zip(tmp_path) -> Path:
    path = tmp_path / "python_stdlib.zip"
    path.write_bytes(zip_of(FULL_FILES))
    return path


def test_the_trimmed_zip_is_stored_sorted_dated_and_reproducible(full_zip):
    digest = hashlib.sha256(full_zip.read_bytes()).hexdigest()
    cut = vendor.cut_stdlib(full_zip, list(reversed(KEPT)), digest)
    assert vendor.cut_stdlib(full_zip, KEPT, digest) == cut
    with zipfile.ZipFile(io.BytesIO(cut)) as z:
        infos = z.infolist()
        names = [i.filename for i in infos]
        assert names == sorted(names) == ["_hfsignin_fullstdlib.py", "hfcut_pkg/", *KEPT]
        assert {(i.compress_type, i.date_time) for i in infos} == {(zipfile.ZIP_STORED, (1980, 1, 1, 0, 0, 0))}
        assert z.read("hfcut_pkg/kept.py") == b"WHERE = 'kept'\n"
        module = z.read("_hfsignin_fullstdlib.py").decode()
    assert ("MODULES = frozenset(['hfcut_pkg', 'hfcut_pkg.kept', 'hfcut_pkg.mime', 'hfcut_pkg.mime.text', "
            "'hfcut_pkg.other', 'hfcut_whole'])\n") in module and f"SHA256 = '{digest}'\n" in module
    with pytest.raises(vendor.VendorError, match="not in python_stdlib.zip: hfcut_gone.py"):
        vendor.cut_stdlib(full_zip, [*KEPT, "hfcut_gone.py"], digest)


def test_runtime_json_describes_the_files_it_names():
    """What set-up wrote (make setup, with Node): every file there, as described, and the snapshot made
    from the same trimmed library."""
    path = STATIC / "runtime.json"
    if not path.exists():
        pytest.skip("no runtime.json: set-up ran without Node")
    meta = json.loads(path.read_text())
    pins = vendor.read_manifest()
    folder = PYODIDE.name
    assert meta["format"] == vendor.RUNTIME_FORMAT and meta["pyodide"] == folder.removeprefix("pyodide-")
    assert set(meta["files"]) == {"pyodide.asm.wasm", "pyodide.asm.mjs", "python_stdlib.zip"}
    for name, entry in meta["files"].items():
        rel = entry["url"].removeprefix("vendor/")
        assert vendor.GENERATED.fullmatch(rel), rel  # kept by set-up's clean-up
        packed = (STATIC / entry["url"]).read_bytes()
        raw = gzip.decompress(packed)
        assert packed[:2] == b"\x1f\x8b" and (len(packed), hashlib.sha256(packed).hexdigest()) == \
            (entry["gz_bytes"], entry["gz_sha256"])
        assert (len(raw), hashlib.sha256(raw).hexdigest()) == (entry["bytes"], entry["sha256"])
        if name != "python_stdlib.zip":
            assert rel == f"{folder}/{name}.gz" and entry["sha256"] == pins[f"{folder}/{name}"]
    stdlib = meta["files"]["python_stdlib.zip"]
    assert re.fullmatch(rf"vendor/{folder}/python_stdlib-app-{stdlib['sha256'][:16]}\.zip\.gz", stdlib["url"])
    plain = (STATIC / stdlib["url"].removesuffix(".gz")).read_bytes()
    assert plain == gzip.decompress((STATIC / stdlib["url"]).read_bytes())  # for browsers without DecompressionStream
    with zipfile.ZipFile(io.BytesIO(plain)) as z:
        assert "_hfsignin_fullstdlib.py" in z.namelist() and "json/__init__.py" in z.namelist()
    assert meta["full_stdlib"] == {"url": f"vendor/{folder}/python_stdlib.zip", "sha256": pins[f"{folder}/python_stdlib.zip"],
                                   "bytes": (PYODIDE / "python_stdlib.zip").stat().st_size}
    snapshot = STATIC / "snapshot.json"
    if snapshot.exists():
        assert json.loads(snapshot.read_text())["stdlib_sha256"] == stdlib["sha256"]


# -- _hfsignin_fullstdlib: the rest of the library, on demand ----------------------------------------

@pytest.fixture
def trimmed(tmp_path, full_zip, monkeypatch):
    """A trimmed library (made by scripts/vendor.py from a tiny "full" one) first on sys.path, its
    finder imported, and a stand-in for the page's hfsigninFullStdlib() counting its calls;
    sys.path, sys.meta_path and the modules imported are put back afterwards."""
    lib = tmp_path / "lib"
    lib.mkdir()
    data = full_zip.read_bytes()
    (lib / "python3x.zip").write_bytes(vendor.cut_stdlib(full_zip, KEPT, hashlib.sha256(data).hexdigest()))
    page = SimpleNamespace(calls=0, data=data, error=None)

    def fetch():
        page.calls += 1
        if page.error:
            raise page.error
        return SimpleNamespace(to_bytes=lambda: page.data)  # a Uint8Array's JsProxy

    monkeypatch.setitem(sys.modules, "js", SimpleNamespace(hfsigninFullStdlib=fetch))
    monkeypatch.setattr(sys, "path", [str(lib / "python3x.zip"), *sys.path])
    monkeypatch.setattr(sys, "meta_path", list(sys.meta_path))
    monkeypatch.setattr(sys, "path_importer_cache", dict(sys.path_importer_cache))
    before = set(sys.modules)
    importlib.invalidate_caches()
    page.module = importlib.import_module("_hfsignin_fullstdlib")
    page.full = lib / "python3x-full.zip"
    yield page
    for name in set(sys.modules) - before:
        del sys.modules[name]


def test_a_module_only_in_the_full_library_is_fetched_and_found(trimmed):
    assert not trimmed.full.exists()
    import hfcut_whole

    assert hfcut_whole.WHERE == "full" and trimmed.calls == 1
    assert trimmed.full.read_bytes() == trimmed.data and sys.path[-1] == str(trimmed.full)
    assert hfcut_whole.__file__ == str(trimmed.full / "hfcut_whole.py")
    assert type(sys.meta_path[-1]).__name__ == "FullStdlibFinder"


def test_a_submodule_of_a_package_the_trimmed_library_has_in_part(trimmed):
    import hfcut_pkg.kept

    assert trimmed.calls == 0  # all there
    import hfcut_pkg.mime.text

    assert hfcut_pkg.mime.text.WHERE == "text" and trimmed.calls == 1
    assert hfcut_pkg.__file__.startswith(str(trimmed.full.with_name("python3x.zip")))  # the package stays the trimmed one
    assert hfcut_pkg.__path__[-1] == str(trimmed.full / "hfcut_pkg")
    assert hfcut_pkg.mime.__file__ == str(trimmed.full / "hfcut_pkg" / "mime" / "__init__.py")


def test_the_full_library_is_fetched_once_whatever_is_imported(trimmed):
    import hfcut_pkg.mime.text
    import hfcut_pkg.other
    import hfcut_whole

    for _ in range(3):
        with pytest.raises(ModuleNotFoundError, match="No module named 'hfcut_pkg.missing'"):
            importlib.import_module("hfcut_pkg.missing")
        with pytest.raises(ModuleNotFoundError, match="No module named 'hfcut_nothing'"):
            importlib.import_module("hfcut_nothing")
    assert (hfcut_whole.WHERE, hfcut_pkg.other.WHERE, hfcut_pkg.mime.text.WHERE) == ("full", "other", "text")
    assert trimmed.calls == 1 and sys.path.count(str(trimmed.full)) == 1
    assert hfcut_pkg.__path__.count(str(trimmed.full / "hfcut_pkg")) == 1
    importlib.reload(trimmed.module)  # imported again: still one finder
    assert sum(getattr(f, "hfsignin_fullstdlib", False) for f in sys.meta_path) == 1


@pytest.mark.parametrize("failure, reason", [
    ("error", "Error: HTTP 404"),
    ("tampered", "it does not match this build's digest"),
])
def test_a_failed_fetch_says_why_and_is_not_tried_again(trimmed, failure, reason):
    if failure == "error":
        trimmed.error = Exception("Error: HTTP 404")  # what a JavaScript exception says
    else:
        trimmed.data = trimmed.data + b"\0"
    for name in ("hfcut_whole", "hfcut_pkg.mime", "hfcut_whole"):
        with pytest.raises(ModuleNotFoundError) as raised:
            importlib.import_module(name)
        assert str(raised.value) == (f"{name} is not in this Space's trimmed standard library and the full one "
                                     f"could not be loaded: {reason}")
        assert raised.value.name == name
    assert trimmed.calls == 1 and not trimmed.full.exists() and str(trimmed.full) not in sys.path
    import hfcut_pkg.kept  # the trimmed library still works

    assert hfcut_pkg.kept.WHERE == "kept"


def test_a_name_in_no_standard_library_fails_as_usual_without_a_fetch(trimmed):
    with pytest.raises(ModuleNotFoundError, match=r"^No module named 'hfcut_nowhere'$"):
        import hfcut_nowhere  # noqa: F401
    with pytest.raises(ModuleNotFoundError, match=r"^No module named 'hfcut_nowhere'$"):
        import hfcut_nowhere.sub  # noqa: F401
    # nor in the full library's package: an unknown codec's name looked up as encodings.<name>, say
    with pytest.raises(ModuleNotFoundError, match=r"^No module named 'hfcut_pkg.missing'$"):
        import hfcut_pkg.missing  # noqa: F401
    assert trimmed.calls == 0
