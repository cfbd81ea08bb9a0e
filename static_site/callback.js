// The popup's callback page (callback.html): it hands the provider's answer to the page that
// opened the window (hfsignin.popup, docs/library.md "Popup sign-in"), then closes. No token is
// ever here: only the one-time code, which leaves the address bar at once and touches no storage.
//   - with an opener: postMessage to this origin only (the opener accepts only this origin);
//   - without one (a Cross-Origin-Opener-Policy on the provider's pages cut it): a
//     BroadcastChannel named after the state, which the opener listens on.
// The window closes only when the opener acknowledges ({type: "hfsignin:received", state});
// without that it stays open and says what to do.
(function () {
  "use strict";
  var MESSAGE = "hfsignin:callback", RECEIVED = "hfsignin:received", CHANNEL = "hfsignin:popup:";
  var FIELDS = ["state", "code", "error", "error_description", "iss"];
  var WAIT_MS = 3000; // the opener answers within a few ms; past this it is not listening

  var query = new URLSearchParams(location.search);
  var message = { type: MESSAGE };
  FIELDS.forEach(function (name) { if (query.has(name)) message[name] = query.get(name); });
  history.replaceState(null, "", location.pathname); // the code leaves the address bar now

  var texts = {
    done: ["Signed in", "You can close this window."],
    unanswered: ["Sign-in could not return to the Space",
                 "This window could not reach the page that opened it. Close it, go back to the Space and sign in again."],
    cut: ["Sign-in could not return to the Space",
          "Hugging Face's pages cut this window off from the Space that opened it. Open the Space in this window " +
          "to sign in here, or close it and sign in again from the Space."],
    stray: ["Nothing to finish here", "This page finishes a sign-in started from the Space."]
  };

  function whenParsed(fn) {
    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", fn);
    else fn();
  }

  function say(which) {
    whenParsed(function () {
      document.getElementById("callback-title").textContent = texts[which][0];
      document.getElementById("callback-message").textContent = texts[which][1];
      document.getElementById("callback-spinner").hidden = true;
      document.getElementById("callback-actions").hidden = which === "done";
      document.getElementById("callback-open").hidden = which !== "cut" && which !== "stray";
    });
  }

  var done = false;
  function received(data) {
    if (done || !data || data.type !== RECEIVED || data.state !== message.state) return;
    done = true;
    say("done");
    window.close();
  }

  whenParsed(function () {
    document.getElementById("callback-close").addEventListener("click", function () { window.close(); });
  });
  // The answer goes at once, before the page's style or body: the opener is waiting.
  if (typeof message.state !== "string" || !message.state) {
    say("stray");
    return;
  }
  var opener = window.opener;
  if (opener) {
    addEventListener("message", function (event) {
      if (event.origin === location.origin && event.source === opener) received(event.data);
    });
    try { opener.postMessage(message, location.origin); } catch (e) { /* the opener went elsewhere */ }
  } else if (typeof BroadcastChannel === "function") {
    var channel = new BroadcastChannel(CHANNEL + message.state);
    channel.onmessage = function (event) { received(event.data); };
    channel.postMessage(message);
  }
  setTimeout(function () { if (!done) say(opener ? "unanswered" : "cut"); }, WAIT_MS);
})();
