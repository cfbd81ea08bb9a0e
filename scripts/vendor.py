"""Assemble the browser runtime into static_site/vendor/ and check it.

The runtime (PyScript, Pyodide and the pyodide-http wheel) is never committed:
this script copies it out of node_modules/ (installed by `npm ci` from the
lockfile) and fetches the wheel with pip, then checks every file against the
committed manifest static_site/vendor.sha256. Anything that does not match
stops the set-up; files the manifest does not name are removed.

Then, with Node, what the page downloads instead of Pyodide's plain files, made
from the checked runtime and described by the generated static_site/runtime.json
(their URLs, sizes and SHA-256 digests; made again only when its inputs change):
gzip companions of pyodide.asm.wasm and pyodide.asm.mjs, and the standard library
trimmed to what the Space's Python loads (scripts/stdlib_cut.mjs lists it), as
python_stdlib-app-<digest>.zip and its .gz, with _hfsignin_fullstdlib.py at its
root for the imports it lacks. The plain files stay, for browsers without
DecompressionStream.

Last, the Pyodide memory snapshot, made from that trimmed library
(scripts/snapshot.mjs): static_site/vendor/snapshot/*.bin.gz, named by its
digest, and static_site/snapshot.json, the digests the page checks it against
before restoring it. A snapshot is not reproducible byte for byte, so it is
described by that generated file rather than by vendor.sha256; it is made again
only when the runtime, the trimmed library or the script that makes it changes.

    python scripts/vendor.py                   # assemble + verify (idempotent)
    python scripts/vendor.py --write-manifest  # after bumping a pin, on purpose
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import json
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENDOR = ROOT / "static_site" / "vendor"
MANIFEST = ROOT / "static_site" / "vendor.sha256"
SNAPSHOT_SCRIPT = ROOT / "scripts" / "snapshot.mjs"
SNAPSHOT_MANIFEST = ROOT / "static_site" / "snapshot.json"
SNAPSHOT_DIR = "snapshot"  # under static_site/vendor/
SNAPSHOT_FORMAT = 1  # what pyodide-loader.mjs understands
RUNTIME_MANIFEST = ROOT / "static_site" / "runtime.json"
RUNTIME_FORMAT = 1  # what pyodide-loader.mjs understands
STDLIB_CUT_SCRIPT = ROOT / "scripts" / "stdlib_cut.mjs"
FULLSTDLIB_MODULE = ROOT / "scripts" / "_hfsignin_fullstdlib.py"  # at the trimmed zip's root, filled in
COMPRESSED = ("pyodide.asm.wasm", "pyodide.asm.mjs")  # served gzipped beside the plain file
# What set-up generates beside the checked Pyodide files (described by runtime.json, not vendor.sha256).
GENERATED = re.compile(r"pyodide-[^/]+/(?:pyodide\.asm\.(?:wasm|mjs)\.gz|python_stdlib-app-[0-9a-f]{16}\.zip(?:\.gz)?)")
ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # the trimmed zip's fixed dates: the same members give the same bytes

# The pyodide files loadPyodide() fetches at boot; the rest of the npm package
# (type definitions, consoles, the CommonJS build) is not served.
PYODIDE_FILES = (
    "pyodide.mjs",
    "pyodide.asm.mjs",
    "pyodide.asm.wasm",
    "python_stdlib.zip",
    "pyodide-lock.json",
)
# Pure-Python wheels for Pyodide's Python, fetched from PyPI (micropip is not
# available offline, so the page unpacks them through pyscript.toml `files`).
WHEELS = {"pyodide-http": "0.2.2"}
PYODIDE_PYTHON = "3.14"


class VendorError(Exception):
    pass


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def pinned_version(package: str) -> str:
    """The exact version package.json pins, which must be what npm installed."""
    pins = json.loads((ROOT / "package.json").read_text())["dependencies"]
    wanted = pins[package]
    installed_meta = ROOT / "node_modules" / package / "package.json"
    if not installed_meta.exists():
        raise VendorError(f"{package} is not installed: run `npm ci` first")
    installed = json.loads(installed_meta.read_text())["version"]
    if installed != wanted:
        raise VendorError(
            f"{package}: package.json pins {wanted} but node_modules has {installed}; run `npm ci`"
        )
    return wanted


def copy_if_changed(src: Path, dest: Path) -> None:
    if dest.exists():
        s, d = src.stat(), dest.stat()
        if s.st_size == d.st_size and d.st_mtime >= s.st_mtime:
            return
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(src, dest)


def layout() -> dict[str, Path]:
    """Map of vendored path (relative to static_site/vendor) -> source file."""
    files: dict[str, Path] = {}
    pyscript = pinned_version("@pyscript/core")
    dist = ROOT / "node_modules" / "@pyscript" / "core" / "dist"
    for src in sorted(dist.rglob("*")):
        if src.is_file() and not src.name.endswith(".map"):
            files[f"pyscript-{pyscript}/{src.relative_to(dist).as_posix()}"] = src
    pyodide = pinned_version("pyodide")
    for name in PYODIDE_FILES:
        files[f"pyodide-{pyodide}/{name}"] = ROOT / "node_modules" / "pyodide" / name
    return files


def wheel_name(project: str, version: str) -> str:
    return f"{project.replace('-', '_')}-{version}-py3-none-any.whl"


def read_manifest() -> dict[str, str]:
    if not MANIFEST.exists():
        return {}
    entries = {}
    for line in MANIFEST.read_text().splitlines():
        if line.strip():
            digest, name = line.split(None, 1)
            entries[name.strip()] = digest
    return entries


def fetch_wheels(manifest: dict[str, str]) -> None:
    for project, version in WHEELS.items():
        rel = f"wheels/{wheel_name(project, version)}"
        dest = VENDOR / rel
        if dest.exists() and manifest.get(rel) == sha256(dest):
            continue
        dest.unlink(missing_ok=True)
        dest.parent.mkdir(parents=True, exist_ok=True)
        print(f"vendor: fetching {project}=={version} for Python {PYODIDE_PYTHON} with pip")
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
             "--only-binary=:all:", "--python-version", PYODIDE_PYTHON,
             "--platform", "any", "--implementation", "py",
             "--dest", str(dest.parent), f"{project}=={version}"],
            check=True,
        )
        if not dest.exists():
            raise VendorError(f"pip did not produce {rel}")


def assemble(write_manifest: bool) -> None:
    manifest = read_manifest()
    sources = layout()
    for rel, src in sources.items():
        if not src.exists():
            raise VendorError(f"missing {src.relative_to(ROOT)}: run `npm ci`")
        copy_if_changed(src, VENDOR / rel)
    fetch_wheels(manifest)

    expected = set(sources) | {f"wheels/{wheel_name(p, v)}" for p, v in WHEELS.items()}
    for path in sorted(VENDOR.rglob("*"), reverse=True):
        rel = path.relative_to(VENDOR).as_posix()
        if rel.startswith(SNAPSHOT_DIR + "/") or GENERATED.fullmatch(rel):
            continue  # described by snapshot.json and runtime.json, checked by make_snapshot() and make_runtime()
        if path.is_file() and rel not in expected:
            path.unlink()
        elif path.is_dir() and not any(path.iterdir()):
            path.rmdir()

    actual = {rel: sha256(VENDOR / rel) for rel in sorted(expected)}
    if write_manifest:
        MANIFEST.write_text("".join(f"{d}  {rel}\n" for rel, d in actual.items()))
        print(f"vendor: wrote {MANIFEST.relative_to(ROOT)} ({len(actual)} files)")
        return

    problems = []
    for rel, digest in actual.items():
        if rel not in manifest:
            problems.append(f"not in the manifest: {rel}")
        elif manifest[rel] != digest:
            problems.append(f"sha256 mismatch: {rel}")
    problems += [f"missing: {rel}" for rel in sorted(set(manifest) - set(actual))]
    if problems:
        for rel in (p.split(": ", 1)[1] for p in problems):
            if (VENDOR / rel).exists():
                (VENDOR / rel).unlink()  # never leave an unchecked file to be served
        raise VendorError("the vendored runtime does not match static_site/vendor.sha256:\n  "
                          + "\n  ".join(problems))
    size = sum((VENDOR / rel).stat().st_size for rel in actual)
    print(f"vendor: {len(actual)} files verified against the manifest ({size / 1e6:.1f} MB)")
    make_snapshot(actual, make_runtime(actual))


# -- runtime.json: the gzip companions and the trimmed standard library ---------------------------

def pyodide_dir(digests: dict[str, str]) -> str:
    """The vendored Pyodide's folder, relative to static_site/vendor: pyodide-<version>."""
    return next(r.split("/", 1)[0] for r in digests if r.startswith("pyodide-"))


