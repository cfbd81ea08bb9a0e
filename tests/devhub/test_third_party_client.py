"""devhub works with a real, independent OAuth client: Authlib's."""

from urllib.parse import parse_qsl, urlsplit

from authlib.common.security import generate_token
from authlib.integrations.httpx_client import OAuth2Client
from joserfc import jwt
from joserfc.jwk import KeySet


def test_authlib_client_code_pkce_nonce_and_id_token(hub, agent, http):
    md = http.get("/.well-known/openid-configuration").json()
    client = OAuth2Client(client_id="devhub-public-app", redirect_uri="http://localhost:7777/callback",
                          scope="openid profile email", code_challenge_method="S256",
                          token_endpoint_auth_method="none")
    verifier, nonce = generate_token(48), generate_token(24)
    url, state = client.create_authorization_url(md["authorization_endpoint"], code_verifier=verifier, nonce=nonce)
    resp = agent.authorize(dict(parse_qsl(urlsplit(url).query)), user="bob")
    callback = resp.headers["location"]
    assert callback.startswith("http://localhost:7777/callback?")
    token = client.fetch_token(md["token_endpoint"], authorization_response=callback, code_verifier=verifier)
    assert token["token_type"] == "bearer" and token["access_token"].startswith("hf_oauth_")

    keys = KeySet.import_key_set(http.get(md["jwks_uri"]).json())
    decoded = jwt.decode(token["id_token"], keys, algorithms=["RS256"])
    assert decoded.header["alg"] == "RS256" and decoded.header["kid"]
    c = decoded.claims
    assert c["iss"] == hub.hub_url and c["aud"] == "devhub-public-app" and c["nonce"] == nonce
    assert c["exp"] == c["iat"] + 3600 and c["preferred_username"] == "bob" and c["email"] == "bob@example.com"
    assert "isPro" not in c and "orgs" not in c  # only userinfo carries those
    me = client.get(md["userinfo_endpoint"]).json()
    assert me["sub"] == c["sub"] and me["preferred_username"] == "bob"
    client.close()
