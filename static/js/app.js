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
  // Prevent double submission of forms (a slow tablet tapped twice).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.dataset.submitted === "1") { event.preventDefault(); return; }
    form.dataset.submitted = "1";
    setTimeout(function () { form.dataset.submitted = ""; }, 4000);
  });
})();
