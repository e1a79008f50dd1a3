/* Retailer till (/haendler): log in with the shop's key, scan or type a voucher, see its balance, key in an
   amount, confirm, see a big green or red answer, undo within 30 minutes, and today's list with its total.
   Safe against double taps and flaky networks: one Idempotency-Key per attempt, retried with the same key.
   Offline it says so and checks a voucher's signature against the cached public keys, but never redeems. */
(function () {
  'use strict';
  var LANG = document.documentElement.lang === 'en' ? 'en' : 'de';
  var TEXT = {
    de: {
      badKey: 'Dieser Schlüssel wird nicht angenommen.', network: 'Keine Verbindung zum Server.',
      offline: 'Offline: Gutscheine können nur auf Echtheit geprüft, aber nicht eingelöst werden.',
      badCode: 'Kein gültiger Gutschein-Code.', notOurs: 'Ungültig: Dieser Code ist kein Gutschein unserer Stadt.',
      genuineOffline: 'Echt (Signatur geprüft). Einlösen ist erst wieder online möglich.',
      noKeys: 'Offline und noch keine Schlüssel gespeichert: Prüfung nicht möglich.',
      checking: 'Prüfe …', balance: 'Guthaben', status: {expired: 'Abgelaufen', blocked: 'Gesperrt', replaced: 'Ersetzt'},
      enterAmount: 'Bitte einen Betrag eingeben.', tooMuch: 'Der Betrag ist höher als das Guthaben.',
      confirmQ: function (a) { return a + ' abbuchen?'; },
      ok: function (a) { return a + ' abgebucht'; }, left: function (b) { return 'Restguthaben ' + b; },
      refused: 'Abgelehnt', insufficient: 'Guthaben reicht nicht.', blockedMsg: 'Der Gutschein ist gesperrt.',
      expiredMsg: 'Der Gutschein ist abgelaufen.', invalidMsg: 'Kein gültiger Gutschein.',
      unclear: 'Keine Antwort vom Server. Bitte erneut senden – es wird höchstens einmal abgebucht.',
      retry: 'Erneut senden', undone: function (a) { return a + ' storniert'; },
      undoFailed: 'Storno nicht möglich', reversed: 'storniert', reversal: 'Storno', undo: 'Rückgängig',
      noneToday: 'Heute noch keine Buchungen.', camera: 'Kamera nicht verfügbar – bitte Code eintippen.',
      sending: 'Wird gebucht …', voucher: 'Gutschein', stopCamera: 'Kamera stoppen',
      spent: 'Vollständig eingelöst', spentMsg: 'Kein Guthaben mehr: Dieser Gutschein ist vollständig eingelöst.',
      cannot: function (s) { return 'Nicht einlösbar: ' + s + '.'; },
      overBalance: function (b) { return 'Der Betrag ist höher als das Guthaben von ' + b + '.'; },
      takeRest: function (b) { return 'Restguthaben ' + b + ' abbuchen?'; },
      stillToPay: function (a) { return 'Noch zu zahlen: ' + a + ' (bitte anders kassieren)'; }
    },
    en: {
      badKey: 'This key is not accepted.', network: 'No connection to the server.',
      offline: 'Offline: vouchers can only be checked for authenticity, not redeemed.',
      badCode: 'Not a valid voucher code.', notOurs: 'Invalid: this code is not a voucher of our town.',
      genuineOffline: 'Genuine (signature checked). Redeeming is possible again once online.',
      noKeys: 'Offline and no keys stored yet: cannot check.',
      checking: 'Checking …', balance: 'Balance', status: {expired: 'Expired', blocked: 'Blocked', replaced: 'Replaced'},
      enterAmount: 'Please enter an amount.', tooMuch: 'The amount is higher than the balance.',
      confirmQ: function (a) { return 'Charge ' + a + '?'; },
      ok: function (a) { return a + ' charged'; }, left: function (b) { return 'Balance left ' + b; },
      refused: 'Refused', insufficient: 'Not enough balance.', blockedMsg: 'This voucher is blocked.',
      expiredMsg: 'This voucher has expired.', invalidMsg: 'Not a valid voucher.',
      unclear: 'No answer from the server. Please send again – it is charged at most once.',
      retry: 'Send again', undone: function (a) { return a + ' reversed'; },
      undoFailed: 'Cannot undo', reversed: 'reversed', reversal: 'Reversal', undo: 'Undo',
      noneToday: 'No bookings today yet.', camera: 'Camera not available – please type the code.',
      sending: 'Booking …', voucher: 'Voucher', stopCamera: 'Stop camera',
      spent: 'Fully spent', spentMsg: 'No balance left: this voucher is fully spent.',
      cannot: function (s) { return 'Cannot be redeemed: ' + s + '.'; },
      overBalance: function (b) { return 'The amount is higher than the balance of ' + b + '.'; },
      takeRest: function (b) { return 'Charge the remaining ' + b + '?'; },
      stillToPay: function (a) { return 'Still to pay: ' + a + ' (take it another way)'; }
    }
  }[LANG];
  var KEY_STORE = 'mp.retailerKey';
  var UNDO_MS = 30 * 60 * 1000;

  function $(id) { return document.getElementById(id); }
  function show(el, on) { el.hidden = !on; }
  function euros(cents) {
    return new Intl.NumberFormat(LANG === 'en' ? 'en-IE' : 'de-DE', {style: 'currency', currency: 'EUR'})
      .format(cents / 100);
  }
  function berlinDay(date) {
    return new Intl.DateTimeFormat('en-CA', {timeZone: 'Europe/Berlin', year: 'numeric', month: '2-digit',
                                             day: '2-digit'}).format(date);
  }
  function clockTime(iso) {
    return new Intl.DateTimeFormat(LANG === 'en' ? 'en-GB' : 'de-DE',
                                   {timeZone: 'Europe/Berlin', hour: '2-digit', minute: '2-digit'}).format(new Date(iso));
  }
  function newKey() {
    if (crypto.randomUUID) return crypto.randomUUID();
    var b = crypto.getRandomValues(new Uint8Array(16));
    return Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join('');
  }

  var state = {key: null, keys: null, token: null, balance: null, amount: '', attempt: null, busy: false,
               last: null, stopCamera: null, cameraScan: false, wanted: null};

  function isOffline() { return navigator.onLine === false; }

  /* fetch with a time limit; resolves {status, data} or rejects on network failure/time-out. */
  function call(method, path, body, extraHeaders) {
    var headers = {'Accept': 'application/json'};
    if (state.key) headers['Authorization'] = 'Bearer ' + state.key;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    Object.keys(extraHeaders || {}).forEach(function (k) { headers[k] = extraHeaders[k]; });
    var ctrl = new AbortController();
    var timer = setTimeout(function () { ctrl.abort(); }, 10000);
    return fetch(path, {method: method, headers: headers, signal: ctrl.signal, cache: 'no-store',
                        body: body === undefined ? undefined : JSON.stringify(body)})
      .then(function (r) {
        return r.json().catch(function () { return null; }).then(function (data) { return {status: r.status, data: data}; });
      })
      .finally(function () { clearTimeout(timer); });
  }

  function sleep(ms) { return new Promise(function (r) { setTimeout(r, ms); }); }

  /* Retries network failures and 5xx with the very same request (and so the same Idempotency-Key). */
  function callWithRetry(method, path, body, headers, tries) {
    return call(method, path, body, headers).then(function (res) {
      if (res.status >= 500 && tries > 1) return sleep(600).then(function () { return callWithRetry(method, path, body, headers, tries - 1); });
      return res;
    }, function (err) {
      if (tries > 1) return sleep(600).then(function () { return callWithRetry(method, path, body, headers, tries - 1); });
      throw err;
    });
  }

  // --- network status -------------------------------------------------------------------------------------
  function renderNet() {
    var off = isOffline();
    $('net').textContent = off ? TEXT.offline : '';
    show($('net'), off);
    document.body.classList.toggle('offline', off);
    if (off) { show($('amount-step'), false); show($('confirm-step'), false); }
  }
  window.addEventListener('online', function () { renderNet(); if (state.key) loadToday(); });
  window.addEventListener('offline', renderNet);

  // --- login ----------------------------------------------------------------------------------------------
  function login(key) {
    state.key = key;
    return call('GET', '/api/v1/retailers/me').then(function (res) {
      if (res.status !== 200) {
        state.key = null;
        localStorage.removeItem(KEY_STORE);
        throw new Error(TEXT.badKey);
      }
      localStorage.setItem(KEY_STORE, key);
      localStorage.setItem('mp.retailerName', res.data.name);
      enterTill(res.data.name);
    }, function () {
      if (localStorage.getItem(KEY_STORE) === key) { enterTill(localStorage.getItem('mp.retailerName') || ''); return; }
      state.key = null;
      throw new Error(TEXT.network);
    });
  }

  function enterTill(name) {
    $('shop-name').textContent = name;
    show($('login'), false);
    show($('till'), true);
    resetToScan();
    loadToday();
  }

  $('login-form').addEventListener('submit', function (ev) {
    ev.preventDefault();
    var key = $('key').value.trim();
    $('login-error').textContent = '';
    if (!key) return;
    login(key).catch(function (err) { $('login-error').textContent = err.message; $('key').focus(); });
  });

  $('logout').addEventListener('click', function () {
    localStorage.removeItem(KEY_STORE);
    localStorage.removeItem('mp.retailerName');
    state.key = null;
    stopCamera();
    show($('till'), false);
    show($('login'), true);
    $('key').value = '';
    $('key').focus();
  });

  // --- scanning -------------------------------------------------------------------------------------------
  function stopCamera() {
    if (state.stopCamera) { state.stopCamera(); state.stopCamera = null; }
    show($('camera'), false);
    cameraLabel(false);
  }
  function cameraLabel(on) {
    var b = $('camera-btn');
    if (!b.getAttribute('data-start')) b.setAttribute('data-start', b.textContent);
    b.textContent = on ? TEXT.stopCamera : b.getAttribute('data-start');
    b.setAttribute('aria-pressed', on ? 'true' : 'false');
  }

  function startCamera() {
    show($('camera'), true);
    cameraLabel(true);
    $('scan-msg').textContent = '';
    window.QrCamera.start($('video'), function (text) {
      state.stopCamera = null;
      state.cameraScan = true;  // the next customer is scanned the same way: the camera comes back by itself
      show($('camera'), false);
      cameraLabel(false);
      handleCode(text);
    }).then(function (stop) { state.stopCamera = stop; }, function () {
      state.cameraScan = false;
      show($('camera'), false);
      cameraLabel(false);
      $('scan-msg').textContent = TEXT.camera;
    });
  }
  $('camera-btn').addEventListener('click', function () {
    if (state.stopCamera) { state.cameraScan = false; stopCamera(); return; }
    startCamera();
  });

  $('code-form').addEventListener('submit', function (ev) {
    ev.preventDefault();
    state.cameraScan = false;
    handleCode($('code').value);
  });

  function scanMessage(text, kind) {
    var el = $('scan-msg');
    el.textContent = text;
    el.className = 'msg' + (kind ? ' ' + kind : '');
  }

  function handleCode(text) {
    var token = window.VoucherToken.extractToken(text);
    if (!token) { scanMessage(TEXT.badCode, 'bad'); return; }
    scanMessage(TEXT.checking);
    var keys = state.keys || window.VoucherToken.storedKeys();
    window.VoucherToken.verifyToken(token, keys).then(function (check) {
      if (!check.ok && check.reason !== 'no_keys' && check.reason !== 'unsupported' &&
          !(check.reason === 'unknown_key' && !isOffline())) {
        scanMessage(TEXT.notOurs, 'bad');
        return;
      }
      if (isOffline()) {
        scanMessage(check.ok ? TEXT.genuineOffline + ' (' + TEXT.voucher + ' ' + check.voucherId + ')' : TEXT.noKeys,
                    check.ok ? 'ok' : 'bad');
        return;
      }
      return call('GET', '/api/v1/vouchers/balance?token=' + encodeURIComponent(token)).then(function (res) {
        if (res.status !== 200) { scanMessage(TEXT.invalidMsg, 'bad'); return; }
        scanMessage('');
        showVoucher(token, res.data);
      }, function () { renderNet(); scanMessage(TEXT.network, 'bad'); });
    });
  }

  function showVoucher(token, info) {
    state.token = token;
    state.balance = info.balance_cents;
    state.amount = '';
    $('v-balance').textContent = euros(info.balance_cents);
    $('v-id').textContent = info.voucher_id;
    var spent = info.status === 'active' && info.balance_cents <= 0;
    var bad = info.status !== 'active' || spent;
    var label = spent ? TEXT.spent : (TEXT.status[info.status] || info.status);
    $('v-status').textContent = bad ? label : '';
    $('v-status').className = 'vstatus' + (spent ? ' spent' : '');
    show($('v-status'), bad);
    $('amount-step').classList.toggle('unusable', bad);
    show($('scan-step'), false);
    show($('amount-step'), true);
    // A voucher that cannot pay takes no digits, and says why instead of a greyed button.
    $('charge').disabled = bad;
    $('keypad').querySelectorAll('button').forEach(function (b) { b.disabled = bad; });
    renderAmount();
    if (bad) $('amount-msg').textContent = spent ? TEXT.spentMsg : TEXT.cannot(label);
    $('amount-step').querySelector('h2').focus();
  }

  // --- amount keypad --------------------------------------------------------------------------------------
  function amountCents() { return parseInt(state.amount || '0', 10); }
  function renderAmount() {
    $('amount').textContent = euros(amountCents());
    $('amount-msg').textContent = '';
    show($('charge-rest'), false);
  }
  $('keypad').addEventListener('click', function (ev) {
    var btn = ev.target.closest('button');
    if (!btn) return;
    var k = btn.getAttribute('data-key');
    if (k === 'back') state.amount = state.amount.slice(0, -1);
    else if (k === 'clear') state.amount = '';
    else if ((state.amount + k).length <= 6) state.amount = (state.amount + k).replace(/^0+/, '');
    renderAmount();
  });
  document.addEventListener('keydown', function (ev) {
    if ($('amount-step').hidden || ev.target.tagName === 'INPUT' || $('charge').disabled) return;
    if (/^[0-9]$/.test(ev.key) && state.amount.length < 6) { state.amount = (state.amount + ev.key).replace(/^0+/, ''); renderAmount(); }
    else if (ev.key === 'Backspace') { state.amount = state.amount.slice(0, -1); renderAmount(); }
    else if (ev.key === 'Enter' && ev.target.tagName !== 'BUTTON') { $('charge').click(); }
  });

  /* More than the balance: say so at once and offer the rest, which one tap charges (the tap is the confirmation). */
  function offerRest(balance) {
    state.balance = balance;
    $('amount-msg').textContent = TEXT.overBalance(euros(balance));
    var rest = $('charge-rest');
    rest.textContent = TEXT.takeRest(euros(balance));
    show(rest, balance > 0);
    if (balance > 0) rest.focus();
  }

  $('charge').addEventListener('click', function () {
    var cents = amountCents();
    if (cents <= 0) { $('amount-msg').textContent = TEXT.enterAmount; return; }
    if (state.balance !== null && cents > state.balance) { offerRest(state.balance); return; }
    state.wanted = null;
    $('confirm-text').textContent = TEXT.confirmQ(euros(cents));
    state.attempt = {key: newKey(), body: {token: state.token, amount_cents: cents,
                                           expected_balance_cents: state.balance}};
    show($('amount-step'), false);
    show($('confirm-step'), true);
    $('confirm').disabled = false;
    $('confirm').focus();
  });

  $('charge-rest').addEventListener('click', function () {
    if (state.busy || !(state.balance > 0)) return;
    state.wanted = amountCents();  // what the customer owed: the till says how much is still to pay
    state.attempt = {key: newKey(), body: {token: state.token, amount_cents: state.balance,
                                           expected_balance_cents: state.balance}};
    show($('charge-rest'), false);
    show($('amount-step'), false);
    send();
  });
  $('back').addEventListener('click', function () {
    state.attempt = null;
    show($('confirm-step'), false);
    show($('amount-step'), true);
  });
  $('cancel').addEventListener('click', resetToScan);

  $('confirm').addEventListener('click', function () { send(); });

  function send() {
    if (state.busy || !state.attempt) return;  // a double tap sends once
    if (isOffline()) { renderNet(); return; }
    state.busy = true;
    $('confirm').disabled = true;
    $('confirm').textContent = TEXT.sending;
    var attempt = state.attempt;
    callWithRetry('POST', '/api/v1/redemptions', attempt.body, {'Idempotency-Key': attempt.key}, 3)
      .then(function (res) {
        state.busy = false;
        if (res.status === 201 || res.status === 200) {
          state.attempt = null;
          state.balance = res.data.balance_cents;
          var owed = state.wanted && state.wanted > res.data.amount_cents
            ? ' · ' + TEXT.stillToPay(euros(state.wanted - res.data.amount_cents)) : '';
          state.wanted = null;
          showResult(true, TEXT.ok(euros(res.data.amount_cents)), TEXT.left(euros(res.data.balance_cents)) + owed, res.data);
          loadToday();
        } else if (res.status >= 500) {
          showUnclear();
        } else {
          var wantedCents = state.attempt.body.amount_cents;
          state.attempt = null;
          var err = (res.data && res.data.error) || {};
          if (err.code === 'insufficient_balance' && typeof err.balance_cents === 'number' && err.balance_cents > 0) {
            // The balance changed since the scan (spent elsewhere): back to the amount, offering what is left.
            show($('confirm-step'), false);
            show($('amount-step'), true);
            state.amount = String(wantedCents);
            $('amount').textContent = euros(wantedCents);
            $('v-balance').textContent = euros(err.balance_cents);
            offerRest(err.balance_cents);
            return;
          }
          var detail = {insufficient_balance: TEXT.insufficient, voucher_blocked: TEXT.blockedMsg,
                        voucher_expired: TEXT.expiredMsg, invalid_token: TEXT.invalidMsg}[err.code] || err.message || '';
          var left = typeof err.balance_cents === 'number' ? TEXT.left(euros(err.balance_cents)) : '';
          if (typeof err.balance_cents === 'number') state.balance = err.balance_cents;
          showResult(false, TEXT.refused + ': ' + detail, left, null);
        }
      }, function () { state.busy = false; renderNet(); showUnclear(); })
      .finally(function () { $('confirm').textContent = $('confirm').getAttribute('data-label'); });
  }

  function showUnclear() {
    show($('confirm-step'), true);
    $('confirm-text').textContent = TEXT.unclear;
    $('confirm').disabled = false;
    $('confirm').setAttribute('data-label', TEXT.retry);
  }

  function showResult(ok, headline, detail, redemption) {
    show($('confirm-step'), false);
    var box = $('result');
    box.className = 'result ' + (ok ? 'ok' : 'bad');
    $('result-icon').textContent = ok ? '✓' : '✕';
    $('result-head').textContent = headline;
    $('result-detail').textContent = detail;
    state.last = redemption;
    show($('undo'), !!redemption);
    $('undo').disabled = false;
    show(box, true);
    $('next').focus();
  }

  $('undo').addEventListener('click', function () {
    if (!state.last) return;
    undo(state.last.redemption_id).then(function (res) {
      if (res && (res.status === 201 || res.status === 200)) {
        showResult(true, TEXT.undone(euros(res.data.amount_cents)), TEXT.left(euros(res.data.balance_cents)), null);
      }
    });
  });

  function undo(redemptionId) {
    $('undo').disabled = true;
    return callWithRetry('POST', '/api/v1/redemptions/' + encodeURIComponent(redemptionId) + '/reversal',
                         undefined, {}, 3).then(function (res) {
      if (res.status !== 201 && res.status !== 200) {
        var err = (res.data && res.data.error) || {};
        showResult(false, TEXT.undoFailed, err.message || '', null);
      }
      loadToday();
      return res;
    }, function () { renderNet(); showResult(false, TEXT.undoFailed, TEXT.network, null); });
  }

  $('next').addEventListener('click', function () {
    var again = state.cameraScan;
    resetToScan();
    if (again && !isOffline()) startCamera();  // one tap less per customer
  });

  function resetToScan() {
    stopCamera();
    state.token = null; state.balance = null; state.amount = ''; state.attempt = null; state.last = null;
    $('confirm').setAttribute('data-label', $('confirm').getAttribute('data-default'));
    $('confirm').textContent = $('confirm').getAttribute('data-default');
    state.wanted = null;
    ['amount-step', 'confirm-step', 'result', 'charge-rest'].forEach(function (id) { show($(id), false); });
    $('keypad').querySelectorAll('button').forEach(function (b) { b.disabled = false; });
    $('amount-step').classList.remove('unusable');
    show($('scan-step'), true);
    $('code').value = '';
    scanMessage('');
  }

  // --- today's list ---------------------------------------------------------------------------------------
  function loadToday() {
    if (!state.key || isOffline()) return;
    call('GET', '/api/v1/redemptions?limit=100&date=' + berlinDay(new Date())).then(function (res) {
      if (res.status !== 200) return;
      renderToday(res.data.items || []);
    }, function () { /* the list is a convenience; the till keeps working */ });
  }

  function renderToday(items) {
    var list = $('today-list');
    list.textContent = '';
    var reversed = {};
    var total = 0;
    // Ledger amounts are signed as seen from the voucher: a redemption takes (-), a reversal gives back (+).
    items.forEach(function (it) {
      if (it.kind === 'reversal') reversed[it.redemption_id] = true;
      if (it.kind === 'reversal' || it.kind === 'redemption') total -= it.amount_cents;
    });
    // An undone charge is one line, struck through and marked, not a second "Storno" line (the total nets both).
    items.forEach(function (it) {
      if (it.kind !== 'redemption') return;
      var undone = !!reversed[it.redemption_id];
      var li = document.createElement('li');
      li.className = it.kind + (undone ? ' is-reversed' : '');
      li.setAttribute('data-testid', 'today-item');
      var when = document.createElement('span'); when.className = 'when'; when.textContent = clockTime(it.created_at);
      var what = document.createElement('span'); what.className = 'what';
      var amount = document.createElement(undone ? 's' : 'span'); amount.textContent = euros(Math.abs(it.amount_cents));
      what.appendChild(amount);
      if (undone) what.appendChild(document.createTextNode(' (' + TEXT.reversed + ')'));
      var ref = document.createElement('span'); ref.className = 'ref'; ref.setAttribute('data-testid', 'today-voucher');
      ref.textContent = TEXT.voucher + ' ' + it.voucher_id;
      what.appendChild(ref);
      li.appendChild(when); li.appendChild(what);
      var young = Date.now() - new Date(it.created_at).getTime() < UNDO_MS;
      if (!undone && young) {
        var b = document.createElement('button');
        b.type = 'button'; b.className = 'small secondary'; b.textContent = TEXT.undo;
        b.setAttribute('aria-label', TEXT.undo + ': ' + euros(Math.abs(it.amount_cents)) + ', ' + clockTime(it.created_at));
        b.addEventListener('click', function () {
          b.disabled = true;
          undo(it.redemption_id).then(function (res) {
            if (res && (res.status === 201 || res.status === 200)) {
              show($('scan-step'), false); show($('amount-step'), false);
              showResult(true, TEXT.undone(euros(res.data.amount_cents)), TEXT.left(euros(res.data.balance_cents)), null);
            }
          });
        });
        li.appendChild(b);
      }
      list.appendChild(li);
    });
    $('today-total').textContent = euros(total);
    $('today-empty').textContent = list.children.length ? '' : TEXT.noneToday;
  }

  // --- start ----------------------------------------------------------------------------------------------
  renderNet();
  window.VoucherToken.loadKeys().then(function (k) { state.keys = k; });
  if ('serviceWorker' in navigator) {
    navigator.serviceWorker.register('/haendler-sw.js', {scope: '/haendler'}).catch(function () { /* optional */ });
  }
  var saved = localStorage.getItem(KEY_STORE);
  if (saved) {
    login(saved).catch(function () { show($('login'), true); });
  } else {
    show($('login'), true);
  }
})();