def file_entry(rel: str, raw: bytes, packed: bytes) -> dict:
    return {"url": f"vendor/{rel}", "gz_bytes": len(packed), "gz_sha256": hashlib.sha256(packed).hexdigest(),
            "bytes": len(raw), "sha256": hashlib.sha256(raw).hexdigest()}


def intact(entry: dict | None, made_from: str | None = None) -> bool:
    """A runtime.json entry whose .gz is still the file it describes (and, given ``made_from``, made
    from the file of that digest)."""
    try:
        rel = entry["url"].removeprefix("vendor/")
        if not GENERATED.fullmatch(rel) or made_from not in (None, entry["sha256"]):
            return False
        return (VENDOR / rel).is_file() and sha256(VENDOR / rel) == entry["gz_sha256"]
    except (TypeError, KeyError, AttributeError):
        return False


def companion(rel: str, digest: str, old: dict | None) -> dict:
    """``rel``.gz beside the checked file (gzip level 9, mtime 0), kept while it is intact."""
    if intact(old, digest) and old["url"] == f"vendor/{rel}.gz":
        return old
    raw = (VENDOR / rel).read_bytes()
    packed = gzip.compress(raw, compresslevel=9, mtime=0)
    (VENDOR / f"{rel}.gz").write_bytes(packed)
    return file_entry(f"{rel}.gz", raw, packed)


