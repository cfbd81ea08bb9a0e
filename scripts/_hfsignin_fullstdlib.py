"""The rest of Pyodide's standard library, for an import the Space's trimmed one lacks.

Set-up (scripts/vendor.py) trims python_stdlib.zip to what the Space's Python imports and puts
this module at the root of the trimmed zip, with MODULES and SHA256 filled in. Importing it
(pyodide-loader.mjs does; the memory snapshot holds it imported) puts a finder at the end of
sys.meta_path. When an import of a standard library module finds nothing, the finder fetches
the whole library once, synchronously, through the page's ``hfsigninFullStdlib()`` (a
Uint8Array), checks its digest, writes it beside the trimmed one and finds the module there.
"""

import hashlib
import importlib
import importlib.abc
import importlib.machinery
import sys

# Written by scripts/vendor.py: every module of the full python_stdlib.zip, and its SHA-256.
MODULES = frozenset()
SHA256 = ""

TRIMMED = __file__.rpartition("/")[0]  # this module is at the root of the trimmed zip: /lib/python314.zip
FULL = TRIMMED.removesuffix(".zip") + "-full.zip"  # where the full one goes: /lib/python314-full.zip


class FullStdlibFinder(importlib.abc.MetaPathFinder):
    hfsignin_fullstdlib = True  # how install() knows it is there

    def __init__(self):
        self.loaded = False
        self.error = None  # why the full library could not be loaded: it is not asked for again

    def find_spec(self, name, path=None, target=None):
        if name not in MODULES:
            return None  # not in the standard library either: nothing to fetch
        if path is not None:
            # A submodule: its package's folders in the trimmed zip, searched again in the full one.
            inside = [entry[len(TRIMMED):] for entry in path if entry.startswith(TRIMMED + "/")]
            if not inside:
                return None  # a package from elsewhere (or already from the full zip): not ours
        self.load(name)
        if path is not None:
            for folder in inside:
                if FULL + folder not in path:
                    path.append(FULL + folder)  # the package's __path__: later imports find it there too
        return importlib.machinery.PathFinder.find_spec(name, path)

    def load(self, name):
        if not self.loaded and self.error is None:
            try:
                import js

                data = js.hfsigninFullStdlib().to_bytes()
                if hashlib.sha256(data).hexdigest() != SHA256:
                    raise ValueError("it does not match this build's digest")
                with open(FULL, "wb") as f:
                    f.write(data)
            except Exception as exc:  # noqa: BLE001 - whatever it was, the import fails with it
                self.error = str(exc) or type(exc).__name__
            else:
                self.loaded = True
                sys.path.append(FULL)
                importlib.invalidate_caches()
        if self.error is not None:
            raise ModuleNotFoundError(f"{name} is not in this Space's trimmed standard library and the full one "
                                      f"could not be loaded: {self.error}", name=name)


def install():
    if not any(getattr(finder, "hfsignin_fullstdlib", False) for finder in sys.meta_path):
        sys.meta_path.append(FullStdlibFinder())


install()
