"""python -m hfsignin.starter DIR [--runtime self-hosted|cdn] [--vendor VENDOR] [--force]"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import CDN, OLD_NAMES, PYODIDE, PYSCRIPT, RUNTIMES, StarterError, write_starter


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m hfsignin.starter",
        description="Write a minimal static Hugging Face Space that signs in with Hugging Face (hfsignin) "
                    "and lists the visitor's models. Push the folder to a Space as it is.")
    parser.add_argument("dir", type=Path, help="the folder to write (created; must be empty unless --force)")
    parser.add_argument("--runtime", choices=RUNTIMES + tuple(OLD_NAMES), default=RUNTIMES[0],
                        help=f"self-hosted (default): PyScript {PYSCRIPT} and Pyodide {PYODIDE} copied into the Space "
                             "(about 20 MB), every file checked against the digests hfsignin pins; cdn: the same "
                             f"versions from {CDN}, a small Space, but nothing checks what the CDN serves "
                             "(release: the old name of cdn)")
    parser.add_argument("--vendor", type=Path, metavar="VENDOR",
                        help="self-hosted: take the runtime from this folder (like a checkout's static_site/vendor "
                             "after `make setup`) instead of this checkout's or the npm registry")
    parser.add_argument("--force", action="store_true", help="write into a folder that is not empty")
    args = parser.parse_args(argv)
    if args.vendor is not None and args.runtime != "self-hosted":
        parser.error("--vendor goes with --runtime self-hosted")
    runtime = OLD_NAMES.get(args.runtime, args.runtime)
    try:
        files = write_starter(args.dir, runtime, vendor=args.vendor, force=args.force)
    except StarterError as exc:
        print(f"hfsignin.starter: error: {exc}", file=sys.stderr)
        return 1
    size = sum(f.stat().st_size for f in files)
    print(f"hfsignin.starter: wrote a {runtime} starter Space to {args.dir} ({len(files)} files, {size / 1e6:.1f} MB)\n"
          f"  Try it locally:  python -m devhub --site {args.dir}   (devhub: a local huggingface.co, from the repository)\n"
          f"  Deploy it:       push the folder to a Space of yours (its README.md is the Space card)")
    if runtime == "cdn":
        print(f"  Note: PyScript and Pyodide come from {CDN}, and nothing checks what it serves (README.md says "
              "more); without --runtime cdn they are copied into the Space, checked.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