def runtime_inputs(digests: dict[str, str]) -> str:
    """What the trimmed standard library depends on: the Pyodide files and the scripts that choose and fill it."""
    h = hashlib.sha256(f"format {RUNTIME_FORMAT}\n".encode())
    for rel in sorted(r for r in digests if r.startswith("pyodide-")):
        h.update(f"{digests[rel]} {rel}\n".encode())
    for script in (STDLIB_CUT_SCRIPT, SNAPSHOT_SCRIPT, FULLSTDLIB_MODULE):
        h.update(hashlib.sha256(script.read_bytes()).hexdigest().encode() + b"\n")
    return h.hexdigest()


def fullstdlib_module(modules: set[str], digest: str) -> bytes:
    """_hfsignin_fullstdlib.py with the full library's modules and digest written in."""
    text = FULLSTDLIB_MODULE.read_text()
    filled = {"MODULES = frozenset()\n": f"MODULES = frozenset({sorted(modules)!r})\n",
              'SHA256 = ""\n': f"SHA256 = {digest!r}\n"}
    for blank, value in filled.items():
        if text.count(blank) != 1:
            raise VendorError(f"{FULLSTDLIB_MODULE.relative_to(ROOT)} must have one line {blank.strip()!r}")
        text = text.replace(blank, value)
    return text.encode()


def module_names(full: zipfile.ZipFile) -> set[str]:
    """Every module and package of a standard library zip, by its dotted name."""
    return {name.removesuffix(".py").removesuffix("/__init__").replace("/", ".")
            for name in full.namelist() if name.endswith(".py") and not name.startswith("site-packages/")}


def cut_stdlib(full_path: Path, members: list[str], digest: str) -> bytes:
    """The trimmed zip: ``members`` of the full library (with their folders) and _hfsignin_fullstdlib.py,
    stored uncompressed (the whole file is gzipped, across members) with fixed dates, in name order."""
    with zipfile.ZipFile(full_path) as full:
        present = set(full.namelist())
        missing = sorted(set(members) - present)
        if missing:
            raise VendorError(f"not in {full_path.name}: {', '.join(missing)}")
        files = {name: full.read(name) for name in members}
        files["_hfsignin_fullstdlib.py"] = fullstdlib_module(module_names(full), digest)
    folders = {name[:i + 1] for name in files for i, c in enumerate(name) if c == "/"}
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as cut:
        for name in sorted(files.keys() | folders):
            info = zipfile.ZipInfo(name, ZIP_DATE)
            info.create_system = 3  # Unix, wherever set-up runs
            info.external_attr = (0o40755 << 16) | 0x10 if name.endswith("/") else 0o100644 << 16
            cut.writestr(info, b"" if name.endswith("/") else files[name])
    return out.getvalue()


