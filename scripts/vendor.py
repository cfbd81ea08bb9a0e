"""Assemble the browser runtime into static_site/vendor/ and check it.

The runtime (PyScript, Pyodide and the pyodide-http wheel) is never committed:
this script copies it out of node_modules/ (installed by `npm ci` from the
lockfile) and fetches the wheel with pip, then checks every file against the
committed manifest static_site/vendor.sha256. Anything that does not match
stops the set-up; files the manifest does not name are removed.

Then it makes the Pyodide memory snapshot from the checked runtime
(scripts/snapshot.mjs, with Node): static_site/vendor/snapshot/*.bin.gz, named
by its digest, and static_site/snapshot.json, the digests the page checks it
against before restoring it. A snapshot is not reproducible byte for byte, so
it is described by that generated file rather than by vendor.sha256; it is
made again only when the runtime or the script that makes it changes.

    python scripts/vendor.py                   # assemble + verify (idempotent)
    python scripts/vendor.py --write-manifest  # after bumping a pin, on purpose
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENDOR = ROOT / "static_site" / "vendor"
MANIFEST = ROOT / "static_site" / "vendor.sha256"
SNAPSHOT_SCRIPT = ROOT / "scripts" / "snapshot.mjs"
SNAPSHOT_MANIFEST = ROOT / "static_site" / "snapshot.json"
SNAPSHOT_DIR = "snapshot"  # under static_site/vendor/
SNAPSHOT_FORMAT = 1  # what pyodide-loader.mjs understands

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
        if rel.startswith(SNAPSHOT_DIR + "/"):
            continue  # described by snapshot.json, checked by make_snapshot()
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
    make_snapshot(actual)


def snapshot_inputs(digests: dict[str, str]) -> str:
    """What the snapshot depends on: the Pyodide files, the script that makes it, its format."""
    h = hashlib.sha256(f"format {SNAPSHOT_FORMAT}\n".encode())
    for rel in sorted(r for r in digests if r.startswith("pyodide-")):
        h.update(f"{digests[rel]} {rel}\n".encode())
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


def make_snapshot(digests: dict[str, str]) -> None:
    """The build's Pyodide snapshot and its manifest, made from the checked runtime.
    Without Node, or if Node fails, the Space still works: it boots Python normally."""
    inputs = snapshot_inputs(digests)
    folder = VENDOR / SNAPSHOT_DIR
    meta = current_snapshot(inputs)
    if meta is None:
        SNAPSHOT_MANIFEST.unlink(missing_ok=True)
        shutil.rmtree(folder, ignore_errors=True)
        pyodide_dir = next(VENDOR / r.split("/", 1)[0] for r in digests if r.startswith("pyodide-"))
        node = shutil.which("node")
        if node is None:
            print("vendor: warning: no Node.js, so no Pyodide snapshot; the Space will boot Python normally")
            return
        print("vendor: making the Pyodide memory snapshot (scripts/snapshot.mjs)")
        with tempfile.TemporaryDirectory() as tmp:
            raw_path = Path(tmp) / "snapshot.bin"
            run = subprocess.run([node, str(SNAPSHOT_SCRIPT), str(pyodide_dir), str(raw_path)],
                                 capture_output=True, text=True)
            if run.returncode != 0 or not raw_path.is_file():
                print(f"vendor: warning: the Pyodide snapshot could not be made ({run.stderr.strip()[-500:]}); "
                      "the Space will boot Python normally")
                return
            raw = raw_path.read_bytes()
        packed = gzip.compress(raw, compresslevel=9, mtime=0)
        gz_sha = hashlib.sha256(packed).hexdigest()
        version = pyodide_dir.name.removeprefix("pyodide-")
        rel = f"{SNAPSHOT_DIR}/pyodide-{version}-{gz_sha[:16]}.bin.gz"
        folder.mkdir(parents=True, exist_ok=True)
        (VENDOR / rel).write_bytes(packed)
        meta = {"format": SNAPSHOT_FORMAT, "pyodide": version, "inputs": inputs, "url": f"vendor/{rel}",
                "gz_sha256": gz_sha, "gz_bytes": len(packed),
                "sha256": hashlib.sha256(raw).hexdigest(), "bytes": len(raw)}
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
