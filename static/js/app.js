// Small helpers shared by every page. No framework: the pages are server-rendered.
(function () {
  "use strict";
  // Ask for confirmation on buttons marked data-confirm="...".
  document.addEventListener("click", function (event) {
    var el = event.target.closest("[data-confirm]");
    if (el && !window.confirm(el.getAttribute("data-confirm"))) {
      event.preventDefault();
    }
  });
  // A choice that decides other fields of its form row: data-then-set="result=rejected" sets the field
  // "result" of the same row (same formset prefix) and data-then-focus="reject_reason" moves there, so
  // a kitchen worker who marks a line 标签不全 lands on the refusal reason. The server checks anyway.
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (!el.checked || !el.form || !(el.dataset.thenSet || el.dataset.thenFocus)) { return; }
    var prefix = el.name.slice(0, el.name.lastIndexOf("-") + 1);
    (el.dataset.thenSet || "").split(",").forEach(function (pair) {
      var parts = pair.split("="), target = el.form.elements[prefix + parts[0]];
      if (target && parts.length === 2) { target.value = parts[1]; }
    });
    var next = el.dataset.thenFocus && el.form.elements[prefix + el.dataset.thenFocus];
    if (next && next.focus) { next.focus(); }
  });
  // Prevent double submission of forms (a slow tablet tapped twice).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.dataset.submitted === "1") { event.preventDefault(); return; }
    form.dataset.submitted = "1";
    setTimeout(function () { form.dataset.submitted = ""; }, 4000);
  });
})();
