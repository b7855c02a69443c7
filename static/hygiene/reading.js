// Meter reading form: show the replacement fields only when "本月换表" is ticked.
(function () {
  var box = document.querySelector("input[name=is_replacement]");
  var fields = document.querySelector(".replacement-fields");
  if (!box || !fields) return;
  function sync() { fields.hidden = !box.checked; }
  box.addEventListener("change", sync);
  sync();
})();
