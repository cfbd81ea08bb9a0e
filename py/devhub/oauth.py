"""The OAuth 2.0 / OpenID Connect endpoints: discovery, JWKS, authorize, token and userinfo.
Authlib's server (provider.py) runs the protocol; these views add what huggingface.co shows
and answers around it: sign-in and consent pages, org grants, the userinfo shape."""

from __future__ import annotations

from authlib.oauth2 import OAuth2Error
from flask import Blueprint, Response, jsonify, request, session

from .api import granted_orgs
from .pages import JUST_PICKED, check_csrf, consent_page, current_user, error_page, signin_page
from .provider import SCOPES_SUPPORTED, Grant, id_token_profile, scope_list
from .seed import App, Org, User
from .web import bearer, current_hub, faultable

bp = Blueprint("oauth", __name__)

# The prompt values that ask for the account picker even with a hub session. Nothing public shows
# huggingface.co honouring them (docs/devhub.md): devhub ignores them unless --prompt-login honoured.
ACCOUNT_PROMPTS = ("login", "select_account")


# -- discovery and keys ----------------------------------------------------------------------

@bp.get("/.well-known/openid-configuration")
@faultable("discovery")
def discovery():
    hub = current_hub().hub_url
    honoured = current_hub().variants.prompt_login == "honoured"
    return jsonify({
        "issuer": hub,
        "authorization_endpoint": f"{hub}/oauth/authorize",
        "token_endpoint": f"{hub}/oauth/token",
        "userinfo_endpoint": f"{hub}/oauth/userinfo",
        "jwks_uri": f"{hub}/oauth/jwks",
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "code_challenge_methods_supported": ["S256"],
        "scopes_supported": SCOPES_SUPPORTED,
        "token_endpoint_auth_methods_supported": ["none", "client_secret_basic", "client_secret_post"],
        "claims_supported": ["iss", "sub", "aud", "exp", "iat", "auth_time", "nonce", "name",
                             "preferred_username", "profile", "picture", "website", "email", "email_verified"],
        # Listed only when honoured: whether HF's document lists them is unknown (the probe shows it).
        **({"prompt_values_supported": ["consent", *ACCOUNT_PROMPTS]} if honoured else {}),
    })


@bp.get("/oauth/jwks")
@faultable("jwks")
def jwks():
    return jsonify(current_hub().keys.jwks())


# -- authorize: sign-in, consent, the code -------------------------------------------------------

def redirect_303(resp: Response) -> Response:
    if resp.status_code in (301, 302):
        resp.status_code = 303
    return resp


def issue_code(grant, user: User, orgs: list[str]) -> Response:
    grant.request.granted_orgs = tuple(orgs)
    return redirect_303(current_hub().server.create_authorization_response(grant_user=user, grant=grant))


@bp.route("/oauth/authorize", methods=["GET", "POST"])
@faultable("authorize")
def authorize():
    hub = current_hub()
    user = current_user()
    if user is None and hub.auto_login:
        user = hub.world.users[hub.auto_login]
    try:
        grant = hub.server.get_consent_grant(end_user=user)
    except OAuth2Error as error:
        return invalid_authorization(error)
    client: App = grant.client.app
    if user is None:
        return signin_page(client)
    if request.method == "GET" and account_prompted(user):
        return signin_page(client, user)
    member_of = [o.name for o in hub.world.orgs_of(user.username)]
    if client.authorized_orgs and not set(client.authorized_orgs) & set(member_of):
        return error_page(403, "Access restricted",
                          f"{client.name} only accepts members of: {', '.join(client.authorized_orgs)}. "
                          f"You are signed in as {user.username}.", client)
    if request.method == "GET":
        return ask_consent(grant, user, member_of)
    return record_consent(grant, user, member_of)


def account_prompted(user: User) -> bool:
    """prompt=login or select_account, honoured, for an account signed in to the hub before this
    request (not one just picked on the sign-in page, not --auto-login's, which approves at once)."""
    picked = session.pop(JUST_PICKED, False) if JUST_PICKED in session else False
    wanted = set(request.args.get("prompt", "").split()) & set(ACCOUNT_PROMPTS)
    return bool(wanted) and not picked and current_hub().variants.prompt_login == "honoured" \
        and current_user() is user


