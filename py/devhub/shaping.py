"""The Space host's link: a rate and latency limit, and gzip by the host, as a WSGI middleware
around the Space app (``--space-rate``, ``--space-latency``, ``--space-compress``).

Browser throttling (CDP) reaches one page only, and only in Chromium; a popup, a worker, Firefox
or WebKit see loopback. Shaping the server instead gives every client the same ordinary link:

- latency: every request waits ``space_latency`` ms before anything is answered (a round trip);
- rate: the bodies of all responses share one link of ``space_rate`` megabits per second (one
  virtual clock for the host, as concurrent downloads share a real link), sent in 16 KB chunks,
  each when the link would have finished carrying it;
- gzip: a compressible response whose request accepts gzip is sent compressed (whole, with the
  compressed Content-Length) and paced by its compressed bytes.

Settings are read per request from the shared ``Variants``, so the control API changes them
while devhub runs. With no limit and no compression the app's response passes untouched.
"""

from __future__ import annotations

import gzip
import os
import threading
import time
from collections import OrderedDict
from pathlib import Path

from werkzeug.test import EnvironBuilder

CHUNK = 16 * 1024
CATCHUP = 0.25  # seconds a body under way may fall behind the link and catch up
GZIP_LEVEL = 6  # the usual default of nginx-like servers and zlib
# What the gzip mode compresses: text, scripts, JSON, wasm, SVG, the usual CDN list. Never
# formats that are compressed already (zip, wheels, gzip, images but SVG), nor unknown binaries
# (application/octet-stream), which CDNs pass as they are.
COMPRESSIBLE = ("text/", "application/javascript", "application/json", "application/wasm", "application/toml",
                "application/xml", "image/svg+xml")
CACHE_BYTES = 64 * 1024 * 1024  # gzip results kept (the 9.6 MB wasm compresses once)
WARM_BYTES = 256 * 1024  # files at least this big are compressed ahead, once gzip is on


def compressible(content_type: str) -> bool:
    mime = content_type.split(";", 1)[0].strip().lower()
    return mime.startswith(COMPRESSIBLE) and not mime.endswith(("+zip", "/gzip"))


def accepts_gzip(header: str) -> bool:
    """Whether an Accept-Encoding header accepts gzip (``q=0`` refuses it; ``*`` accepts it)."""
    found: dict[str, float] = {}
    for item in header.split(","):
        name, *params = [p.strip() for p in item.split(";")]
        q = 1.0
        for p in params:
            key, _, value = p.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if name:
            found[name.lower()] = q
    q = found.get("gzip", found.get("x-gzip", found.get("*", 0.0)))
    return q > 0


class Link:
    """One link of ``rate`` bytes a second shared by every response of the host: each chunk
    takes the link after the chunks before it (whichever response they belong to) and is
    released when the link would have carried it.

    Idle time is not saved up (no burst): a body's first chunk on an idle link starts now. But
    a body that is under way and wakes up late (a busy machine's threads do, by up to a few
    hundred ms under load) is not charged for it: the link goes on from where it was, up to
    CATCHUP behind, so such delays do not add up over a long body."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._free_at = 0.0
        self._sending = 0  # bodies under way (past their first chunk)

    def carry(self, size: int, rate: float, first: bool) -> None:
        """Block until ``size`` bytes would have crossed a link of ``rate`` bytes/s. ``first``:
        the body's first chunk (then ``done`` must follow, once the body ends)."""
        with self._lock:
            now = time.monotonic()
            under_way = not first or self._sending > 0
            if under_way and now - CATCHUP <= self._free_at:
                start = self._free_at
            else:
                start = max(now, self._free_at)
            self._free_at = done = start + size / rate
            if first:
                self._sending += 1
        delay = done - time.monotonic()
        if delay > 0:
            time.sleep(delay)

    def done(self) -> None:
        with self._lock:
            self._sending -= 1


class GzipCache:
    """Compressed bodies by (path, ETag): a file is compressed once while it stays the same, and
    a request for a file being compressed (by the warm-up, or another request) waits for it."""

    def __init__(self, limit: int = CACHE_BYTES) -> None:
        self._lock = threading.Lock()
        self._items: OrderedDict[tuple, bytes] = OrderedDict()
        self._busy: dict[tuple, threading.Event] = {}
        self._size = 0
        self._limit = limit

    def get(self, key, body: bytes) -> bytes:
        if key is None:
            return gzip.compress(body, GZIP_LEVEL, mtime=0)
        while True:
            with self._lock:
                if key in self._items:
                    self._items.move_to_end(key)
                    return self._items[key]
                busy = self._busy.get(key)
                if busy is None:
                    self._busy[key] = threading.Event()
                    break
            busy.wait()
        try:
            packed = gzip.compress(body, GZIP_LEVEL, mtime=0)
            with self._lock:
                if len(packed) <= self._limit:
                    self._items[key] = packed
                    self._size += len(packed)
                    while self._size > self._limit:
                        _, old = self._items.popitem(last=False)
                        self._size -= len(old)
            return packed
        finally:
            with self._lock:
                self._busy.pop(key).set()


def _header(headers: list[tuple[str, str]], name: str) -> str | None:
    name = name.lower()
    return next((v for k, v in headers if k.lower() == name), None)


def _without(headers: list[tuple[str, str]], *names: str) -> list[tuple[str, str]]:
    drop = {n.lower() for n in names}
    return [(k, v) for k, v in headers if k.lower() not in drop]


