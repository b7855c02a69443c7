// Picking the person who hands over reloads the page with their assets listed below the form.
(function () {
  var select = document.getElementById("id_from_user");
  if (!select) return;
  select.addEventListener("change", function () {
    if (select.value) window.location.search = "?from_user=" + encodeURIComponent(select.value);
  });
})();
