/* Bank-transfer pages: "Copy" buttons beside our account details and the reference, and "Print". Without
   JavaScript the buttons stay hidden and the values can be selected by hand. */
(function () {
  "use strict";
  function ready(fn) {
    if (document.readyState !== "loading") { fn(); } else { document.addEventListener("DOMContentLoaded", fn); }
  }
  ready(function () {
    var canCopy = !!(navigator.clipboard && window.isSecureContext);
    document.querySelectorAll("[data-copy]").forEach(function (button) {
      var source = document.getElementById(button.getAttribute("data-copy"));
      if (!source || !canCopy) { return; }
      var label = button.textContent;
      button.hidden = false;
      button.addEventListener("click", function () {
        navigator.clipboard.writeText(source.textContent.trim()).then(function () {
          button.textContent = "✓";
          button.classList.add("is-copied");
          window.setTimeout(function () { button.textContent = label; button.classList.remove("is-copied"); }, 1500);
        });
      });
    });
    document.querySelectorAll("[data-print]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () { window.print(); });
    });
  });
})();
