/* The bulk PDF download page: ask the JSON endpoint how far the zip is, every second, until it is ready
   or has failed, and show the progress, the download link and the contracts without a PDF. */
(function () {
  "use strict";

  function start(box) {
    var url = box.getAttribute("data-export-status-url");
    var label = box.querySelector("[data-export-label]");
    var bar = box.querySelector("[data-export-bar]");
    var progress = box.querySelector("[data-export-progress]");
    var download = box.querySelector("[data-export-download]");
    var link = box.querySelector("[data-export-link]");
    var missing = box.querySelector("[data-export-missing]");
    var missingList = box.querySelector("[data-export-missing-list]");
    var delay = 1000;

    function show(state) {
      box.setAttribute("data-export-status", state.status);
      label.textContent = state.label;
      bar.max = Math.max(state.total, 1);
      bar.value = state.done;
      bar.textContent = state.percent + "%";
      progress.textContent = state.progress;
      if (state.download_url) {
        link.href = state.download_url;
        download.hidden = false;
      }
      if (state.missing && state.missing.length) {
        missingList.textContent = "";
        state.missing.forEach(function (number) {
          var item = document.createElement("li");
          item.textContent = number;
          missingList.appendChild(item);
        });
        missing.hidden = false;
      }
    }

    function poll() {
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          if (!response.ok) { throw new Error(response.status); }
          return response.json();
        })
        .then(function (state) {
          show(state);
          if (!state.finished) { window.setTimeout(poll, delay); }
        })
        .catch(function () {
          // a network hiccup: try again, a little later each time
          delay = Math.min(delay * 2, 10000);
          window.setTimeout(poll, delay);
        });
    }

    var status = box.getAttribute("data-export-status");
    if (status !== "done" && status !== "failed" && status !== "expired") { poll(); }
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-export-status-url]").forEach(start);
  });
})();
