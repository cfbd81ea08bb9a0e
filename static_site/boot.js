// Everything that happens before Python runs, in the order it happens. It never
// reads a token.
//   1. The state at once: a returning sign-in says "Completing sign-in…" instead of
//      flashing the sign-in button.
//   2. Where the page runs. Inside a frame (the Space page on huggingface.co embeds
//      this app from another site) with working storage, and with the provider's own
//      page as the parent and the top of the tab (no other site around it), sign-in
//      happens in the frame (as Gradio's does); elsewhere in a frame the sign-in
//      control becomes a link that opens this Space top-level in a new tab. With
//      third-party storage blocked the browser refuses IndexedDB (and Firefox
//      BroadcastChannel), which PyScript opens as it loads: there, and only there,
//      small in-memory stand-ins take their place so Python starts all the same.
//   3. The interpreter: pyodide-loader.mjs is imported at once, so Pyodide (from
//      the build's snapshot when it verifies) loads while the rest of the page does.
//   4. PyScript, once the document is parsed: it reads its config from
//      <script type="py" config> when its module runs, so it is only added when
//      that element exists, however slowly the page arrives.
//   5. The watchdog: a boot error, or no progress for BOOT_SILENCE_MS, shows a
//      banner with a Reload button; a boot that recovers later removes it.
//   6. The loader under the sign-in button: what the boot waits for, in words and as a
//      progressbar (the bytes downloaded, then PyScript's last steps), shown only
//      once loading has taken a second.
// Of html[data-auth] it writes only the states that exist before Python runs: the
// return from the provider ("completing"), a blocked frame ("signed-out") and a boot
// failure ("error", undone on recovery). Every other state is written by Python, through
// the state table in py/space_app/states.py (docs/space.md, "Page states").
(function () {
  "use strict";
  var root = document.documentElement;

  // Codes of failures before Python runs; the Python app's codes live in space_app/text.py.
  var BOOT_ERRORS = {
    python_failed: {
      title: "Python could not start",
      message: "Something stopped Python from loading in this page. Reloading usually fixes it.",
      callback: "Something stopped Python from loading in this page. Your sign-in is not lost: " +
                "reload to finish it."
    }
  };
  // The longest a healthy boot goes without a sign of progress. Progress is every file
  // loaded, every step PyScript reports and every chunk the loader downloads; the longest
  // silent step is Pyodide fetching its plain 9.6 MB wasm itself (only where the link was
  // judged fast, or from the cache), Python's start on a slow machine without the snapshot
  // (3-6 s on 2 cores under load) or compiling the wasm there (2-5 s).
  var BOOT_SILENCE_MS = 30000;

  // -- 1. the state at once ------------------------------------------------------------
  // A return from the provider, as hfsignin's has_callback() sees it: these names in the query or fragment.
  var CALLBACK_PARAMS = ["code", "state", "error"];
  var query = new URLSearchParams(location.search), fragment = new URLSearchParams(location.hash.slice(1));
  var callback = CALLBACK_PARAMS.some(function (name) { return query.has(name) || fragment.has(name); });
  // Only an answer with a code has a sign-in to complete: a refusal (error= alone) shows no spinner.
  var completing = query.has("code") || fragment.has("code");
  var storage = true;
  try {
    sessionStorage.setItem("hfsignin:probe", "1");
    sessionStorage.removeItem("hfsignin:probe");
  } catch (e) { storage = false; }
  // The busy view's words for these two, as py/space_app/states.py has them (a unit test compares).
  var BUSY = { completing: "Completing sign-in…", restoring: "Restoring your session…" };
  var busy = null;
  if (completing) {
    root.dataset.auth = "completing";
    busy = BUSY.completing;
  } else if (storage && sessionStorage.getItem("hfsignin:session") !== null) {
    root.dataset.boot = "restoring";
    busy = BUSY.restoring;
  }

  function whenParsed(fn) {
    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", fn);
    else fn();
  }
  // -- 2. where the page runs ----------------------------------------------------------
  var framed;
  try { framed = window.top !== window.self; } catch (e) { framed = true; }
  var IN_FRAME = "hfsignin:in-frame"; // "started" by hfsignin (navigation.py) before it takes the frame to the provider
  // The provider when the page names none: hfsignin's default (config.DEFAULT_PROVIDER; a unit test compares).
  var DEFAULT_PROVIDER = "https://huggingface.co";

  // The provider's origin as hfsignin chooses the provider: the page's OPENID_PROVIDER_URL when
  // it has a non-blank one, else the default.
  function providerOrigin() {
    var url = null;
    try { url = window.huggingface.variables.OPENID_PROVIDER_URL; } catch (e) { /* no variables */ }
    if (typeof url !== "string" || !url.trim()) url = DEFAULT_PROVIDER;
    try { return new URL(url.trim()).origin; } catch (e) { return null; }
  }

  // Words Python writes once it runs, written as soon as the parser has passed their element
  // (before the first paint), so they never change in view (a layout shift): the busy view's, and
  // the footer's provider, in py/space_app/text.py provider_note's words (tests/e2e/test_page_layout.py
  // compares them at first paint and when ready).
  function providerNote() {
    var url = null;
    try { url = window.huggingface.variables.OPENID_PROVIDER_URL; } catch (e) { /* no variables */ }
    if (typeof url !== "string" || !url.trim()) url = DEFAULT_PROVIDER;
    url = url.trim().replace(/\/+$/, "");
    var host = url.indexOf("://") >= 0 ? url.slice(url.indexOf("://") + 3) : url;
    var local = host.indexOf("localhost") === 0 || host.indexOf("127.0.0.1") === 0;
    return "Signs in with " + host + (local ? " (devhub, a local stand-in)" : "");
  }
  var early = { "provider-note": providerNote() };
  if (busy) early["busy-text"] = busy; // the demo's page; a starter page has neither element
  function passed(el) { // the parser has gone past it: its text is complete
    for (var n = el; n; n = n.parentNode) if (n.nextSibling) return true;
    return false;
  }
  function writeEarly(done) {
    Object.keys(early).forEach(function (id) {
      var el = document.getElementById(id);
      if (el && (done || passed(el))) { el.textContent = early[id]; delete early[id]; }
    });
    if (done || !Object.keys(early).length) earlyWatch.disconnect();
  }
  var earlyWatch = new MutationObserver(function () { writeEarly(false); });
  earlyWatch.observe(document, { childList: true, subtree: true });
  whenParsed(function () { writeEarly(true); });

  // Whether the app signs in through a window rather than by leaving the page: the page says it
  // can (<html data-sign-in="popup">, the demo's index.html) and the Space variable
  // HFSIGNIN_SIGN_IN does not ask for the redirect (py/space_app/main.py reads it the same way).
  function popupSignIn() {
    if (root.dataset.signIn !== "popup") return false;
    try { return window.huggingface.variables.HFSIGNIN_SIGN_IN !== "redirect"; } catch (e) { return true; }
  }

  // Whether the provider's own page frames this one and nothing frames that page: one level of
  // framing (the parent is the top), and every ancestor's origin the provider's. The origins come
  // from location.ancestorOrigins (set by the browser, whatever the parents' referrer policy:
  // Chromium, WebKit, Firefox ESR 153); a browser without it (older Firefox) has only
  // document.referrer's origin for the parent's (its origin at least under the default
  // strict-origin-when-cross-origin policy; empty if it sends none). Any site can frame the
  // provider's Space page, and a page around it is not the provider.
  function framedByProvider(provider) {
    var oneLevel;
    try { oneLevel = window.parent === window.top; } catch (e) { oneLevel = false; }
    if (!provider || !oneLevel) return false;
    var ancestors = location.ancestorOrigins;
    if (ancestors) {
      if (!ancestors.length) return false;
      for (var i = 0; i < ancestors.length; i++) {
        if (ancestors[i] !== provider) return false;
      }
      return true;
    }
    try { return new URL(document.referrer).origin === provider; } catch (e) { return false; }
  }

  // Sign in inside the frame only when the provider's own page frames it (its sign-in and
  // consent pages may be framed there) and an earlier attempt in this tab did not stall: a
  // provider page that refuses the frame leaves it on an error page, and the visitor's reload
  // brings the app back with the attempt unfinished.
  function signInInFrame() {
    var attempt = sessionStorage.getItem(IN_FRAME);
    if (callback) sessionStorage.removeItem(IN_FRAME);
    else if (attempt === "started") sessionStorage.setItem(IN_FRAME, "refused");
    return framedByProvider(providerOrigin()) && sessionStorage.getItem(IN_FRAME) !== "refused";
  }

  function newTabSignIn(why) {
    var again = root.dataset.signIn === "new-tab";
    root.dataset.signIn = "new-tab"; // hfsignin's app reads it: the sign-in control is this link
    whenParsed(function () {
      if (again) {
        document.getElementById("embed-note").textContent = why;
        return;
      }
      var button = document.querySelector('[data-action="sign-in"]');
      var link = document.createElement("a");
      link.className = button.className;
      link.dataset.action = "sign-in";
      // The "private repositories" choice made here travels with the link (?sign-in=private).
      var base = location.origin + location.pathname + "?sign-in";
      var wantPrivate = document.getElementById("want-private");
      var follow = function () { link.href = base + (wantPrivate && wantPrivate.checked ? "=private" : ""); };
      follow();
      if (wantPrivate) wantPrivate.addEventListener("change", follow);
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
        follow();
        note.textContent = "Sign-in continues in the new tab, and your profile will be there: " +
          "this embedded copy cannot share your session.";
      });
    });
  }

  // Storage refused in a frame. On the provider's own Space page, sign-in stays here: the button
  // opens a sign-in window whose answer comes back to this frame (hfsignin.popup, through
  // window.opener), and the session lives in this page's memory only. Framed by any other site,
  // sign-in moves to a tab of its own, as for any frame there.
  function blocked() {
    if (root.dataset.embed === "blocked") return;
    root.dataset.embed = "blocked";
    if (popupSignIn() && framedByProvider(providerOrigin())) {
      whenParsed(function () {
        var note = document.getElementById("embed-note");
        note.textContent = "Your browser blocks storage for apps embedded in another site: sign-in opens a " +
          "small window, and this page forgets your sign-in when it is reloaded.";
        note.hidden = false;
      });
      return;
    }
    root.dataset.auth = "signed-out";
    delete root.dataset.boot;
    newTabSignIn("Your browser blocks storage for apps embedded in another site, so sign-in happens in a tab of its own.");
  }

  // What PyScript 0.7.31 needs of the browser's storage as its module loads, and that a frame
  // with third-party storage blocked is refused (docs/space.md, "Storage in a blocked frame"):
  // IndexedDB, for its IDBMaps (a cache of package lock files, and @pyscript.fs's folder
  // handles: this Space uses neither), and, in Firefox, BroadcastChannel (coincident's
  // stand-in for SharedArrayBuffer, for workers: this Space has none). Refused, either one
  // stops PyScript before Python runs. Where, and only where, the browser refuses one, a
  // stand-in that lives as long as the page takes its place, as a global of this window.
  function standIn(name, value) {
    Object.defineProperty(window, name, { value: value, configurable: true, writable: true });
  }

  // The part of IndexedDB that PyScript's IDBMap calls: open a database, one object store
  // in it, and count/get/getKey/getAllKeys/put/delete/clear, answered as requests are (the
  // caller sets onsuccess after the call). Nothing is kept beyond the page.
  function memoryIndexedDB() {
    var databases = new Map();
    function answer(result) {
      var request = { result: result };
      Promise.resolve().then(function () {
        if (request.onsuccess) request.onsuccess({ type: "success", target: request });
      });
      return request;
    }
    function objectStore(entries) {
      return {
        count: function () { return answer(entries.size); },
        get: function (key) { return answer(entries.get(key)); },
        getKey: function (key) { return answer(entries.has(key) ? key : undefined); },
        getAllKeys: function () { return answer(Array.from(entries.keys())); },
        put: function (value, key) { entries.set(key, value); return answer(key); },
        delete: function (key) { entries.delete(key); return answer(undefined); },
        clear: function () { entries.clear(); return answer(undefined); }
      };
    }
    return {
      open: function (name) {
        if (!databases.has(name)) databases.set(name, new Map());
        var stores = databases.get(name);
        return answer({
          transaction: function () {
            return {
              objectStore: function (store) {
                if (!stores.has(store)) stores.set(store, new Map());
                return objectStore(stores.get(store));
              }
            };
          },
          close: function () {}
        });
      }
    };
  }

  // A channel that reaches no one: in a frame whose storage is blocked, no other page of
  // this origin could hear it anyway.
  function LoneChannel(name) {
    var channel = new EventTarget();
    channel.name = String(name);
    channel.onmessage = channel.onmessageerror = null;
    channel.postMessage = channel.close = function () {};
    return channel;
  }

  function channelRefused() {
    try { new BroadcastChannel("hfsignin-probe").close(); return false; } catch (e) { return true; }
  }

  // -- a click before Python is ready ---------------------------------------------------
  // The button works from the first paint, and a click before Python runs is kept. Where the
  // page signs in through a window, the window opens now, inside the click (a browser lets a
  // page open one only then), as a placeholder that Python points at the provider once it is
  // ready; with the window refused, or in a page that signs in by leaving, the page leaves for
  // the provider once Python is ready. Python takes the click over when it first shows the
  // sign-in button (py/space_app/main.py, take_early_click): until then this listener, first
  // on the button, keeps Python's own handler from seeing a click it cannot serve yet.
  var POPUP_WIDTH = 520, POPUP_HEIGHT = 720; // as hfsignin.popup.BrowserPopups
  var clicked = null; // the click kept (the early words above are another thing)
  function earlyClick(event) {
    if (root.dataset.auth !== "loading" || root.dataset.boot) return; // Python's, or not shown
    event.preventDefault();
    event.stopImmediatePropagation();
    if (clicked) { // a second click: the same attempt
      try { if (clicked.window && !clicked.window.closed) clicked.window.focus(); } catch (e) { /* gone */ }
      return;
    }
    var opened = null;
    if (popupSignIn()) {
      var left = Math.round(screenX + Math.max(0, (outerWidth - POPUP_WIDTH) / 2));
      var top = Math.round(screenY + Math.max(0, (outerHeight - POPUP_HEIGHT) / 3));
      opened = window.open("", "_blank", "popup,width=" + POPUP_WIDTH + ",height=" + POPUP_HEIGHT +
                           ",left=" + left + ",top=" + top);
      try {
        opened.document.title = "Sign in with Hugging Face";
        opened.document.body.textContent = "Opening Hugging Face…";
      } catch (e) { /* refused (null), or not ours to write: nothing lost */ }
    }
    clicked = window.hfsigninEarlyClick = { window: opened || null };
    var button = event.currentTarget;
    button.setAttribute("aria-busy", "true");
    root.dataset.earlyClick = opened ? "window" : "leave";
    var words = opened
      ? "Python is still starting: the sign-in window goes on as soon as it is ready…"
      : "Python is still starting: you go to Hugging Face as soon as it is ready…";
    var label = document.getElementById("boot-label");
    if (label) {
      label.textContent = words;
      label.removeAttribute("aria-hidden"); // no longer the progressbar's words: its own sentence
    }
    showLoader(); // however early the click, the sentence is seen
    // Said once, politely: the progressbar's changing words are never put in a live region.
    var announcer = document.getElementById("announcer");
    if (announcer) announcer.textContent = words;
  }
  function signInButton(works) { // off while Python cannot start; Python sets it once it runs
    var button = document.querySelector('[data-action="sign-in"]');
    if (button && button.tagName === "BUTTON") button.disabled = !works;
  }
  function abandonEarlyClick() { // Python could not start: the placeholder would wait forever
    if (!clicked) return;
    try { if (clicked.window) clicked.window.close(); } catch (e) { /* gone */ }
    clicked = window.hfsigninEarlyClick = null;
    delete root.dataset.earlyClick;
  }
  whenParsed(function () {
    var button = document.querySelector('[data-action="sign-in"]');
    // Only a page whose app takes the click over says so (the demo's button); another page
    // using this file (the starter's) keeps its own button as it is.
    if (button && button.tagName === "BUTTON" && button.hasAttribute("data-keeps-early-click")) {
      button.addEventListener("click", earlyClick);
    }
  });

  // -- 3, 4. the interpreter, then PyScript ---------------------------------------------
  function startPython() {
    var core = document.querySelector('link[rel="modulepreload"][data-pyscript]');
    import(new URL(core.dataset.interpreter, location.href).href).catch(function () {
      failed(); // PyScript imports the same module and would only hang
    });
    whenParsed(function () {
      var script = document.createElement("script");
      script.type = "module";
      script.src = core.href;
      script.onerror = failed;
      document.head.appendChild(script);
    });
    watch();
  }

  // -- 5. the watchdog -----------------------------------------------------------------
  var timer = null;
  var shown = false;
  var stateBefore = null;

  function ready() { return root.dataset.python === "ready"; }

  function banner() {
    return document.getElementById("banner");
  }

  function failed() {
    if (ready() || shown) return;
    shown = true;
    clearTimeout(timer);
    dispatchEvent(new Event("hfsignin:boot-failed"));
    whenParsed(function () {
      var el = banner();
      var text = BOOT_ERRORS.python_failed;
      el.dataset.error = "python_failed";
      document.getElementById("banner-title").textContent = text.title;
      document.getElementById("banner-message").textContent = callback ? text.callback : text.message;
      document.getElementById("banner-retry").hidden = true;
      document.getElementById("banner-reload").hidden = false;
      el.hidden = false;
      stateBefore = root.dataset.auth;
      root.dataset.auth = "error";
      abandonEarlyClick();
      signInButton(false);
      document.getElementById("runtime-status").textContent = "Python could not start";
    });
  }

  function recovered() {
    clearTimeout(timer);
    if (!shown) return;
    shown = false;
    var el = banner();
    if (el.dataset.error === "python_failed") {
      el.hidden = true;
      el.removeAttribute("data-error");
      document.getElementById("banner-reload").hidden = true;
    }
    if (root.dataset.auth === "error" && stateBefore) root.dataset.auth = stateBefore;
    signInButton(true);
  }

  function progressed() {
    if (ready()) return;
    clearTimeout(timer);
    timer = setTimeout(silent, BOOT_SILENCE_MS);
  }

  function silent() {
    if (document.readyState === "loading") progressed(); // the page itself is still arriving
    else failed();
  }

  function watch() {
    var files = window.PerformanceObserver ? new PerformanceObserver(progressed) : null;
    var dom = new MutationObserver(function () {
      if (ready()) {
        files && files.disconnect();
        dom.disconnect();
        loaderReady();
        recovered();
      } else if (document.querySelector(".py-error")) {
        failed(); // PyScript's own error box
      }
    });
    function onViolation(event) {
      // PyScript asked for its CDN interpreter, or another script file the page's policy forbids.
      // Not an inline script: that is Hugging Face's injected variables when our policy blocks
      // them, which the library reads as data instead. Nor a blob: script: pyodide-loader.mjs
      // imports Pyodide's module from one, and boots from the plain files where a policy refuses it.
      if (ready() || event.blockedURI === "inline" || event.blockedURI === "blob") return;
      if (/^script-src/.test(event.effectiveDirective || event.violatedDirective || "")) failed();
    }
    progressed();
    addEventListener("py:progress", progressed);
    addEventListener("hfsignin:boot", progressed);
    addEventListener("hfsignin:download", progressed); // from pyodide-loader.mjs: bytes arriving
    try { files && files.observe({ type: "resource" }); } catch (e) { /* the other signals remain */ }
    dom.observe(root, { attributes: true, attributeFilter: ["data-python"], childList: true, subtree: true });
    document.addEventListener("securitypolicyviolation", onViolation);
    addEventListener("hfsignin:boot-failed", failed); // from pyodide-loader.mjs
    whenParsed(function () {
      document.getElementById("banner-reload").addEventListener("click", function () { location.reload(); });
    });
  }

  // -- 6. the loader ----------------------------------------------------------------------
  // Under the sign-in button while Python loads: what the boot waits for, as words in #boot-label
  // and as the progressbar #boot-progress (the native <progress>: role progressbar, its value in
  // percent; index.html gives it a name, this writes the same words into aria-valuetext, and no
  // live region repeats them). Two sources, and the bar never moves back:
  //   - the loader's bytes (pyodide-loader.mjs, "hfsignin:download" {received, expected}: bytes on
  //     the wire for all the runtime files the boot downloads, expected known up front, a last
  //     event with received === expected) fill it up to BYTES_SHARE: "Downloading Python — 2.1 of
  //     4.9 MB", then, the download complete, "Starting Python…" (also once PyScript says the
  //     interpreter is loaded: every download is over then, whatever the loader said);
  //   - PyScript's steps after the interpreter (py:progress) fill the rest: "Loading the sign-in
  //     code…", "Almost ready…"; data-python="ready" completes it, and the loader is hidden.
  // Without any byte event (everything from the cache, or a loader that sends none) the steps
  // alone move it. Writes are throttled to one per WRITE_MS, so a bar moved by every network chunk
  // is written at most five times a second and at least once a second while bytes arrive; they are
  // made in the event itself when they may (timers can wait long while Pyodide starts on the main
  // thread), and the download complete is always written at once: Pyodide starts right after it,
  // and what the page says then is what it shows while Python starts.
  // It shows only once loading has taken REVEAL_MS (html[data-loader="shown"]; app.css keeps its
  // space until then): a boot from the cache is often quicker, and would only flash it.
  var REVEAL_MS = 1000, WRITE_MS = 200, BYTES_SHARE = 85;
  var STEPS = ["Loading Pyodide", "Loading Storage", "Loaded Storage", "Loading interpreter",
               "Loaded interpreter", "Loading files", "Loaded files", "Loaded Pyodide"];
  // Where each step puts the bar, in percent: those before the interpreter barely move it (the
  // bytes do, meanwhile), those after it fill what the bytes leave.
  var STEP_AT = [1, 2, 3, 4, BYTES_SHARE, 88, 94, 97];
  var LOADED_INTERPRETER = STEPS.indexOf("Loaded interpreter"), LOADING_FILES = STEPS.indexOf("Loading files"),
      LOADED_PYODIDE = STEPS.indexOf("Loaded Pyodide");
  var loader = { step: -1, received: 0, expected: 0, ready: false, value: 0,
                 timer: null, lastWrite: -Infinity };

  function now() { return window.performance ? performance.now() : Date.now(); }

  function megabytes(bytes) { return (Math.floor(bytes / 1e5) / 10).toFixed(1); }

  function downloading() {
    return loader.received < loader.expected && loader.step < LOADED_INTERPRETER;
  }

  function loaderWords() {
    if (loader.ready) return "Python is ready";
    if (loader.step >= LOADED_PYODIDE) return "Almost ready…";
    if (loader.step >= LOADING_FILES) return "Loading the sign-in code…";
    if (downloading()) {
      return "Downloading Python — " + megabytes(loader.received) + " of " + megabytes(Math.max(loader.expected, 1e5)) + " MB";
    }
    return "Starting Python…";
  }

  function loaderValue() {
    if (loader.ready) return 100;
    var value = loader.step >= 0 ? STEP_AT[loader.step] : 0;
    if (loader.expected > 0) value = Math.max(value, BYTES_SHARE * Math.min(1, loader.received / loader.expected));
    return Math.max(loader.value, value);
  }

  function writeLoader() {
    clearTimeout(loader.timer);
    loader.timer = null;
    var bar = document.getElementById("boot-progress");
    if (!bar) return; // not parsed yet (written once it is), or a page without the loader
    loader.lastWrite = now();
    loader.value = loaderValue();
    var words = loaderWords();
    bar.value = Math.round(loader.value * 10) / 10;
    bar.setAttribute("aria-valuetext", words);
    var label = document.getElementById("boot-label");
    if (label && !clicked) label.textContent = words; // an early click's sentence wins
  }

  function drawLoader() { // now if the last write is WRITE_MS old, else once it is
    var wait = loader.lastWrite + WRITE_MS - now();
    if (wait <= 0) writeLoader();
    else if (loader.timer === null) loader.timer = setTimeout(writeLoader, wait);
  }

  function showLoader() {
    if (!ready()) root.dataset.loader = "shown";
  }

  function loaderReady() {
    if (loader.ready) return;
    loader.ready = true;
    writeLoader();
  }

  addEventListener("hfsignin:download", function (event) {
    var detail = event.detail || {};
    var received = Number(detail.received), expected = Number(detail.expected);
    if (loader.ready || !(expected > 0) || !(received >= 0)) return;
    var complete = loader.received < loader.expected && received >= expected;
    loader.expected = expected;
    loader.received = Math.max(loader.received, received);
    if (complete) writeLoader(); // at once: "Starting Python…"
    else drawLoader();
  });
  addEventListener("py:progress", function (event) {
    var at = STEPS.indexOf(String(event.detail || ""));
    if (at > loader.step) {
      loader.step = at;
      drawLoader();
    }
  });
  (function showWhenDue() { // after REVEAL_MS of loading, which began with the navigation (timers may fire early)
    var wait = REVEAL_MS - now();
    if (wait > 0) setTimeout(showWhenDue, wait + 1);
    else showLoader();
  })();
  whenParsed(drawLoader); // what arrived before the loader was parsed

  if (framed && storage) {
    var refusedBefore = sessionStorage.getItem(IN_FRAME) === "started" && !callback;
    if (signInInFrame()) {
      root.dataset.embed = "space";
      // Back from the provider (or never left): the Space page may stop letting the frame scroll.
      // hfsignin's navigator posts {enabled: true} before it takes the frame to the provider.
      try { parent.postMessage({ type: "SET_SCROLLING", enabled: false }, providerOrigin()); } catch (e) { /* no parent */ }
    } else {
      root.dataset.embed = "framed";
      newTabSignIn(refusedBefore
        ? "Hugging Face's sign-in page could not be shown inside this page, so sign-in happens in a tab of its own."
        : "This page cannot tell that it is shown on Hugging Face, so sign-in happens in a tab of its own.");
    }
  } else if (framed) {
    root.dataset.embed = "framed";
  }
  if (!storage) blocked();
  // Top-level with working sessionStorage, IndexedDB works too: start at once. In a frame,
  // or with storage refused, check first, and stand in for what the browser refuses.
  if (!framed && storage) {
    startPython();
    return;
  }
  var settled = false;
  function settle(ok) {
    if (settled) return;
    settled = true;
    if (!ok) {
      blocked();
      standIn("indexedDB", memoryIndexedDB());
    }
    if (channelRefused()) standIn("BroadcastChannel", LoneChannel);
    startPython();
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
