// Purchase-request and reimbursement forms: add a row, and show the computed total while typing.
// The server computes the real total; this is only a preview.
(function () {
  "use strict";
  function fmt(n) {
    return n.toLocaleString("zh-CN", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  }
  function recalc(table) {
    var total = 0;
    table.querySelectorAll("tbody tr").forEach(function (row) {
      var qty = row.querySelector("input[name$='-quantity']");
      var price = row.querySelector("input[name$='-unit_price'], input[name$='-amount']");
      var del = row.querySelector("input[name$='-DELETE']");
      var cell = row.querySelector(".line-amount");
      var q = qty ? parseFloat(qty.value) : 1;
      var p = price ? parseFloat(price.value) : NaN;
      var amount = (!isNaN(q) && !isNaN(p) && !(del && del.checked)) ? q * p : 0;
      if (cell) { cell.textContent = amount ? fmt(amount) : "—"; }
      total += amount;
    });
    var out = document.getElementById(table.dataset.totalId || "lines-total");
    if (out) { out.textContent = fmt(total); }
  }
  document.querySelectorAll("table.lines-table").forEach(function (table) {
    var prefix = table.dataset.prefix || "lines";
    var addBtn = document.getElementById(table.dataset.addId || "add-line");
    var tpl = document.getElementById(table.dataset.templateId || "line-template");
    var totalForms = document.querySelector("input[name='" + prefix + "-TOTAL_FORMS']");
    table.addEventListener("input", function () { recalc(table); });
    table.addEventListener("change", function () { recalc(table); });
    if (addBtn && tpl && totalForms) {
      addBtn.addEventListener("click", function () {
        var index = parseInt(totalForms.value, 10);
        var html = tpl.innerHTML.replace(/__prefix__/g, String(index));
        table.querySelector("tbody").insertAdjacentHTML("beforeend", html);
        totalForms.value = String(index + 1);
        var first = table.querySelector("tbody tr:last-child input");
        if (first) { first.focus(); }
      });
    }
    recalc(table);
  });
})();