def make_cut(digests: dict[str, str]) -> dict:
    """The trimmed standard library and its .gz, from the members scripts/stdlib_cut.mjs lists."""
    node = shutil.which("node")
    if node is None:
        raise VendorError("no Node.js")
    folder = pyodide_dir(digests)
    print("vendor: trimming the standard library to what the Space loads (scripts/stdlib_cut.mjs)")
    run = subprocess.run([node, str(STDLIB_CUT_SCRIPT), str(VENDOR / folder)], capture_output=True, text=True)
    try:
        members = json.loads(run.stdout) if run.returncode == 0 else None
    except ValueError:
        members = None
    if not isinstance(members, list) or not all(isinstance(m, str) for m in members):
        raise VendorError(f"scripts/stdlib_cut.mjs failed: {(run.stderr or run.stdout).strip()[-500:]}")
    full = f"{folder}/python_stdlib.zip"
    raw = cut_stdlib(VENDOR / full, members, digests[full])
    rel = f"{folder}/python_stdlib-app-{hashlib.sha256(raw).hexdigest()[:16]}.zip"
    packed = gzip.compress(raw, compresslevel=9, mtime=0)
    (VENDOR / rel).write_bytes(raw)
    (VENDOR / f"{rel}.gz").write_bytes(packed)
    return file_entry(f"{rel}.gz", raw, packed)


def cut_intact(entry: dict | None) -> bool:
    """runtime.json's trimmed library: its .gz and the plain zip beside it still what it says."""
    if not intact(entry):
        return False
    plain = VENDOR / entry["url"].removeprefix("vendor/").removesuffix(".gz")
    return plain.is_file() and sha256(plain) == entry["sha256"]


def make_runtime(digests: dict[str, str]) -> dict | None:
    """runtime.json and the files it names, each made again only when what it is made from changed.
    Without Node (or if it fails) there is no trimmed library, so no runtime.json: the page then
    boots from Pyodide's plain files."""
    folder = pyodide_dir(digests)
    inputs = runtime_inputs(digests)
    try:
        old = json.loads(RUNTIME_MANIFEST.read_text())
    except (OSError, ValueError):
        old = None
    old = old if isinstance(old, dict) else {}
    files = old["files"] if isinstance(old.get("files"), dict) else {}
    stdlib = files.get("python_stdlib.zip")
    if old.get("inputs") != inputs or not cut_intact(stdlib):
        try:
            stdlib = make_cut(digests)
        except VendorError as exc:
            stdlib = None
            print(f"vendor: warning: no trimmed standard library ({exc}), so no runtime.json: "
                  "the Space will boot from Pyodide's plain files, without its snapshot")
    meta = None
    if stdlib is not None:
        full = f"{folder}/python_stdlib.zip"
        meta = {"format": RUNTIME_FORMAT, "pyodide": folder.removeprefix("pyodide-"), "inputs": inputs,
                "files": {name: companion(f"{folder}/{name}", digests[f"{folder}/{name}"], files.get(name))
                          for name in COMPRESSED},
                "full_stdlib": {"url": f"vendor/{full}", "bytes": (VENDOR / full).stat().st_size,
                                "sha256": digests[full]}}
        meta["files"]["python_stdlib.zip"] = stdlib
        text = json.dumps(meta, indent=2) + "\n"
        if not RUNTIME_MANIFEST.is_file() or RUNTIME_MANIFEST.read_text() != text:
            RUNTIME_MANIFEST.write_text(text)
    else:
        RUNTIME_MANIFEST.unlink(missing_ok=True)
    keep = set() if meta is None else {e["url"].removeprefix("vendor/") for e in meta["files"].values()}
    keep |= {rel.removesuffix(".gz") for rel in keep if "python_stdlib-app-" in rel}
    for path in VENDOR.glob("pyodide-*/*"):
        rel = path.relative_to(VENDOR).as_posix()
        if GENERATED.fullmatch(rel) and rel not in keep:
            path.unlink()  # made from an earlier runtime, or never described
    if meta is not None:
        with zipfile.ZipFile(ROOT / "static_site" / stdlib["url"].removesuffix(".gz")) as cut:
            count = sum(not name.endswith("/") for name in cut.namelist())
        sizes = ", ".join(f"{e['url'].rsplit('/', 1)[1]} {e['gz_bytes'] / 1e6:.2f} MB" for e in meta["files"].values())
        print(f"vendor: runtime.json: {sizes} ({count} files, {stdlib['bytes'] / 1e6:.2f} MB stored; "
              f"the full library {meta['full_stdlib']['bytes'] / 1e6:.2f} MB)")
    return meta


# -- the snapshot ---------------------------------------------------------------------------------

