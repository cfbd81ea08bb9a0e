"""The hub's pages: who is signed in to the hub (its session, CSRF), the sign-in and consent pages
``/oauth/authorize`` shows, the home page, profiles, repositories and the Space page."""

from __future__ import annotations

import secrets
from urllib.parse import quote

from flask import Blueprint, Response, abort, current_app, make_response, redirect, render_template, request, session

from .seed import App, Org, User
from .web import current_hub

# The consent page's words, after HF's docs (docs/hub/oauth.md and its pull requests).
SCOPE_WORDS = {
    "openid": "Confirm your Hugging Face identity",
    "profile": "See your profile: username, full name and avatar",
    "email": "See your email address",
    "read-billing": "Know whether you have a payment method set up",
    "read-memberships": "See which organizations you belong to and your role in each",
    "read-repos": "Read your personal repositories, including private ones",
    "gated-repos": "Read the gated repositories you were granted access to",
    "contribute-repos": "Create repositories, and access only the ones this app created",
    "write-repos": "Read and write your personal repositories",
    "manage-repos": "Fully manage your personal repositories, including creating and deleting them",
    "read-collections": "Read your collections",
    "write-collections": "Create, edit and delete your collections",
    "inference-api": "Make inference requests (Inference Providers) on your behalf",
    "read-endpoints": "See your Inference Endpoints",
    "write-endpoints": "Manage your Inference Endpoints",
    "jobs": "Run jobs on your behalf",
    "webhooks": "Manage your webhooks",
    "write-discussions": "Open discussions and pull requests, comment and react on your behalf",
}

bp = Blueprint("pages", __name__)
# Set by the sign-in form on its way back to /oauth/authorize: the account was just picked, so a
# prompt=login or select_account there is answered (the next authorize GET takes it off).
JUST_PICKED = "just_picked"


# -- the hub's own sign-in session ------------------------------------------------------------

def current_user() -> User | None:
    hub = current_hub()
    if session.get("epoch") != hub.store.login_epoch:
        return None
    return hub.world.users.get(session.get("user", ""))


def csrf_token() -> str:
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(16)
    return session["csrf"]


def check_csrf() -> None:
    if not secrets.compare_digest(request.form.get("csrf", ""), session.get("csrf", "") or "-"):
        abort(error_page(400, "Your session changed", "This form expired. Go back and try again."))


@bp.post("/login")
def login():
    check_csrf()
    hub = current_hub()
    username = request.form.get("username", "")
    target = request.form.get("next", "/")
    if username not in hub.world.users:
        return error_page(400, "Unknown account", "Pick one of the listed accounts.")
    if not target.startswith("/oauth/authorize?") and target != "/":
        target = "/"
    session.clear()
    session.update(user=username, epoch=hub.store.login_epoch, csrf=secrets.token_urlsafe(16))
    if target != "/":
        session[JUST_PICKED] = True
    return redirect(target, 303)


@bp.post("/logout")
def logout():
    """Sign out of the hub (the home page's Sign out; a form with the CSRF token, as reported of
    huggingface.co's ``POST /logout``). The apps' grants stay: a later sign-in of the same account
    skips consent."""
    check_csrf()
    session.clear()
    return redirect("/", 303)


# -- pages ----------------------------------------------------------------------------------------

def page_avatar(name: str, override: str | None) -> str:
    """What devhub's own pages show: a seeded override only when it is https."""
    return override if override and override.startswith("https://") else f"/avatars/{quote(name, safe='')}.svg"


def error_page(status: int, title: str, message: str, client: App | None = None) -> Response:
    return make_response(render_template("error.html", title=title, message=message, client=client), status)


def signin_page(client: App, current: User | None = None) -> str:
    """Pick an account, then come back to this authorization request; ``current`` is the account
    signed in to the hub already (prompt=login or select_account, when honoured)."""
    return render_template("signin.html", client=client, users=list(current_hub().world.users.values()),
                           next=request.full_path, csrf=csrf_token(), avatar_url=page_avatar, current=current)


def consent_page(client: App, user: User, requested: list[str], orgs: list[tuple[Org, bool]]) -> str:
    """The scopes ``requested`` in words, and the user's orgs with the ones to grant checked."""
    return render_template(
        "consent.html", client=client, user=user, csrf=csrf_token(), orgs=orgs,
        scopes=[(s, SCOPE_WORDS.get(s, s)) for s in requested], avatar_url=page_avatar,
        org_scopes=bool({"read-repos", "write-repos", "manage-repos", "read-billing"} & set(requested)),
    )


@bp.get("/")
def home():
    hub = current_hub()
    return render_template("home.html", users=list(hub.world.users.values()), orgs=list(hub.world.orgs.values()),
                           user=current_user(), space_url=hub.space_url, space_id=hub.space_id,
                           avatar_url=page_avatar, csrf=csrf_token())


@bp.get("/favicon.ico")
def favicon():
    return current_app.send_static_file("hf-mark.svg")


def repo_page(kind: str, repo_id: str):
    repo = next((r for r in current_hub().world.repos if r.kind == kind and r.id == repo_id), None)
    if repo is None or repo.private:
        return error_page(404, "Repository not found",
                          f"{repo_id} does not exist here or is private (devhub has no logged-in repo pages).")
    return render_template("repo.html", repo=repo, kind=kind)


@bp.get("/settings/connected-applications")
def connected_apps():
    """The apps the account signed in to the hub has granted, each with Revoke (as on HF)."""
    hub, user = current_hub(), current_user()
    if user is None:
        return error_page(401, "Not signed in", "Connected applications are listed for the account signed in to "
                          "devhub: sign in from a Space first.")
    apps = [(hub.apps[c], g) for (u, c), g in hub.store.grants.items() if u == user.username and c in hub.apps]
    return render_template("connected.html", user=user, apps=apps, csrf=csrf_token(), words=SCOPE_WORDS,
                           avatar_url=page_avatar)


@bp.post("/settings/connected-applications/<client_id>/revoke")
def revoke_app(client_id):
    check_csrf()
    user = current_user()
    if user is None:
        return error_page(401, "Not signed in", "Sign in to devhub first.")
    current_hub().store.revoke_app(user.username, client_id)
    return redirect("/settings/connected-applications", 303)


@bp.get("/datasets/<owner>/<name>")
def dataset_page(owner, name):
    return repo_page("dataset", f"{owner}/{name}")


@bp.get("/spaces/<owner>/<name>")
def space_page(owner, name):
    hub = current_hub()
    if hub.space_id == f"{owner}/{name}":
        return render_template("space.html", owner=owner, name=name, space_id=hub.space_id,
                               space_url=hub.space_url)
    return repo_page("space", f"{owner}/{name}")


@bp.get("/<owner>/<name>")
def model_page(owner, name):
    return repo_page("model", f"{owner}/{name}")


@bp.get("/<name>")
def profile_page(name):
    world = current_hub().world
    who = world.users.get(name) or world.orgs.get(name)
    if who is None:
        return error_page(404, "Not found", f"There is no user or organization called {name} here.")
    repos = [r for r in world.repos if r.author == name and not r.private]
    return render_template("profile.html", who=who, is_org=name in world.orgs, repos=repos[:60],
                           total=len(repos), avatar_url=page_avatar)
