// Inspection page: keep the progress count and the item's colour in step with the choices.
(function () {
  var form = document.getElementById("inspection-form");
  if (!form) return;
  var items = form.querySelectorAll(".inspection-item");
  function refresh() {
    var done = 0;
    items.forEach(function (card) {
      var checked = card.querySelector("input.btn-check:checked");
      card.classList.remove("result-pass", "result-fail", "result-na", "result-none");
      card.classList.add("result-" + (checked ? checked.value : "none"));
      if (checked) done += 1;
    });
    var counter = document.getElementById("done-count");
    if (counter) counter.textContent = done;
  }
  form.addEventListener("change", refresh);
  var allPass = document.getElementById("all-pass");
  if (allPass) {
    allPass.addEventListener("click", function () {
      items.forEach(function (card) {
        if (!card.querySelector("input.btn-check:checked")) {
          var pass = card.querySelector("input.btn-check[value=pass]");
          if (pass) pass.checked = true;
        }
      });
      refresh();
    });
  }
  refresh();
})();
