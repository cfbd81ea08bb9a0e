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
    for flag in ("--host", "--hub-port", "--space-port", "--site", "--seed", "--auto-login", "--test-control"):
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
