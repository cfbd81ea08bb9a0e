"""python -m devhub: a local stand-in for huggingface.co, for development and tests."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path

from .seed import SeedError
from .server import DEFAULT_SPACE_ID, ROOT, DevHub, Options
from .variants import CACHE, COOP, FRAMING, INJECT, PROMPT_LOGIN, SPACE_COMPRESS


def add_space_link_args(p: argparse.ArgumentParser) -> None:
    """The Space host's link: a rate and latency every client sees, and gzip by the host."""
    p.add_argument("--space-rate", type=float, default=0.0, metavar="MBIT",
                   help="the Space host's link: megabits a second shared by all its responses (e.g. 20; "
                        "default 0, no limit)")
    p.add_argument("--space-latency", type=float, default=0.0, metavar="MS",
                   help="milliseconds the Space host waits before each response, a round trip (e.g. 40; default 0)")
    p.add_argument("--space-compress", choices=SPACE_COMPRESS, default="none",
                   help="gzip text, scripts, JSON and wasm when the request accepts it, or none (default: "
                        "whether HF's static host compresses is not known, docs/devhub.md)")


def parse_args(argv=None) -> Options:
    p = argparse.ArgumentParser(
        prog="python -m devhub",
        description="devhub: a local huggingface.co (OAuth/OIDC provider, Hub API subset, static-Space host). "
                    "For development and testing only; binds to loopback by default.",
    )
    p.add_argument("--host", default="127.0.0.1", help="address to bind both servers to (default 127.0.0.1)")
    p.add_argument("--hub-port", type=int, default=5564, help="port of the hub, served as http://localhost:PORT")
    p.add_argument("--space-port", type=int, default=8000, help="port of the Space, served as http://127.0.0.1:PORT")
    p.add_argument("--site", type=Path, default=ROOT, help="folder the Space host serves (default: the repo root)")
    p.add_argument("--seed", type=Path, help="YAML world to load instead of the default seed")
    p.add_argument("--readme", type=Path, help="Space card to configure the Space's OAuth app (default: SITE/README.md)")
    p.add_argument("--space-id", default=DEFAULT_SPACE_ID, help=f"owner/name of the emulated Space ({DEFAULT_SPACE_ID})")
    p.add_argument("--auto-login", metavar="USER", help="approve every authorization as USER, with all their orgs")
    p.add_argument("--test-control", action="store_true", help="enable /_devhub/* (faults, events, reset; loopback only)")
    p.add_argument("--slow-body", type=float, default=0.0, metavar="SECONDS",
                   help="send index.html's <head> at once and the rest SECONDS later, like a slow network")
    p.add_argument("--inject", choices=INJECT, default="head-start",
                   help="where window.huggingface goes in index.html: right after <head> (default), just before "
                        "</head>, or where one report says HF's injector lands in an LF file (crlf-quirk)")
    p.add_argument("--cache", choices=CACHE, default="revalidate",
                   help="Cache-Control of the Space's files: no-cache + ETag for all (default; HF's is unknown), "
                        "or immutable for static_site/vendor/")
    p.add_argument("--framing", choices=FRAMING, default="self",
                   help="who may frame the sign-in and consent pages: the hub itself (default, like HF), no one "
                        "(X-Frame-Options: DENY), or any site")
    p.add_argument("--coop", choices=COOP, default="none",
                   help="Cross-Origin-Opener-Policy of the sign-in and consent pages: none (default; HF's is "
                        "unknown) or same-origin (a popup that visits them loses window.opener, and its opener "
                        "reads popup.closed as true)")
    p.add_argument("--prompt-login", choices=PROMPT_LOGIN, default="ignored",
                   help="prompt=login or prompt=select_account while signed in to the hub: ignored (default; "
                        "nothing shows HF honours them, docs/devhub.md) or honoured (the account picker first)")
    p.add_argument("--no-jwks-cors", dest="jwks_cors", action="store_false",
                   help="serve /oauth/jwks without CORS headers (a browser's fetch fails at the network level)")
    p.add_argument("--no-expose-headers", dest="expose_headers", action="store_false",
                   help="send no Access-Control-Expose-Headers: Link, Retry-After and RateLimit* are hidden "
                        "from scripts")
    add_space_link_args(p)
    p.add_argument("--space-url", metavar="URL", help="the Space is served elsewhere (e.g. dist/ on another static "
                   "server): run only the hub and accept redirects to URL")
    p.add_argument("--provider", metavar="URL", help="a real OpenID provider (e.g. https://huggingface.co): run only "
                   "the Space host, on http://localhost:SPACE_PORT, against it (needs --client-id)")
    p.add_argument("--client-id", metavar="ID", help="the developer OAuth app's client id at --provider")
    p.add_argument("--verbose", action="store_true", help="log every request")
    a = p.parse_args(argv)
    return Options(host=a.host, hub_port=a.hub_port, space_port=a.space_port, site=a.site, seed=a.seed,
                   readme=a.readme, space_id=a.space_id, auto_login=a.auto_login, test_control=a.test_control,
                   slow_body=a.slow_body, inject=a.inject, cache=a.cache, framing=a.framing, coop=a.coop,
                   prompt_login=a.prompt_login,
                   jwks_cors=a.jwks_cors, expose_headers=a.expose_headers, space_rate=a.space_rate,
                   space_latency=a.space_latency, space_compress=a.space_compress, space_url=a.space_url,
                   provider=a.provider,
                   client_id=a.client_id, verbose=a.verbose)


def main(argv=None) -> int:
    options = parse_args(argv)
    try:
        hub = DevHub(options).start()
    except SeedError as exc:
        print(f"devhub: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"devhub: cannot listen ({exc.strerror}). Is another devhub running? "
              f"Pick other ports with --hub-port/--space-port.", file=sys.stderr)
        return 2
    if options.provider:
        print(
            f"devhub: serving the Space against {hub.hub_url} (a real provider: real accounts)\n"
            f"  Space:  {hub.space_url}/   <- open this; your OAuth app must allow the redirect {hub.space_url}/\n"
            f"  App:    client_id {options.client_id}, scopes: {hub.variables['OAUTH_SCOPES']}\n"
            "Press Ctrl+C to stop.",
            flush=True,
        )
    else:
        app = hub.space_app
        users = ", ".join(hub.world.users)
        print(
            "devhub: a local stand-in for huggingface.co (development and testing only)\n"
            f"  Space:  {hub.space_url}/   <- open this in your browser\n"
            f"  Hub:    {hub.hub_url}/   (sign-in, consent, OAuth, API; Space page: {hub.hub_url}/spaces/{options.space_id})\n"
            f"  App:    {app.name} (client_id {app.client_id}), scopes: {' '.join(app.scopes)}\n"
            f"  Users:  {users}" + (f"  (auto-login as {options.auto_login})" if options.auto_login else "") + "\n"
            + ("  Test control: enabled at /_devhub/ (loopback only)\n" if options.test_control else "")
            + "Press Ctrl+C to stop.",
            flush=True,
        )
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    hub.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
