"""Sign in with Hugging Face, in Python, in the browser.

Three lines in a PyScript Space (``hf_oauth: true`` in its README)::

    from hfsignin import HFSignIn
    auth = HFSignIn()
    session = await auth.handle_redirect() or await auth.restore()   # then: await auth.login()

or, like the official JS client::

    session = await oauth_handle_redirect_if_present()
    if not session:
        window.location.href = await oauth_login_url()
"""

__version__ = "0.2.0"  # the one place: both pyproject files read it

from .client import HFSignIn
from .config import Config, resolve_config
from .errors import SignInError
from .hub_api import HubApi, Page, RepoPager
from .models import Org, Repo, UserInfo
from .session import Session
from .urls import safe_link, safe_return_path

__all__ = [
    "__version__", "Config", "HFSignIn", "HubApi", "Org", "Page", "Repo", "RepoPager", "Session", "SignInError",
    "UserInfo", "oauth_handle_redirect_if_present", "oauth_login_url", "resolve_config",
    "safe_link", "safe_return_path",
]


async def oauth_login_url(
    *, client_id=None, scopes=None, provider_url=None, redirect_uri=None, return_to=None, org_ids=(), prompt=None,
) -> str:
    """The authorize URL for a fresh sign-in attempt (its Transaction is stored for this tab)."""
    auth = HFSignIn(client_id, scopes=scopes, provider_url=provider_url, redirect_uri=redirect_uri)
    return await auth.login_url(return_to=return_to, org_ids=org_ids, prompt=prompt)


async def oauth_handle_redirect_if_present(
    *, client_id=None, scopes=None, provider_url=None, redirect_uri=None,
) -> Session | None:
    """Finish the sign-in if this page load is the provider's redirect back; else None.

    Unlike the JS client it validates the id_token, checks the userinfo subject,
    cleans the address bar and stores the Session for reloads.
    """
    auth = HFSignIn(client_id, scopes=scopes, provider_url=provider_url, redirect_uri=redirect_uri)
    return await auth.handle_redirect()
