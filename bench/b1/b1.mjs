// Baseline B1: the same round trip with the official JS client (@huggingface/hub):
// oauthLoginUrl / oauthHandleRedirectIfPresent, then the username on the page.
import { oauthHandleRedirectIfPresent, oauthLoginUrl } from "@huggingface/hub";

const hubUrl = window.huggingface.variables.OPENID_PROVIDER_URL;
const result = await oauthHandleRedirectIfPresent({ hubUrl });
if (result) {
  document.getElementById("who").textContent = result.userInfo.preferred_username;
  performance.mark("b1:rendered");
} else {
  const button = document.getElementById("sign-in");
  button.onclick = async () => {
    location.href = await oauthLoginUrl({ hubUrl, scopes: "openid profile", redirectUrl: location.origin + location.pathname });
  };
  button.disabled = false;
  performance.mark("b1:ready");
}
