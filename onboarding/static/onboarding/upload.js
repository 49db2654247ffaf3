/*
 * Document uploads with a progress bar. A form marked `data-upload` is sent with XMLHttpRequest so that a
 * <progress> element can follow large files; the server answers JSON: {ok, redirect} or {ok: false, html} with
 * the form re-rendered with its error messages. Without JavaScript the same form posts normally.
 */
(function () {
  "use strict";

  function bind(form) {
    if (!window.FormData || !window.XMLHttpRequest) {
      return;
    }
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var box = form.querySelector(".upload-progress");
      var bar = box ? box.querySelector("progress") : null;
      var label = box ? box.querySelector(".upload-progress-label") : null;
      var button = form.querySelector("button[type=submit]");
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.getAttribute("action") || window.location.href);
      xhr.setRequestHeader("X-Requested-With", "XMLHttpRequest");
      xhr.setRequestHeader("Accept", "application/json");
      if (box) {
        box.classList.add("is-active");
      }
      if (button) {
        button.disabled = true;
      }
      xhr.upload.addEventListener("progress", function (e) {
        if (!bar || !e.lengthComputable) {
          return;
        }
        bar.max = e.total;
        bar.value = e.loaded;
        if (label) {
          label.textContent = Math.round((e.loaded / e.total) * 100) + "%";
        }
      });
      xhr.addEventListener("load", function () {
        var answer = null;
        try {
          answer = JSON.parse(xhr.responseText);
        } catch (err) {
          answer = null;
        }
        if (answer && answer.ok && answer.redirect) {
          var target = new URL(answer.redirect, window.location.href);
          if (target.pathname === window.location.pathname && target.search === window.location.search) {
            // only the fragment differs: assigning it would not load the page again, so reload explicitly
            window.location.hash = target.hash;
            window.location.reload();
          } else {
            window.location.assign(target.href);
          }
          return;
        }
        if (answer && answer.html) {
          var holder = document.createElement("div");
          holder.innerHTML = answer.html;
          var fresh = holder.querySelector("form[data-upload]");
          if (fresh) {
            form.replaceWith(fresh);
            bind(fresh);
            var firstError = fresh.querySelector(".errorlist");
            if (firstError) {
              firstError.scrollIntoView({block: "center"});
            }
            return;
          }
        }
        // anything unexpected (a proxy's error page, a lost session): fall back to an ordinary post
        form.submit();
      });
      xhr.addEventListener("error", function () {
        if (button) {
          button.disabled = false;
        }
        if (box) {
          box.classList.remove("is-active");
        }
        if (label) {
          label.textContent = form.getAttribute("data-upload-failed") || "";
          box.classList.add("is-active");
        }
      });
      xhr.send(new FormData(form));
    });
  }

  document.querySelectorAll("form[data-upload]").forEach(bind);
})();
