// Runs before PyScript and decides whether it can run at all.
// - Shows the right state at once: a returning sign-in says "Completing sign-in…"
//   instead of flashing the sign-in button.
// - Inside a frame (the Space page on huggingface.co embeds this app from another
//   site) Hugging Face's sign-in page cannot be shown, so the sign-in control becomes
//   a link that opens this Space top-level in a new tab, where the whole flow runs.
// - When storage is blocked (third-party frames in Safari, Brave, incognito…)
//   PyScript would hang at boot, so it is not started at all.
// - Turns PyScript's progress events into a progress bar. It never reads a token.
(function () {
  "use strict";
  var root = document.documentElement;
  var framed;
  try { framed = window.top !== window.self; } catch (e) { framed = true; }
  var storage = true;
  try {
    sessionStorage.setItem("hfsignin:probe", "1");
    sessionStorage.removeItem("hfsignin:probe");
  } catch (e) { storage = false; }

  var params = new URLSearchParams(location.search);
  if (params.has("code") || params.has("error")) {
    root.dataset.auth = "completing";
  } else if (storage && sessionStorage.getItem("hfsignin:session") !== null) {
    root.dataset.boot = "restoring";
  }

  function whenReady(fn) {
    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", fn);
    else fn();
  }

  function newTabSignIn(why) {
    whenReady(function () {
      var button = document.querySelector('[data-action="sign-in"]');
      var link = document.createElement("a");
      link.className = button.className;
      link.dataset.action = "sign-in";
      link.href = location.origin + location.pathname + "?sign-in";
      link.target = "_blank";
      link.rel = "noopener";
      var mark = button.querySelector("img");
      if (mark) link.appendChild(mark.cloneNode(true));
      var label = document.createElement("span");
      label.textContent = "Open in a new tab to sign in";
      link.appendChild(label);
      button.replaceWith(link);
      var note = document.getElementById("embed-note");
      note.textContent = why;
      note.hidden = false;
      link.addEventListener("click", function () {
        root.dataset.embedSignIn = "opened";
        note.textContent = "Sign-in continues in the new tab, and your profile will be there: " +
          "this embedded copy cannot share your session.";
      });
    });
  }

  function blocked() {
    root.dataset.embed = "blocked";
    root.dataset.auth = "signed-out";
    delete root.dataset.boot;
    whenReady(function () {
      document.getElementById("runtime-status").textContent = "Python runs in the new tab";
    });
    newTabSignIn("Your browser blocks storage for apps embedded in another site, so sign-in happens in a tab of its own.");
  }

  function startPython() {
    var core = document.querySelector('link[rel="modulepreload"][data-pyscript]');
    var script = document.createElement("script");
    script.type = "module";
    script.src = core.href;
    document.head.appendChild(script);
    // The interpreter module PyScript will ask for (pyscript.toml): imported now, it
    // starts Pyodide while PyScript loads. A failure here is PyScript's to report
    // when it imports the same module.
    if (core.dataset.interpreter) import(new URL(core.dataset.interpreter, location.href).href).catch(function () {});
  }

  var steps = ["Loading Pyodide", "Loading Storage", "Loaded Storage", "Loading interpreter",
               "Loaded interpreter", "Loading files", "Loaded files", "Loaded Pyodide"];
  var words = {
    "Loading Pyodide": "Starting Python…",
    "Loading interpreter": "Loading the Python interpreter…",
    "Loaded interpreter": "Python loaded",
    "Loading files": "Loading the sign-in code…",
    "Loaded Pyodide": "Almost ready…"
  };
  window.addEventListener("py:progress", function (event) {
    var detail = String(event.detail || "");
    var at = steps.indexOf(detail);
    var bar = document.getElementById("boot-progress");
    if (!bar) return;
    if (at >= 0) bar.value = (at + 1) / (steps.length + 1);
    if (words[detail]) document.getElementById("boot-label").textContent = words[detail];
  });

  if (framed) {
    root.dataset.embed = "framed";
    if (storage) newTabSignIn("Hugging Face's sign-in page cannot be shown inside this frame, so sign-in happens in a tab of its own.");
  }
  if (!storage) {
    blocked();
    return;
  }
  // PyScript opens IndexedDB at boot and never starts without it. Top-level with
  // working sessionStorage, IndexedDB works too: start at once. In a frame, check first.
  if (!framed) {
    startPython();
    return;
  }
  var settled = false;
  function settle(ok) {
    if (settled) return;
    settled = true;
    if (ok) startPython(); else blocked();
  }
  try {
    var probe = indexedDB.open("hfsignin-probe");
    probe.onsuccess = function () { probe.result.close(); settle(true); };
    probe.onerror = function (event) { event.preventDefault(); settle(false); };
    probe.onblocked = function () { settle(false); };
    setTimeout(function () { settle(false); }, 5000);
  } catch (e) {
    settle(false);
  }
})();