def invalid_authorization(error: OAuth2Error) -> Response:
    """Back to the client when its redirect URI is known to be its own, else an error page."""
    if error.redirect_uri:
        return redirect_303(current_hub().server.handle_error_response(None, error))
    client_id = request.values.get("client_id")
    return error_page(400, "This sign-in link is not valid",
                      f"{error.description or error.error} The application that sent you here "
                      f"({client_id or 'unknown'}) needs to fix its configuration.")


def ask_consent(grant, user: User, member_of: list[str]):
    """A code at once when consent is given already (or --auto-login), else the consent page."""
    hub = current_hub()
    client: App = grant.client.app
    requested = scope_list(grant.request.scope)
    wanted_ids = [i for i in (request.values.get("orgIds") or "").split(",") if i]
    wanted = [o.name for o in hub.world.orgs_of(user.username) if o.id in wanted_ids]
    existing = hub.store.grants.get((user.username, client.client_id))
    prompt = request.values.get("prompt", "")
    if hub.auto_login:
        hub.store.grants[(user.username, client.client_id)] = Grant(set(requested), set(member_of))
        return issue_code(grant, user, member_of)
    if existing and set(requested) <= existing.scopes and "consent" not in prompt.split() \
            and set(wanted) <= existing.orgs:
        return issue_code(grant, user, sorted(existing.orgs))
    checked = set(wanted) | (existing.orgs if existing else set())
    orgs = [(o, o.name in checked) for o in hub.world.orgs_of(user.username)]
    return consent_page(client, user, requested, orgs)


def record_consent(grant, user: User, member_of: list[str]) -> Response:
    """The consent form's answer: denied, or the scopes and the orgs chosen remembered."""
    check_csrf()
    hub = current_hub()
    client: App = grant.client.app
    if request.form.get("action") != "approve":
        hub.store.log("deny", client_id=client.client_id, user=user.username)
        return redirect_303(hub.server.create_authorization_response(grant_user=None, grant=grant))
    requested = scope_list(grant.request.scope)
    existing = hub.store.grants.get((user.username, client.client_id))
    chosen = [o for o in request.form.getlist("org") if o in member_of]
    scopes = set(requested) | (existing.scopes if existing else set())
    hub.store.grants[(user.username, client.client_id)] = Grant(scopes, set(chosen))
    return issue_code(grant, user, chosen)


# -- token side ----------------------------------------------------------------------------------

@bp.post("/oauth/token")
@faultable("token")
def token():
    return current_hub().server.create_token_response()


@bp.route("/oauth/userinfo", methods=["GET", "POST"])
@faultable("userinfo")
def userinfo():
    hub = current_hub()
    tok = bearer()
    user = hub.world.users[tok.username]
    scopes = scope_list(tok.scope)
    info = id_token_profile(user, scopes, hub.hub_url)
    info["isPro"] = user.is_pro
    if "read-billing" in scopes:
        info["canPay"] = user.can_pay
    info["orgs"] = [org_info(o, user, scopes) for o in granted_orgs(hub.world, tok)]
    hub.store.log("userinfo", user=user.username, client_id=tok.client_id)
    return jsonify(info)


def avatar_url(name: str, override: str | None) -> str:
    """What the API and userinfo say (seeded overrides included, hostile ones too)."""
    return override or f"{current_hub().hub_url}/avatars/{name}.svg"


def org_info(org: Org, user: User, scopes: list[str]) -> dict:
    d = {"sub": org.id, "name": org.fullname, "preferred_username": org.name,
         "picture": avatar_url(org.name, org.avatar), "isEnterprise": org.plan == "enterprise"}
    if org.plan:
        d["plan"] = org.plan
    if "read-billing" in scopes:
        d["canPay"] = org.can_pay
    d["roleInOrg"] = org.members.get(user.username)
    if org.security_restrictions:
        d["securityRestrictions"] = list(org.security_restrictions)
    return d

