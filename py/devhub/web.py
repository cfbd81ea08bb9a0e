"""What the hub's blueprints share: the hub behind the current app, faults applied to a view,
the bearer token of a request and JSON errors."""

from __future__ import annotations

import json
import time
from functools import wraps
from typing import TYPE_CHECKING

from authlib.oauth2 import OAuth2Error
from flask import Response, abort, current_app, jsonify, make_response, request

from .faults import Fault
from .keys import unverified_claims

if TYPE_CHECKING:
    from .hub import HubConfig
    from .provider import TokenRecord


def current_hub() -> HubConfig:
    """The HubConfig of the app handling this request (``create_hub_app`` puts it there)."""
    return current_app.extensions["devhub"]


def json_error(status: int, message: str) -> Response:
    return make_response(jsonify({"error": message}), status)


def bearer(optional: bool = False) -> TokenRecord | None:
    """The TokenRecord of the request, validated by Authlib's ResourceProtector."""
    if "access_token" in request.args or "access_token" in request.form:
        abort(make_response(jsonify({
            "error": "invalid_request",
            "error_description": "Access tokens go in the Authorization header, never in the URL or body.",
        }), 400))
    if optional and not request.headers.get("Authorization"):
        return None
    require_oauth = current_hub().require_oauth
    try:
        return require_oauth.acquire_token()
    except OAuth2Error as error:
        require_oauth.raise_error_response(error)  # 401 with WWW-Authenticate: Bearer error="…"


def faultable(endpoint: str):
    """Decorate a view so that the faults pending for ``endpoint`` (faults.py) apply to it."""
    def decorate(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            hub = current_hub()
            fault = hub.faults.take(endpoint)
            if fault is None:
                return view(*args, **kwargs)
            hub.store.log("fault", endpoint=endpoint, status=fault.status, delay=fault.delay,
                          patch=bool(fault.patch), id_token=fault.id_token)
            if fault.delay:
                time.sleep(fault.delay)
            if fault.status is not None:
                resp = Response(fault.body or "", status=fault.status, content_type=fault.content_type)
            else:
                resp = make_response(view(*args, **kwargs))
                if fault.patch is not None or fault.id_token:
                    resp = rewrite_json(resp, fault)
            for name, value in fault.headers.items():
                resp.headers[name] = value
            return resp
        return wrapped
    return decorate


def rewrite_json(resp: Response, fault: Fault) -> Response:
    """The view's JSON answer with the fault's patch applied and its id_token made defective."""
    body = json.loads(resp.get_data())
    if fault.id_token and isinstance(body, dict) and body.get("id_token"):
        body["id_token"] = current_hub().keys.defective(unverified_claims(body["id_token"]), fault.id_token)
    for key, value in (fault.patch or {}).items():
        if isinstance(body, dict):
            if value is None:
                body.pop(key, None)
            else:
                body[key] = value
    resp.set_data(json.dumps(body))
    return resp
