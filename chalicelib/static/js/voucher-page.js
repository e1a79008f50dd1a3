/* Voucher page: the print button (inline handlers are avoided so a strict CSP stays possible). */
(function () {
  'use strict';
  var button = document.getElementById('print');
  if (button) button.addEventListener('click', function () { window.print(); });
})();