def _add_vary(headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    vary = _header(headers, "Vary")
    if vary and "accept-encoding" in vary.lower():
        return headers
    return [*_without(headers, "Vary"), ("Vary", f"{vary}, Accept-Encoding" if vary else "Accept-Encoding")]


class Shaper:
    """WSGI middleware: the Space app behind a link with latency, a shared rate and gzip."""

    def __init__(self, app, variants, site: Path | None = None, hidden=frozenset()) -> None:
        self.app = app
        self.variants = variants
        self.link = Link()
        self.cache = GzipCache()
        self._warm_from = (site, hidden) if site is not None else None
        self._warm_lock = threading.Lock()
        if variants.space_compress == "gzip":
            self.warm()

    def warm(self) -> None:
        """Compress the site's big compressible files in the background (once): a host's first
        gzip of a 9.6 MB wasm takes a second or two, which would otherwise delay that file's
        first byte in a first-visit measurement. The cache keeps them while they are unchanged."""
        with self._warm_lock:
            if self._warm_from is None:
                return
            site, hidden = self._warm_from
            self._warm_from = None
        threading.Thread(target=self._warm, args=(site, hidden), daemon=True, name="devhub-gzip-warm").start()

    def _warm(self, site: Path, hidden) -> None:
        for _, url in sorted(self._big_files(site, hidden), reverse=True):  # the biggest first
            environ = EnvironBuilder(path=url, headers={"Accept-Encoding": "gzip"}).get_environ()
            captured: dict = {}
            result = self.app(environ, lambda status, headers, exc_info=None: captured.update(
                status=status, headers=list(headers), exc_info=exc_info))
            try:
                self._body(environ, result, captured, "gzip")  # fills the cache when compressible
            finally:
                getattr(result, "close", lambda: None)()

    @staticmethod
    def _big_files(site: Path, hidden):
        for root, dirs, files in os.walk(site):
            dirs[:] = [d for d in dirs if not d.startswith(".") and d not in hidden]
            for name in files:
                path = Path(root, name)
                try:
                    size = path.stat().st_size
                except OSError:
                    continue
                if not name.startswith(".") and size >= WARM_BYTES:
                    yield size, "/" + path.relative_to(site).as_posix()

    def __call__(self, environ, start_response):
        v = self.variants
        latency, rate, compress = v.space_latency, v.space_rate, v.space_compress
        if not latency and not rate and compress == "none":
            return self.app(environ, start_response)
        if compress == "gzip" and self._warm_from is not None:
            self.warm()
        if latency:
            time.sleep(latency / 1000)
        captured: dict = {}

        def capture(status, headers, exc_info=None):
            captured.update(status=status, headers=list(headers), exc_info=exc_info)
            return lambda data: captured.setdefault("written", []).append(data)  # legacy write(): rare

        result = self.app(environ, capture)
        body = self._body(environ, result, captured, compress)
        start_response(captured["status"], captured["headers"], captured["exc_info"])
        if body is not None:  # compressed: the whole body is in hand
            return self._paced([body], rate * 125_000)
        return self._paced(self._chain(captured.pop("written", []), result), rate * 125_000, result)

    def _body(self, environ, result, captured, compress: str) -> bytes | None:
        """The gzip body when this response is to be compressed (headers rewritten), else None
        (headers given Vary where the answer depends on Accept-Encoding)."""
        headers = captured["headers"]
        if compress != "gzip" or not compressible(_header(headers, "Content-Type") or ""):
            return None
        captured["headers"] = headers = _add_vary(headers)
        ok = captured["status"].startswith("200") and environ.get("REQUEST_METHOD") == "GET"
        if not ok or _header(headers, "Content-Encoding") or not accepts_gzip(environ.get("HTTP_ACCEPT_ENCODING", "")):
            return None
        try:
            raw = b"".join([*captured.pop("written", []), *result])
        finally:
            getattr(result, "close", lambda: None)()
        etag = _header(headers, "ETag")
        packed = self.cache.get((environ.get("PATH_INFO"), etag) if etag else None, raw)
        if etag:  # another representation: a weak validator, as CDNs that compress make it
            headers = [*_without(headers, "ETag"), ("ETag", etag if etag.startswith("W/") else f"W/{etag}")]
        captured["headers"] = [*_without(headers, "Content-Length", "Accept-Ranges"),
                               ("Content-Encoding", "gzip"), ("Content-Length", str(len(packed)))]
        return packed

    @staticmethod
    def _chain(first, rest):
        yield from first
        yield from rest

    def _paced(self, parts, rate: float, closing=None):
        """The body in chunks of CHUNK bytes, each sent once the shared link has carried it."""
        sent = 0
        try:
            if not rate:
                yield from parts
                return
            pending, sent = bytearray(), 0
            for part in parts:
                pending += part
                if len(pending) < CHUNK:
                    continue
                view, at = memoryview(bytes(pending)), 0
                while len(view) - at >= CHUNK:
                    self.link.carry(CHUNK, rate, first=not sent)
                    sent += 1
                    yield bytes(view[at:at + CHUNK])
                    at += CHUNK
                pending = bytearray(view[at:])
            if pending:
                self.link.carry(len(pending), rate, first=not sent)
                sent += 1
                yield bytes(pending)
        finally:
            if rate and sent:
                self.link.done()
            getattr(closing, "close", lambda: None)()
