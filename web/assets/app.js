// The only script of the catalog besides htmx: live countdowns to a grant's expiry. Served from the
// catalog itself (the Content-Security-Policy allows no inline script and no other origin).
(function () {
  'use strict';
  function left(ms) {
    if (ms <= 0) return 'expired';
    var s = Math.floor(ms / 1000);
    var d = Math.floor(s / 86400);
    var h = Math.floor((s % 86400) / 3600);
    var m = Math.floor((s % 3600) / 60);
    var parts = [];
    if (d) parts.push(d + 'd');
    if (d || h) parts.push(h + 'h');
    parts.push(m + 'm');
    if (!d) parts.push((s % 60) + 's');
    return parts.join(' ') + ' left';
  }
  function tick() {
    var now = Date.now();
    var els = document.querySelectorAll('[data-countdown]');
    for (var i = 0; i < els.length; i++) {
      var t = Date.parse(els[i].getAttribute('data-countdown'));
      if (!isNaN(t)) els[i].textContent = left(t - now);
    }
  }
  document.addEventListener('DOMContentLoaded', tick);
  document.addEventListener('htmx:afterSettle', tick);
  setInterval(tick, 1000);
})();
