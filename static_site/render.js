// Fills many repository rows in one call from Python (one FFI crossing per page of
// results, not one per cell). Python decides every string and URL; this only
// clones the <template> and places them with textContent and plain attributes.
// Big pages go in slices, each its own task, so no task blocks the page for long.
(function () {
  "use strict";
  var SLICE = 500;

  function fill(container, rows, from, to) {
    var template = document.getElementById("tpl-repo").content.firstElementChild;
    var fragment = document.createDocumentFragment();
    for (var i = from; i < to; i++) {
      var r = rows[i];
      var li = template.cloneNode(true);
      li.dataset.repo = r.id;
      li.dataset.private = r.private ? "true" : "false";
      var link = li.querySelector(".repo-id");
      link.href = r.href;
      link.textContent = r.id;
      li.querySelector(".likes").textContent = r.likes;
      var downloads = li.querySelector(".downloads");
      if (r.downloads === null) downloads.hidden = true; else downloads.textContent = r.downloads;
      var sdk = li.querySelector(".sdk");
      if (r.sdk === null) sdk.hidden = true; else sdk.textContent = r.sdk;
      var when = li.querySelector(".modified");
      if (r.modified !== null) {
        when.dateTime = r.iso;
        when.title = r.title;
        when.textContent = r.modified;
      }
      li.querySelector(".tag.private").hidden = !r.private;
      li.querySelector(".tag.gated").hidden = !r.gated;
      li.querySelector(".badges").hidden = !r.private && !r.gated; // no empty box beside the name
      fragment.appendChild(li);
    }
    container.appendChild(fragment);
  }

  // The latest fill of each list: a fill still placing slices stops once a newer one began
  // (the rows were re-sorted or re-fetched meanwhile), so no stale row lands among the new.
  var latest = new WeakMap();

  window.hfsigninRender = Object.freeze({
    // rows: a JSON array of row objects; replace: they take the place of the rows shown (in the
    // same task as the first slice, so the list never flashes empty). Settles once every row is
    // in the page and a frame with them has been painted (or a newer fill took over).
    repoRows: function (container, json, replace) {
      var rows = JSON.parse(json);
      var token = {};
      latest.set(container, token);
      if (replace) {
        container.replaceChildren();
        container.classList.remove("many");
      }
      if (container.childElementCount + rows.length > 100) container.classList.add("many");
      return new Promise(function (resolve) {
        var at = 0;
        function slice() {
          if (latest.get(container) !== token) {
            resolve(at);
            return;
          }
          var end = Math.min(at + SLICE, rows.length);
          fill(container, rows, at, end);
          at = end;
          if (at < rows.length) {
            setTimeout(slice, 0);
          } else {
            requestAnimationFrame(function () {
              setTimeout(function () {
                performance.mark("hfsignin:rows-painted");
                resolve(rows.length);
              }, 0);
            });
          }
        }
        slice();
      });
    }
  });
})();