def snapshot_inputs(digests: dict[str, str], stdlib_sha256: str) -> str:
    """What the snapshot depends on: the Pyodide files, the trimmed library it boots from,
    the script that makes it, its format."""
    h = hashlib.sha256(f"format {SNAPSHOT_FORMAT}\n".encode())
    for rel in sorted(r for r in digests if r.startswith("pyodide-")):
        h.update(f"{digests[rel]} {rel}\n".encode())
    h.update(f"{stdlib_sha256} trimmed standard library\n".encode())
    h.update(SNAPSHOT_SCRIPT.read_bytes())
    return h.hexdigest()


def current_snapshot(inputs: str) -> dict | None:
    """snapshot.json, if it describes a snapshot made from these inputs that is still intact."""
    try:
        meta = json.loads(SNAPSHOT_MANIFEST.read_text())
        path = ROOT / "static_site" / meta["url"]
        if meta["inputs"] == inputs and path.is_file() and sha256(path) == meta["gz_sha256"]:
            return meta
    except (OSError, ValueError, KeyError, TypeError):
        pass
    return None


def make_snapshot(digests: dict[str, str], runtime: dict | None) -> None:
    """The build's Pyodide snapshot and its manifest, made from the checked runtime booted from
    the trimmed standard library (``runtime``'s), which the page serves with it. Without that
    library or Node, or if Node fails, the Space still works: it boots Python normally."""
    folder = VENDOR / SNAPSHOT_DIR
    stdlib = runtime["files"]["python_stdlib.zip"] if runtime else None
    inputs = snapshot_inputs(digests, stdlib["sha256"]) if stdlib else None
    meta = current_snapshot(inputs) if inputs else None
    if meta is None:
        SNAPSHOT_MANIFEST.unlink(missing_ok=True)
        shutil.rmtree(folder, ignore_errors=True)
        node = shutil.which("node")
        if node is None or stdlib is None:
            print(f"vendor: warning: no {'Node.js' if node is None else 'trimmed standard library'}, so no "
                  "Pyodide snapshot; the Space will boot Python normally")
            return
        pyodide = VENDOR / pyodide_dir(digests)
        print("vendor: making the Pyodide memory snapshot (scripts/snapshot.mjs)")
        with tempfile.TemporaryDirectory() as tmp:
            raw_path = Path(tmp) / "snapshot.bin"
            run = subprocess.run([node, str(SNAPSHOT_SCRIPT), str(pyodide),
                                  str(ROOT / "static_site" / stdlib["url"].removesuffix(".gz")), str(raw_path)],
                                 capture_output=True, text=True)
            if run.returncode != 0 or not raw_path.is_file():
                print(f"vendor: warning: the Pyodide snapshot could not be made ({run.stderr.strip()[-500:]}); "
                      "the Space will boot Python normally")
                return
            raw = raw_path.read_bytes()
        packed = gzip.compress(raw, compresslevel=9, mtime=0)
        gz_sha = hashlib.sha256(packed).hexdigest()
        version = pyodide.name.removeprefix("pyodide-")
        rel = f"{SNAPSHOT_DIR}/pyodide-{version}-{gz_sha[:16]}.bin.gz"
        folder.mkdir(parents=True, exist_ok=True)
        (VENDOR / rel).write_bytes(packed)
        # stdlib_sha256: the trimmed library it was made from, which must be served with it.
        meta = {"format": SNAPSHOT_FORMAT, "pyodide": version, "inputs": inputs, "url": f"vendor/{rel}",
                "gz_sha256": gz_sha, "gz_bytes": len(packed),
                "sha256": hashlib.sha256(raw).hexdigest(), "bytes": len(raw), "stdlib_sha256": stdlib["sha256"]}
        SNAPSHOT_MANIFEST.write_text(json.dumps(meta, indent=2) + "\n")
    keep = ROOT / "static_site" / meta["url"]
    for stale in folder.glob("*"):
        if stale != keep:
            stale.unlink()
    print(f"vendor: Pyodide snapshot {meta['url']} ({meta['gz_bytes'] / 1e6:.1f} MB, "
          f"{meta['bytes'] / 1e6:.1f} MB restored)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write-manifest", action="store_true",
                        help="record the current files' sha256 (only after a deliberate pin change)")
    args = parser.parse_args()
    try:
        assemble(args.write_manifest)
    except (VendorError, subprocess.CalledProcessError) as exc:
        print(f"vendor: error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
