"""Run the hub and the Space host together (threads in one process)."""

from __future__ import annotations

import logging
import socket
import threading
from dataclasses import dataclass
from pathlib import Path

import yaml
from werkzeug.serving import BaseWSGIServer, make_server

from .hub import HubConfig, create_hub_app
from .seed import SeedError, World, card_scopes, load_world, space_app
from .shaping import Shaper
from .space_host import HIDDEN, create_space_app
from .variants import VariantError, Variants

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_SPACE_ID = "hfsignin/sign-in-with-hf"


def read_card(readme: Path) -> dict:
    """The YAML front matter of a Space README (empty if it has none)."""
    try:
        text = readme.read_text(encoding="utf-8")
    except OSError:
        return {}
    if not text.startswith("---"):
        return {}
    end = text.find("\n---", 3)
    if end < 0:
        raise SeedError(f"{readme}: unterminated front matter")
    try:
        card = yaml.safe_load(text[3:end]) or {}
    except yaml.YAMLError as exc:
        raise SeedError(f"{readme}: invalid front matter: {exc}") from exc
    return card if isinstance(card, dict) else {}


@dataclass
class Options:
    host: str = "127.0.0.1"
    hub_port: int = 5564
    space_port: int = 8000
    site: Path = ROOT
    seed: Path | None = None
    readme: Path | None = None
    space_id: str = DEFAULT_SPACE_ID
    auto_login: str | None = None
    test_control: bool = False
    slow_body: float = 0.0  # seconds between index.html's </head> and its body (a slow network)
    inject: str = "head-start"  # where window.huggingface goes: head-start, head-end or crlf-quirk
    cache: str = "revalidate"  # the Space's files: revalidate (all), or immutable (static_site/vendor/)
    framing: str = "self"  # sign-in and consent pages framable by: self (the hub), deny (no one), any
    coop: str = "none"  # Cross-Origin-Opener-Policy of the sign-in and consent pages: same-origin or none
    prompt_login: str = "ignored"  # prompt=login / select_account with a hub session: ignored or honoured
    jwks_cors: bool = True  # CORS headers on /oauth/jwks
    expose_headers: bool = True  # Access-Control-Expose-Headers (Link, Retry-After, RateLimit, ...)
    space_rate: float = 0.0  # the Space host's link in megabits a second, shared by all its responses (0: none)
    space_latency: float = 0.0  # milliseconds before each response of the Space host
    space_compress: str = "none"  # none, or gzip: compressible types when the request accepts gzip
    verbose: bool = False
    space_url: str | None = None  # the Space is served elsewhere (e.g. a built folder): no Space host
    provider: str | None = None  # a real OpenID provider (https://huggingface.co): no hub
    client_id: str | None = None  # the developer OAuth app's id at that provider


class DevHub:
    """Both origins. ``start()`` binds (port 0 = any free port) and serves in threads."""

    def __init__(self, options: Options) -> None:
        if bool(options.provider) != bool(options.client_id):
            raise SeedError("--provider and --client-id go together")
        if options.provider and options.space_url:
            raise SeedError("--provider serves the Space here; --space-url serves only the hub: pick one")
        if options.provider and not options.provider.startswith(("https://", "http://localhost:", "http://127.0.0.1:")):
            raise SeedError("--provider must be an https:// URL (or a loopback http:// one)")
        self.options = options
        self.world: World = load_world(options.seed)
        if options.auto_login and options.auto_login not in self.world.users:
            raise SeedError(f"--auto-login: no user called {options.auto_login!r} in the seed")
        self.card = read_card(options.readme or options.site / "README.md")
        try:
            self.variants = Variants(inject=options.inject, cache=options.cache, framing=options.framing,
                                     coop=options.coop, prompt_login=options.prompt_login,
                                     jwks_cors=options.jwks_cors,
                                     expose_headers=options.expose_headers, body_delay=options.slow_body,
                                     space_rate=options.space_rate, space_latency=options.space_latency,
                                     space_compress=options.space_compress)
        except VariantError as exc:
            raise SeedError(str(exc)) from None
        self._servers: list[BaseWSGIServer] = []
        self._threads: list[threading.Thread] = []

    def start(self) -> DevHub:
        """Bind (port 0 = any free port) and serve in threads. Three shapes:
        hub + Space host (default); hub only, for a Space served elsewhere (``space_url``);
        Space host only, against a real provider (``provider`` + ``client_id``)."""
        o = self.options
        if not o.verbose:
            logging.getLogger("werkzeug").setLevel(logging.WARNING)
        hub_srv = None if o.provider else _serve(o.host, o.hub_port)
        space_srv = None if o.space_url else _serve(o.host, o.space_port)
        if space_srv is not None:
            port = space_srv.socket.getsockname()[1]
            # Two different sites, as in production: the hub is "localhost", the Space "127.0.0.1".
            # Against a real provider the Space is "localhost", where developer apps may redirect.
            self.space_url = f"http://{'localhost' if o.provider else '127.0.0.1'}:{port}"
        else:
            self.space_url = o.space_url.rstrip("/")
        scopes = card_scopes(self.card)
        if o.provider:
            self.hub_url = o.provider.rstrip("/")
            client_id = o.client_id
        else:
            self.hub_url = f"http://localhost:{hub_srv.socket.getsockname()[1]}"
            self.space_app = space_app(o.space_id, self.space_url, self.card)
            apps = {**self.world.apps, self.space_app.client_id: self.space_app}
            self.hub = HubConfig(hub_url=self.hub_url, world=self.world, apps=apps, auto_login=o.auto_login,
                                 test_control=o.test_control, space_url=self.space_url, space_id=o.space_id,
                                 variants=self.variants)
            hub_srv.app = create_hub_app(self.hub)
            client_id = self.space_app.client_id
        self.variables = {
            "OAUTH_CLIENT_ID": client_id,
            "OAUTH_SCOPES": " ".join(scopes),
            "OPENID_PROVIDER_URL": self.hub_url,
            "SPACE_HOST": self.space_url.split("://", 1)[1],
            "SPACE_ID": o.space_id,
        }
        if space_srv is not None:
            space_srv.app = Shaper(create_space_app(o.site, self.variables, self.variants), self.variants,
                                   site=o.site.resolve(), hidden=HIDDEN)
        for srv in (hub_srv, space_srv):
            if srv is None:
                continue
            t = threading.Thread(target=srv.serve_forever, daemon=True, name=f"devhub-{srv.socket.getsockname()[1]}")
            t.start()
            self._servers.append(srv)
            self._threads.append(t)
        return self

    def stop(self) -> None:
        for srv in self._servers:
            srv.shutdown()
            srv.server_close()
        for t in self._threads:
            t.join(timeout=5)
        self._servers.clear()
        self._threads.clear()


def _serve(host: str, port: int) -> BaseWSGIServer:
    """A threaded WSGI server on a socket we bind ourselves, so a busy port is an
    OSError for the caller (werkzeug would print and exit)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(128)
        return make_server(host, port, _Placeholder(), threaded=True, fd=sock.fileno())
    finally:
        sock.close()  # the server holds its own duplicate of the descriptor


class _Placeholder:
    def __call__(self, environ, start_response):
        start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
        return [b"starting"]
