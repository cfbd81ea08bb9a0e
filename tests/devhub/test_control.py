"""devhub's fault injection and control API, and its command line."""

import subprocess
import sys
import time

import httpx
import pytest

from devhub import DevHub, Options
from devhub.faults import Fault, FaultBoard, FaultError
from harness import Attempt, HubBrowser, redirect_params


def test_fault_replaces_delays_and_counts(hub, http):
    hub.fault("discovery", status=503, body="busy", content_type="text/plain", headers={"Retry-After": "7"}, count=2)
    for _ in range(2):
        r = http.get("/.well-known/openid-configuration")
        assert (r.status_code, r.text, r.headers["retry-after"]) == (503, "busy", "7")
        assert r.headers["access-control-allow-origin"]  # faults still carry CORS, so browsers can read them
    assert http.get("/.well-known/openid-configuration").status_code == 200
    hub.fault("jwks", delay=0.5)
    start = time.monotonic()
    assert http.get("/oauth/jwks").status_code == 200 and time.monotonic() - start >= 0.5


def test_skip_targets_a_later_response(hub, http):
    hub.fault("models", skip=1, status=500, body="{}")
    assert http.get("/api/models?limit=1").status_code == 200
    assert http.get("/api/models?limit=1").status_code == 500
    assert http.get("/api/models?limit=1").status_code == 200


def test_patch_merges_and_deletes(hub, http):
    hub.fault("discovery", patch={"issuer": "https://evil.example", "jwks_uri": None})
    doc = http.get("/.well-known/openid-configuration").json()
    assert doc["issuer"] == "https://evil.example" and "jwks_uri" not in doc


@pytest.mark.parametrize("spec", [
    {"endpoint": "nope"}, {"endpoint": "token", "count": 0}, {"endpoint": "token", "status": 99},
    {"endpoint": "token", "delay": -1}, {"endpoint": "userinfo", "id_token": "bad_signature"},
    {"endpoint": "token", "id_token": "sparkles"}, {"endpoint": "token", "surprise": 1}, ["not", "objects"],
])
def test_bad_fault_specs_are_refused(hub, http, spec):
    r = http.post("/_devhub/faults", json=spec)
    assert r.status_code == 400 and r.json()["error"]
    assert hub.pending_faults() == []


def test_board_is_fifo_per_endpoint():
    board = FaultBoard()
    board.add(Fault.from_json({"endpoint": "token", "status": 500}))
    board.add(Fault.from_json({"endpoint": "token", "status": 502}))
    assert board.take("userinfo") is None
    assert [board.take("token").status, board.take("token").status, board.take("token")] == [500, 502, None]
    with pytest.raises(FaultError):
        Fault.from_json({"endpoint": "token", "patch": [1]})


def test_control_api_is_off_unless_asked():
    plain = DevHub(Options(hub_port=0, space_port=0)).start()
    try:
        r = httpx.post(plain.hub_url + "/_devhub/faults", json={"endpoint": "token"})
        assert r.status_code in (404, 405)
    finally:
        plain.stop()


def test_auto_login_approves_at_once_with_all_orgs():
    hub = DevHub(Options(hub_port=0, space_port=0, auto_login="alice")).start()
    try:
        a = Attempt(type("H", (), {"client_id": hub.space_app.client_id, "space_url": hub.space_url})())
        agent = HubBrowser(hub.hub_url)
        resp = agent.http.get("/oauth/authorize", params=a.params)
        code = redirect_params(resp)["code"]
        token = httpx.post(hub.hub_url + "/oauth/token", data=a.token_form(code)).json()["access_token"]
        me = httpx.get(hub.hub_url + "/oauth/userinfo", headers={"Authorization": f"Bearer {token}"}).json()
        assert me["preferred_username"] == "alice"
        assert {o["preferred_username"] for o in me["orgs"]} == {"wonderland-lab", "tea-party-ai"}
        agent.close()
    finally:
        hub.stop()


