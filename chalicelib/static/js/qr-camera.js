/* Camera QR reading with the vendored jsQR (no CDN): start(video, onText) -> Promise of a stop() function. */
(function (global) {
  'use strict';
  function start(video, onText) {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      return Promise.reject(new Error('no_camera'));
    }
    var canvas = document.createElement('canvas');
    var ctx = canvas.getContext('2d', {willReadFrequently: true});
    var stopped = false, timer = null, stream = null;
    function stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      if (stream) stream.getTracks().forEach(function (t) { t.stop(); });
      video.srcObject = null;
    }
    function tick() {
      if (stopped) return;
      if (video.readyState >= 2 && video.videoWidth) {
        // Decode a scaled frame: 640 px wide is plenty for a voucher QR and keeps phones cool.
        var scale = Math.min(1, 640 / video.videoWidth);
        canvas.width = Math.round(video.videoWidth * scale);
        canvas.height = Math.round(video.videoHeight * scale);
        ctx.drawImage(video, 0, 0, canvas.width, canvas.height);
        var image = ctx.getImageData(0, 0, canvas.width, canvas.height);
        var found = global.jsQR(image.data, image.width, image.height, {inversionAttempts: 'attemptBoth'});
        if (found && found.data) {
          stop();
          onText(found.data);
          return;
        }
      }
      timer = setTimeout(tick, 120);
    }
    return navigator.mediaDevices.getUserMedia({video: {facingMode: 'environment'}, audio: false})
      .then(function (s) {
        stream = s;
        video.srcObject = s;
        video.setAttribute('playsinline', '');
        video.muted = true;
        return video.play().catch(function () { /* autoplay policies: frames still arrive */ });
      })
      .then(function () { tick(); return stop; });
  }
  global.QrCamera = {start: start};
})(window);
