/* Service worker of the retailer till: keeps the page, its scripts and the public voucher keys for offline use.
   It never caches or replays API calls: redeeming needs the server, always. */
'use strict';
var CACHE = 'haendler-v1';
var SHELL = ['/haendler', '/haendler?lang=en', '/static/css/base.css', '/static/css/scanner.css',
             '/static/js/scanner.js', '/static/js/voucher-token.js', '/static/js/qr-camera.js',
             '/static/vendor/jsQR.js', '/haendler.webmanifest', '/static/img/icon-192.png',
             '/.well-known/voucher-keys.json'];

self.addEventListener('install', function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) { return cache.addAll(SHELL); })
    .then(function () { return self.skipWaiting(); }));
});

self.addEventListener('activate', function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (n) { return n !== CACHE; }).map(function (n) { return caches.delete(n); }));
  }).then(function () { return self.clients.claim(); }));
});

self.addEventListener('fetch', function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (request.method !== 'GET' || url.origin !== self.location.origin || url.pathname.indexOf('/api/') === 0) return;
  // Network first, so a till always runs the newest page and keys; the cache only answers when offline.
  event.respondWith(fetch(request).then(function (response) {
    if (response.ok && (SHELL.indexOf(url.pathname + url.search) >= 0 || SHELL.indexOf(url.pathname) >= 0)) {
      var copy = response.clone();
      caches.open(CACHE).then(function (cache) { cache.put(request, copy); });
    }
    return response;
  }).catch(function () {
    return caches.match(request).then(function (hit) { return hit || caches.match(url.pathname); });
  }));
});
