// Runs before PyScript: shows the right state at once (a returning sign-in
// says "Completing sign-in…" instead of flashing the sign-in button) and turns
// PyScript's progress events into a progress bar. It never reads a token.
(function () {
  "use strict";
  var root = document.documentElement;
  var params = new URLSearchParams(location.search);
  if (params.has("code") || params.has("error")) {
    root.dataset.auth = "completing";
  } else {
    try {
      if (sessionStorage.getItem("hfsignin:session") !== null) root.dataset.boot = "restoring";
    } catch (e) {
      root.dataset.storage = "blocked";
    }
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
})();
