"""The test control API (``/_devhub/*``): faults, events, settings, reset, revocation and key
rotation. Registered only with --test-control, and answered only from loopback."""

from __future__ import annotations

from dataclasses import asdict
from urllib.parse import urlsplit

from flask import Blueprint, abort, jsonify, request

from .faults import Fault, FaultError
from .variants import RULES as VARIANT_RULES
from .variants import VariantError
from .web import current_hub, json_error

# Who may call it, and what it may change.
LOOPBACK_HOSTS = {"localhost", "127.0.0.1", "::1"}
STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}
CONTROL_HEADER = "X-Devhub-Control"
STORE_SETTINGS = ("expires_in", "code_lifetime", "drop_scopes")

bp = Blueprint("control", __name__, url_prefix="/_devhub")


def _loopback_host(netloc: str) -> bool:
    try:
        return urlsplit("//" + netloc).hostname in LOOPBACK_HOSTS
    except ValueError:
        return False


def control_refusal() -> str | None:
    """Why the current /_devhub/ request is refused, or None. A web page the developer visits
    could otherwise reset devhub or rotate its keys: it cannot send a JSON body or a custom header
    cross-site without a preflight (which gets no CORS answer), its Origin names its own site, and
    a DNS-rebound name still shows in Host."""
    if request.remote_addr not in ("127.0.0.1", "::1"):
        return "control requests come from this machine only"
    if not _loopback_host(request.host):
        return "the Host header must be localhost, 127.0.0.1 or [::1]"
    origin = request.headers.get("Origin")
    if origin is not None and not (origin.startswith("http://") and _loopback_host(origin.removeprefix("http://"))):
        return "control requests come from loopback pages or from programs (no Origin)"
    if request.method in STATE_CHANGING and not (request.is_json or CONTROL_HEADER in request.headers):
        return f"send a JSON body (Content-Type: application/json) or an {CONTROL_HEADER} header"
    return None


@bp.before_app_request
def guard():
    # For every request of the app, not only this blueprint's: /_devhub/ paths no route matches
    # are refused the same way.
    if request.path.startswith("/_devhub/"):
        why = control_refusal()
        if why:
            return json_error(403, why)
    return None


def body():
    data = request.get_json(silent=True)
    if data is None:
        abort(json_error(400, "send a JSON body"))
    return data


@bp.post("/faults")
def add_faults():
    data = body()
    try:
        added = [Fault.from_json(d) for d in (data if isinstance(data, list) else [data])]
    except FaultError as exc:
        return json_error(400, str(exc))
    faults = current_hub().faults
    for f in added:
        faults.add(f)
    return jsonify({"pending": faults.pending()})


@bp.get("/faults")
def list_faults():
    return jsonify({"pending": current_hub().faults.pending()})


@bp.delete("/faults")
def clear_faults():
    current_hub().faults.clear()
    return jsonify({"pending": []})


@bp.get("/events")
def events():
    store = current_hub().store
    since = request.args.get("since", default=0, type=int)
    with store.lock:
        return jsonify([e for e in store.events if e["seq"] > since])


@bp.post("/reset")
def reset():
    hub = current_hub()
    hub.store.reset()
    hub.faults.clear()
    hub.variants.restore()
    return jsonify({"ok": True})


@bp.post("/settings")
def settings():
    hub = current_hub()
    data = body()
    if not isinstance(data, dict):
        return json_error(400, "settings are a JSON object")
    unknown = set(data) - set(STORE_SETTINGS) - set(VARIANT_RULES)
    if unknown:
        return json_error(400, f"unknown settings: {', '.join(sorted(unknown))}")
    error = store_settings_error(data)
    if error:
        return json_error(400, error)
    try:
        hub.variants.update({k: v for k, v in data.items() if k in VARIANT_RULES})
    except VariantError as exc:
        return json_error(400, f"{exc}, or null")
    apply_store_settings(hub.store.settings, data)
    s = hub.store.settings
    return jsonify({"expires_in": s.expires_in, "code_lifetime": s.code_lifetime, "drop_scopes": s.drop_scopes,
                    **asdict(hub.variants)})


@bp.post("/revoke")
def revoke():
    data = body()
    return jsonify({"revoked": current_hub().store.revoke_user(str(data.get("username", "")))})


@bp.post("/rotate-keys")
def rotate_keys():
    keys = current_hub().keys
    keys.rotate(retire=(request.get_json(silent=True) or {}).get("retire") is True)
    return jsonify(keys.jwks())


@bp.get("/grants")
def grants():
    store = current_hub().store
    with store.lock:
        return jsonify([{"user": u, "client_id": c, "scopes": sorted(g_.scopes), "orgs": sorted(g_.orgs)}
                        for (u, c), g_ in store.grants.items()])


def store_settings_error(data: dict) -> str | None:
    """What is wrong with the provider's own settings in ``data`` (lifetimes, scopes granted), or None."""
    for name in ("expires_in", "code_lifetime"):
        value = data.get(name)
        if value is not None and not (isinstance(value, int) and not isinstance(value, bool) and value > 0):
            return f"{name} must be a positive integer or null"
    drop = data.get("drop_scopes") or []
    if not isinstance(drop, list) or not all(isinstance(x, str) for x in drop) or "openid" in drop:
        return "drop_scopes is a list of scopes other than openid"
    return None


def apply_store_settings(s, data: dict) -> None:
    """Set the provider's own settings in ``data`` (checked by store_settings_error); null restores."""
    if "expires_in" in data:
        s.expires_in = data["expires_in"]
    if "code_lifetime" in data:
        s.code_lifetime = data["code_lifetime"] or 300
    if "drop_scopes" in data:
        s.drop_scopes = data["drop_scopes"] or []