def test_cli_help_and_bad_arguments():
    help_text = subprocess.run([sys.executable, "-m", "devhub", "--help"], capture_output=True, text=True, check=True).stdout
    for flag in ("--host", "--hub-port", "--space-port", "--site", "--seed", "--auto-login", "--test-control",
                 "--slow-body", "--inject", "--cache", "--framing", "--no-jwks-cors", "--no-expose-headers"):
        assert flag in help_text
    bad = subprocess.run([sys.executable, "-m", "devhub", "--auto-login", "nobody", "--hub-port", "0",
                          "--space-port", "0"], capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and "nobody" in bad.stderr and "Traceback" not in bad.stderr


def test_cli_reports_a_busy_port(devhub):
    port = int(devhub.hub_url.rsplit(":", 1)[1])
    busy = subprocess.run([sys.executable, "-m", "devhub", "--hub-port", str(port), "--space-port", "0"],
                          capture_output=True, text=True, timeout=60)
    assert busy.returncode == 2 and "cannot listen" in busy.stderr and "Traceback" not in busy.stderr


def test_seed_file_swaps_the_world(tmp_path):
    seed = tmp_path / "seed.yaml"
    seed.write_text("users:\n  - {username: zed, fullname: Zed}\nrepos:\n  - {kind: model, id: zed/m}\n")
    hub = DevHub(Options(hub_port=0, space_port=0, seed=seed)).start()
    try:
        assert [r["id"] for r in httpx.get(hub.hub_url + "/api/models").json()] == ["zed/m"]
    finally:
        hub.stop()
    seed.write_text("repos:\n  - {kind: model, id: ghost/m}\n")
    bad = subprocess.run([sys.executable, "-m", "devhub", "--seed", str(seed), "--hub-port", "0", "--space-port", "0"],
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and "unknown owner ghost" in bad.stderr


def test_control_needs_a_loopback_origin_and_host(hub):
    """A page the developer visits may send requests to devhub; rebinding its own name to
    127.0.0.1 still leaves that name in Host. httpx (like curl) sends no Origin: accepted."""
    reset = hub.devhub.hub_url + "/_devhub/reset"
    for headers in ({"Origin": "https://evil.example"}, {"Origin": "null"}, {"Host": "evil.example"},
                    {"Host": "evil.example:5564"}, {"Host": "localhost.evil.example"}):
        r = httpx.post(reset, json={}, headers=headers)
        assert r.status_code == 403 and r.json()["error"], headers
    assert httpx.get(hub.devhub.hub_url + "/_devhub/faults", headers={"Origin": "https://evil.example"}).status_code == 403
    port = hub.devhub.hub_url.rsplit(":", 1)[1]
    for headers in ({}, {"Origin": "http://localhost:8000"}, {"Origin": "http://127.0.0.1:1"},
                    {"Origin": "http://[::1]:2"}, {"Host": f"127.0.0.1:{port}"}, {"Host": f"[::1]:{port}"},
                    {"Host": "localhost"}):
        assert httpx.post(reset, json={}, headers=headers).status_code == 200, headers


def test_control_changes_only_with_a_non_simple_request(hub):
    """A cross-site form or a simple fetch cannot send JSON or a custom header without a preflight."""
    for kwargs in ({}, {"data": {"endpoint": "token"}}, {"content": "{}", "headers": {"Content-Type": "text/plain"}},
                   {"files": {"f": b"{}"}}):
        assert hub.http.post("/_devhub/reset", **kwargs).status_code == 403, kwargs
        assert hub.http.post("/_devhub/faults", **kwargs).status_code == 403, kwargs
    assert hub.http.delete("/_devhub/faults").status_code == 403
    assert hub.http.delete("/_devhub/faults", headers={"X-Devhub-Control": "1"}).status_code == 200
    assert hub.http.post("/_devhub/reset", headers={"X-Devhub-Control": "1"}).status_code == 200
    assert hub.http.post("/_devhub/reset", json={}).status_code == 200
    assert hub.http.get("/_devhub/events").status_code == 200


@pytest.mark.parametrize("values", [
    {"surprise": 1}, {"inject": "head"}, {"cache": "forever"}, {"framing": "none"}, {"jwks_cors": 0},
    {"expose_headers": "no"}, {"body_delay": 31}, {"body_delay": True}, {"framing": "deny", "cache": "forever"},
    {"expires_in": 5, "framing": "nobody"}, {"framing": "deny", "drop_scopes": ["openid"]}, {"expires_in": True},
])
def test_bad_settings_are_refused_and_change_nothing(hub, values):
    before = hub.settings()
    r = hub.http.post("/_devhub/settings", json=values)
    assert r.status_code == 400 and r.json()["error"]
    assert hub.settings() == before


def test_null_and_reset_restore_the_launch_values():
    launched = DevHub(Options(hub_port=0, space_port=0, test_control=True, framing="deny", cache="immutable",
                              inject="head-end", jwks_cors=False, expose_headers=False, slow_body=0.5)).start()
    control = httpx.Client(base_url=launched.hub_url, timeout=30)
    try:
        launch = {"framing": "deny", "cache": "immutable", "inject": "head-end", "jwks_cors": False,
                  "expose_headers": False, "body_delay": 0.5}
        assert control.post("/_devhub/settings", json={}).json().items() >= launch.items()
        changed = {"framing": "self", "cache": "revalidate", "inject": "crlf-quirk", "jwks_cors": True,
                   "expose_headers": True, "body_delay": 0}
        assert control.post("/_devhub/settings", json=changed).json().items() >= changed.items()
        restored = control.post("/_devhub/settings", json={"framing": None, "body_delay": None}).json()
        assert (restored["framing"], restored["body_delay"], restored["cache"]) == ("deny", 0.5, "revalidate")
        control.post("/_devhub/reset", json={})
        assert control.post("/_devhub/settings", json={}).json().items() >= launch.items()
    finally:
        control.close()
        launched.stop()


def test_rate_limit_preset_answers_like_huggingface(hub, http):
    """docs/hub/rate-limits.md: 429 with RateLimit and RateLimit-Policy (IETF draft 9 as HF writes
    it), five-minute windows; no Retry-After (neither HF's docs nor a maintainer's dump show one)."""
    hub.fault("whoami", rate_limit={})
    r = http.get("/api/whoami-v2", headers={"Origin": hub.space_url})
    assert r.status_code == 429 and r.json()["error"]
    assert r.headers["ratelimit"] == '"api";r=0;t=60'
    assert r.headers["ratelimit-policy"] == '"fixed window";"api";q=1000;w=300'
    assert "retry-after" not in r.headers
    assert {"RateLimit", "RateLimit-Policy"} <= {h.strip() for h in r.headers["access-control-expose-headers"].split(",")}
    hub.fault("models", rate_limit={"bucket": "pages", "reset": 5, "quota": 200}, headers={"Retry-After": "5"})
    r = http.get("/api/models")
    assert (r.status_code, r.headers["ratelimit"], r.headers["retry-after"]) == (429, '"pages";r=0;t=5', "5")
    assert r.headers["ratelimit-policy"] == '"fixed window";"pages";q=200;w=300'


@pytest.mark.parametrize("spec", [
    True, [], {"bucket": "everything"}, {"reset": -1}, {"reset": 301}, {"quota": 0}, {"window": "300"},
    {"surprise": 1}, {"reset": True},
])
def test_bad_rate_limit_presets_are_refused(hub, http, spec):
    r = http.post("/_devhub/faults", json={"endpoint": "whoami", "rate_limit": spec})
    assert r.status_code == 400 and r.json()["error"]
    assert hub.pending_faults() == []
