// The approval form: the deposit follows the chosen grade's default until the lead types a deposit.
// The defaults come from the server on the grade select (data-default-deposits, a JSON object).
(function () {
  "use strict";

  function wire(grade) {
    var form = grade.form;
    var deposit = form && form.querySelector("[data-deposit-follows-grade]");
    var defaults;
    if (!deposit) {
      return;
    }
    try {
      defaults = JSON.parse(grade.getAttribute("data-default-deposits") || "{}");
    } catch (error) {
      return;
    }
    // edited by hand once it differs from what the grade proposed
    var edited = deposit.value !== "" && defaults[grade.value] !== undefined &&
      Number(deposit.value) !== Number(defaults[grade.value]);
    deposit.addEventListener("input", function () {
      edited = true;
    });
    grade.addEventListener("change", function () {
      if (!edited && defaults[grade.value] !== undefined) {
        deposit.value = defaults[grade.value];
      }
    });
  }

  function init() {
    document.querySelectorAll("select[data-default-deposits]").forEach(wire);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
