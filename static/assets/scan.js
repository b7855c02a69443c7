// Stocktake scanning: a USB/Bluetooth scanner types the code and Enter into the focused field.
// Where the browser has the BarcodeDetector API, a camera button reads QR labels too.
(function () {
  var input = document.getElementById("scan-code");
  var form = document.getElementById("scan-form");
  if (!input || !form) return;
  input.focus();
  var btn = document.getElementById("camera-btn");
  if (!("BarcodeDetector" in window) || !navigator.mediaDevices) return;
  btn.classList.remove("d-none");
  btn.addEventListener("click", function () {
    var video = document.getElementById("scan-video");
    var detector = new window.BarcodeDetector({ formats: ["qr_code", "code_128"] });
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } }).then(function (stream) {
      video.srcObject = stream;
      video.classList.remove("d-none");
      video.play();
      var tick = function () {
        detector.detect(video).then(function (codes) {
          if (codes.length) {
            stream.getTracks().forEach(function (t) { t.stop(); });
            input.value = codes[0].rawValue;
            form.submit();
          } else {
            requestAnimationFrame(tick);
          }
        }).catch(function () { requestAnimationFrame(tick); });
      };
      tick();
    }).catch(function () { btn.disabled = true; });
  });
})();
