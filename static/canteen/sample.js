// Show the photo just taken so the cook sees it before saving.
(function () {
  "use strict";
  var input = document.getElementById("id_photo");
  if (!input) { return; }
  var preview = document.querySelector("[data-photo-preview]");
  var label = document.querySelector("[data-photo-label]");
  input.addEventListener("change", function () {
    var file = input.files && input.files[0];
    if (!file) { return; }
    if (label) { label.textContent = "✓ " + (label.dataset.done || file.name); }
    if (preview && window.URL) {
      preview.src = URL.createObjectURL(file);
      preview.classList.remove("d-none");
    }
  });
})();
