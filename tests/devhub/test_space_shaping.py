"""The Space host's link (--space-rate, --space-latency) and its gzip (--space-compress): a
latency before every response, one rate shared by all bodies, gzip only when asked and only for
compressible types, and the control settings that change them."""

import gzip
import os
import threading
import time

import httpx
import pytest

from devhub import DevHub, Options
from devhub.__main__ import parse_args
from devhub.shaping import accepts_gzip, compressible
from flows import launched_with

SIZE = 200 * 1024  # 0.41 s at 4 Mbit/s
RATE = 4  # Mbit/s
SECONDS = SIZE * 8 / (RATE * 1e6)
# Never faster than the link; slower by a little at most (a loaded CI machine's threads wake late).
SLOWER = 1.25
IDENTITY = {"Accept-Encoding": "identity"}
GZIP = {"Accept-Encoding": "gzip, deflate, br"}


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("site")
    (root / "index.html").write_text("<!doctype html><html><head><title>x</title></head><body>hi</body></html>\n")
    (root / "blob.bin").write_bytes(os.urandom(SIZE))  # incompressible: the rate is the file's size
    (root / "other.bin").write_bytes(os.urandom(SIZE))
    (root / "app.js").write_text("console.log('a fairly compressible script');\n" * 4000)
    (root / "module.wasm").write_bytes(b"\0asm\1\0\0\0" + bytes(range(256)) * 600)
    (root / "style.css").write_text("body { margin: 0 }\n" * 2000)
    (root / "data.json").write_text('{"k": "v"}\n' * 2000)
    (root / "hex.txt").write_text(os.urandom(SIZE // 2 + 30_000).hex())  # 260 KB that gzip halves
    (root / "bundle.zip").write_bytes(b"PK" + b"z" * 50_000)
    (root / "pic.png").write_bytes(b"\x89PNG" + b"p" * 50_000)
    return root


@pytest.fixture(scope="module")
def shaped(site):
    hub = DevHub(Options(site=site, hub_port=0, space_port=0, test_control=True)).start()
    control = httpx.Client(base_url=hub.hub_url, timeout=30)
    yield hub, control
    control.close()
    hub.stop()


@pytest.fixture
def space(shaped):
    hub, control = shaped
    control.post("/_devhub/reset", json={})
    with httpx.Client(base_url=hub.space_url, timeout=30) as client:
        yield client, lambda **values: control.post("/_devhub/settings", json=values).json()
    control.post("/_devhub/reset", json={})


def timed(fetch) -> tuple[httpx.Response, float]:
    start = time.monotonic()
    resp = fetch()
    return resp, time.monotonic() - start


def test_loopback_is_unshaped_by_default(space, site):
    client, settings = space
    s = settings()
    assert (s["space_rate"], s["space_latency"], s["space_compress"]) == (0, 0, "none")
    client.get("/blob.bin")  # the first request of a fresh server pays for its start
    resp, took = timed(lambda: client.get("/blob.bin", headers=GZIP))
    assert resp.content == (site / "blob.bin").read_bytes() and took < SECONDS  # 4 Mbit/s would take 0.41 s
    js = client.get("/app.js", headers=GZIP)
    assert "content-encoding" not in js.headers and "vary" not in js.headers


def test_latency_before_every_response(space):
    client, settings = space
    settings(space_latency=300)
    for path in ("/", "/data.json", "/missing"):  # small bodies: the wait is the latency
        resp, took = timed(lambda: client.get(path))
        assert 0.3 <= took < 0.65, (path, took)  # never sooner; later only by a busy machine
    settings(space_latency=None)
    assert timed(lambda: client.get("/"))[1] < 0.2


def test_rate_paces_the_body(space, site):
    client, settings = space
    settings(space_rate=RATE)
    resp, took = timed(lambda: client.get("/blob.bin"))
    assert resp.content == (site / "blob.bin").read_bytes()
    assert resp.headers["content-length"] == str(SIZE)
    assert SECONDS * 0.97 <= took <= SECONDS * SLOWER, took


def test_rate_and_latency_add_up(space):
    client, settings = space
    settings(space_rate=RATE, space_latency=100)
    took = timed(lambda: client.get("/blob.bin"))[1]
    assert SECONDS + 0.1 <= took <= (SECONDS + 0.1) * SLOWER, took


def test_parallel_downloads_share_the_link(space, site):
    """Two downloads at once take twice as long together, as on one real link."""
    client, settings = space
    settings(space_rate=RATE)
    times, bodies = {}, {}
    clients = {n: httpx.Client(base_url=client.base_url, timeout=30) for n in ("blob.bin", "other.bin")}

    def fetch(name):
        resp, times[name] = timed(lambda: clients[name].get(f"/{name}"))
        bodies[name] = resp.content

    threads = [threading.Thread(target=fetch, args=(n,)) for n in clients]
    start = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for c in clients.values():
        c.close()
    total = time.monotonic() - start
    assert 2 * SECONDS * 0.97 <= total <= 2 * SECONDS * SLOWER, total
    assert min(times.values()) >= 1.3 * SECONDS, times  # interleaved, not one after the other
    assert all(bodies[n] == (site / n).read_bytes() for n in bodies)


@pytest.mark.parametrize("path", ["/app.js", "/module.wasm", "/style.css", "/data.json", "/"])
def test_gzip_for_compressible_types_when_asked(space, site, path):
    client, settings = space
    assert settings(space_compress="gzip")["space_compress"] == "gzip"
    plain = client.get(path, headers=IDENTITY)
    packed = client.get(path, headers=GZIP)
    assert "content-encoding" not in plain.headers and plain.headers["vary"] == "Accept-Encoding"
    assert packed.headers["content-encoding"] == "gzip" and packed.headers["vary"] == "Accept-Encoding"
    with client.stream("GET", path, headers=GZIP) as s:
        wire = b"".join(s.iter_raw())
    assert int(packed.headers["content-length"]) == len(wire) < len(plain.content)
    assert gzip.decompress(wire) == plain.content
    if path != "/":  # index.html carries the injected script
        assert plain.content == (site / path.lstrip("/")).read_bytes()
    assert packed.headers["etag"] == "W/" + plain.headers["etag"].removeprefix("W/")


@pytest.mark.parametrize("path", ["/bundle.zip", "/pic.png", "/blob.bin"])
def test_no_gzip_for_compressed_or_unknown_types(space, site, path):
    client, settings = space
    settings(space_compress="gzip")
    resp = client.get(path, headers=GZIP)
    assert "content-encoding" not in resp.headers and "vary" not in resp.headers
    assert resp.content == (site / path.lstrip("/")).read_bytes()


@pytest.mark.parametrize("accept", ["identity", "br", "gzip;q=0, br", ""])
def test_no_gzip_unless_the_request_accepts_it(space, accept):
    client, settings = space
    settings(space_compress="gzip")
    with client.stream("GET", "/app.js", headers={"Accept-Encoding": accept}) as s:
        assert "content-encoding" not in s.headers
        assert s.headers["vary"] == "Accept-Encoding"


def test_gzip_revalidates_and_skips_ranges(space):
    client, settings = space
    settings(space_compress="gzip")
    packed = client.get("/app.js", headers=GZIP)
    again = client.get("/app.js", headers={**GZIP, "If-None-Match": packed.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    part = client.get("/app.js", headers={**GZIP, "Range": "bytes=0-9"})
    assert part.status_code == 206 and "content-encoding" not in part.headers and len(part.content) == 10


def test_the_paced_bytes_are_the_compressed_ones(space, site):
    client, settings = space
    settings(space_compress="gzip", space_rate=RATE)
    start = time.monotonic()
    with client.stream("GET", "/hex.txt", headers=GZIP) as s:
        wire = b"".join(s.iter_raw())
    took = time.monotonic() - start
    paced = len(wire) * 8 / (RATE * 1e6)  # about 0.28 s; the file itself would take 0.53 s
    raw = (site / "hex.txt").stat().st_size * 8 / (RATE * 1e6)
    assert s.headers["content-encoding"] == "gzip" and int(s.headers["content-length"]) == len(wire)
    assert paced * 0.97 <= took <= paced * SLOWER + 0.05 < raw, (len(wire), took)
    assert gzip.decompress(wire) == (site / "hex.txt").read_bytes()


def test_settings_refuse_bad_values(space):
    _, settings = space
    for bad in ({"space_rate": -1}, {"space_rate": "fast"}, {"space_latency": True}, {"space_latency": 10_001},
                {"space_compress": "br"}):
        assert "error" in settings(**bad), bad


def test_flags_parse():
    o = parse_args(["--space-rate", "20", "--space-latency", "40", "--space-compress", "gzip"])
    assert (o.space_rate, o.space_latency, o.space_compress) == (20, 40, "gzip")
    d = parse_args([])
    assert (d.space_rate, d.space_latency, d.space_compress) == (0, 0, "none")


@pytest.mark.parametrize(("name", "launch", "other"), [
    ("space_rate", 9, 20), ("space_latency", 60, 0), ("space_compress", "gzip", "none")])
def test_launch_values_come_back_with_null_and_reset(name, launch, other):
    with launched_with(name, launch, other) as (_, control):
        assert control.post("/_devhub/settings", json={}).json()[name] == launch


def test_negotiation_and_types():
    assert accepts_gzip("gzip, deflate, br") and accepts_gzip("br;q=1, gzip;q=0.5") and accepts_gzip("*")
    assert not accepts_gzip("") and not accepts_gzip("gzip;q=0") and not accepts_gzip("identity")
    assert not accepts_gzip("*, gzip;q=0")
    for t in ("text/html; charset=utf-8", "text/javascript", "application/wasm", "application/json",
              "text/css", "image/svg+xml"):
        assert compressible(t), t
    for t in ("application/zip", "application/octet-stream", "image/png", "application/gzip", ""):
        assert not compressible(t), t


def test_gzip_compresses_big_files_ahead(site):
    """Launched with gzip, the host compresses its big compressible files in the background, so a
    first visit does not wait for a 9.6 MB gzip before the file's first byte."""
    hub = DevHub(Options(site=site, hub_port=0, space_port=0, space_compress="gzip")).start()
    try:
        shaper = hub._servers[-1].app
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not shaper.cache._items:
            time.sleep(0.05)
        assert {path for path, _ in shaper.cache._items} == {"/hex.txt"}  # the one >= 256 KB and compressible
        with httpx.Client(base_url=hub.space_url, timeout=30) as client:
            resp = client.get("/hex.txt", headers=GZIP)
        assert resp.headers["content-encoding"] == "gzip" and resp.content == (site / "hex.txt").read_bytes()
    finally:
        hub.stop()
