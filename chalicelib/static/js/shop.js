/* The voucher shop: order -> Stripe Payment Element -> confirm -> wait for the webhook to issue -> show vouchers.
   The server computes every price; the page only shows what it will be asked to pay. */
(function () {
  'use strict';
  var LANG = document.documentElement.lang === 'en' ? 'en' : 'de';
  var TEXT = {
    de: {
      amountRange: function (a, b) { return 'Bitte einen Betrag zwischen ' + a + ' und ' + b + ' eingeben.'; },
      quantity: function (n) { return 'Bitte eine Anzahl von 1 bis ' + n + ' eingeben.'; },
      email: 'Bitte eine gültige E-Mail-Adresse eingeben.',
      bonus: function (p, name) { return '+' + p + ' % Bonus (' + name + ') – solange das Budget reicht.'; },
      bonusNone: 'Dieser Code gilt derzeit nicht.', bonusValue: function (v) { return '(Gutscheinwert ' + v + ')'; },
      summary: function (q, a, t) { return q + ' × ' + a + ' = ' + t; },
      failed: 'Die Zahlung ist fehlgeschlagen.', network: 'Keine Verbindung. Bitte erneut versuchen.',
      sent: function (e) { return 'Wir haben Ihre Gutscheine an ' + e + ' gesendet.'; },
      open: 'Gutschein öffnen', voucher: 'Gutschein', value: 'Wert', slow: 'Das dauert länger als üblich. Die Gutscheine kommen auch per E-Mail.',
      balance: function (b, e) { return 'Guthaben: ' + b + ' · gültig bis ' + e; },
      status: {expired: 'abgelaufen', blocked: 'gesperrt', replaced: 'ersetzt'},
      invalid: 'Das ist kein gültiger Gutschein-Code.', camera: 'Kamera nicht verfügbar – bitte Code eintippen.',
      paying: 'Zahlung läuft …', qrAlt: function (n) { return 'QR-Code von Gutschein ' + n; },
      terms: 'Bitte bestätigen Sie zuerst, dass Sie die AGB akzeptieren.',
      orderNo: function (id) { return 'Bestellnummer: ' + id; },
      sentPlain: 'Die Gutscheine haben wir Ihnen auch per E-Mail gesendet.',
      keep: 'Unter der Adresse dieser Seite finden Sie Ihre Gutscheine jederzeit wieder – setzen Sie ein Lesezeichen.',
      notFound: 'Diese Bestellung wurde nicht gefunden. Bitte öffnen Sie den Link aus Ihrer E-Mail.',
      withdrawn: 'Diese Bestellung wurde widerrufen.', refunded: 'Diese Bestellung wurde erstattet.'
    },
    en: {
      amountRange: function (a, b) { return 'Please enter an amount between ' + a + ' and ' + b + '.'; },
      quantity: function (n) { return 'Please enter a quantity from 1 to ' + n + '.'; },
      email: 'Please enter a valid e-mail address.',
      bonus: function (p, name) { return '+' + p + ' % bonus (' + name + ') – while the budget lasts.'; },
      bonusNone: 'This code is not valid right now.', bonusValue: function (v) { return '(voucher value ' + v + ')'; },
      summary: function (q, a, t) { return q + ' × ' + a + ' = ' + t; },
      failed: 'The payment failed.', network: 'No connection. Please try again.',
      sent: function (e) { return 'We sent your vouchers to ' + e + '.'; },
      open: 'Open voucher', voucher: 'Voucher', value: 'Value', slow: 'This takes longer than usual. The vouchers also come by e-mail.',
      balance: function (b, e) { return 'Balance: ' + b + ' · valid until ' + e; },
      status: {expired: 'expired', blocked: 'blocked', replaced: 'replaced'},
      invalid: 'This is not a valid voucher code.', camera: 'Camera not available – please type the code.',
      paying: 'Paying …', qrAlt: function (n) { return 'QR code of voucher ' + n; },
      terms: 'Please first confirm that you accept the terms and conditions.',
      orderNo: function (id) { return 'Order number: ' + id; },
      sentPlain: 'We have also sent you the vouchers by e-mail.',
      keep: 'The address of this page always shows your vouchers again – bookmark it.',
      notFound: 'This order was not found. Please open the link from your e-mail.',
      withdrawn: 'This order has been withdrawn.', refunded: 'This order has been refunded.'
    }
  }[LANG];
  function $(id) { return document.getElementById(id); }
  function show(el, on) { el.hidden = !on; }
  function euros(cents) {
    return new Intl.NumberFormat(LANG === 'en' ? 'en-IE' : 'de-DE', {style: 'currency', currency: 'EUR'}).format(cents / 100);
  }
  function date(iso) {
    return new Intl.DateTimeFormat(LANG === 'en' ? 'en-GB' : 'de-DE', {timeZone: 'Europe/Berlin'}).format(new Date(iso));
  }

  var form = $('order-form');
  var MIN = parseInt(form.getAttribute('data-min'), 10), MAX = parseInt(form.getAttribute('data-max'), 10);
  var MAX_Q = parseInt(form.getAttribute('data-max-quantity'), 10);
  var state = {campaign: null, order: null, stripe: null, elements: null, paying: false};

  function setError(field, message) {
    var input = $(field), err = $(field + '-err');
    if (err) err.textContent = message || '';
    if (input) input.setAttribute('aria-invalid', message ? 'true' : 'false');
  }

  function amountCents() {
    var chosen = form.querySelector('input[name=preset]:checked');
    if (!chosen) return null;
    if (chosen.value !== 'other') return parseInt(chosen.value, 10);
    var raw = $('amount').value.trim().replace(/\s|€/g, '');
    if (!raw) return null;
    // "25", "25,50", "25.50", "1.000,00" -> cents
    var normalized = raw.indexOf(',') >= 0 ? raw.replace(/\./g, '').replace(',', '.') : raw;
    if (!/^\d+(\.\d{1,2})?$/.test(normalized)) return NaN;
    return Math.round(parseFloat(normalized) * 100);
  }
  function quantity() {
    var raw = $('quantity').value.trim();
    return /^\d+$/.test(raw) ? parseInt(raw, 10) : NaN;
  }

  function validate(showErrors) {
    var ok = true, cents = amountCents(), q = quantity(), email = $('email').value.trim();
    var amountBad = cents === null || isNaN(cents) || cents < MIN || cents > MAX;
    var qBad = !(q >= 1 && q <= MAX_Q);
    var emailBad = !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email);
    if (showErrors) {
      setError('amount', amountBad ? TEXT.amountRange(euros(MIN), euros(MAX)) : '');
      setError('quantity', qBad ? TEXT.quantity(MAX_Q) : '');
      setError('email', emailBad ? TEXT.email : '');
    }
    if (amountBad || qBad || emailBad) ok = false;
    return ok;
  }

  function renderTotal() {
    var cents = amountCents(), q = quantity();
    var valid = cents !== null && !isNaN(cents) && cents >= MIN && cents <= MAX && q >= 1 && q <= MAX_Q;
    if (!valid) { $('total').textContent = '–'; $('total-bonus').textContent = ''; return; }
    $('total').textContent = euros(cents * q);
    var c = state.campaign;
    $('total-bonus').textContent = c && c.budget_left ? TEXT.bonusValue(euros(Math.floor(cents * (100 + c.percent) / 100)) + (q > 1 ? ' × ' + q : '')) : '';
  }

  form.addEventListener('change', function (ev) {
    if (ev.target.name === 'preset') {
      var other = ev.target.value === 'other';
      show($('other-amount'), other);
      if (other) $('amount').focus();
    }
    renderTotal();
  });
  form.addEventListener('input', renderTotal);

  function loadCampaign(code) {
    var url = '/api/v1/campaigns/current' + (code ? '?code=' + encodeURIComponent(code) : '');
    return fetch(url).then(function (r) { return r.ok ? r.json() : {campaign: null}; }).then(function (data) {
      var c = data.campaign;
      state.campaign = c && c.budget_left ? c : null;
      $('bonus').textContent = state.campaign ? TEXT.bonus(c.percent, c.name) : (code ? TEXT.bonusNone : '');
      $('bonus').className = 'bonus' + (code && !state.campaign ? ' none' : '');
      renderTotal();
    }, function () { /* the bonus is a courtesy; buying works without it */ });
  }
  $('bonus-check').addEventListener('click', function () { loadCampaign($('bonus-code').value.trim()); });

  form.addEventListener('submit', function (ev) {
    ev.preventDefault();
    $('order-error').textContent = '';
    if (!validate(true)) {
      var first = form.querySelector('[aria-invalid=true]');
      if (first) first.focus();
      return;
    }
    var button = $('to-payment');
    button.disabled = true;
    var body = {amount_cents: amountCents(), quantity: quantity(), email: $('email').value.trim(), lang: LANG};
    var code = $('bonus-code').value.trim();
    if (code) body.bonus_code = code;
    fetch('/api/v1/orders', {method: 'POST', headers: {'Content-Type': 'application/json'}, body: JSON.stringify(body)})
      .then(function (r) { return r.json().then(function (data) { return {status: r.status, data: data}; }); })
      .then(function (res) {
        button.disabled = false;
        if (res.status !== 201) {
          var err = (res.data && res.data.error) || {};
          $('order-error').textContent = err.message || TEXT.failed;
          return;
        }
        state.order = {id: res.data.order_id, secret: res.data.order_secret, email: body.email};
        sessionStorage.setItem('mp.order', JSON.stringify(state.order));
        startPayment(res.data);
      }, function () { button.disabled = false; $('order-error').textContent = TEXT.network; });
  });

  function startPayment(order) {
    if (typeof window.Stripe !== 'function') { $('order-error').textContent = TEXT.failed; return; }
    var total = order.total_cents || order.amount_cents * order.quantity;
    $('pay-summary').textContent = TEXT.summary(order.quantity, euros(order.amount_cents), euros(total));
    state.stripe = window.Stripe(order.payment.publishable_key);
    state.elements = state.stripe.elements({clientSecret: order.payment.client_secret, locale: LANG});
    state.elements.create('payment').mount('#payment-element');
    show($('buy'), false);
    show($('pay'), true);
    $('pay-h').focus();
  }

  $('pay-back').addEventListener('click', function () {
    show($('pay'), false);
    show($('buy'), true);
  });

  $('terms').addEventListener('change', function () { if ($('terms').checked) setError('terms', ''); });

  $('pay-now').addEventListener('click', function () {
    if (state.paying) return;
    if (!$('terms').checked) {  // as German shops do: no payment before the AGB are accepted
      setError('terms', TEXT.terms);
      $('terms').focus();
      return;
    }
    state.paying = true;
    var button = $('pay-now'), label = button.textContent;
    button.disabled = true; button.textContent = TEXT.paying;
    $('pay-error').textContent = '';
    var returnUrl = window.location.origin + orderPath(state.order);
    state.stripe.confirmPayment({elements: state.elements, redirect: 'if_required',
                                 confirmParams: {return_url: returnUrl, receipt_email: state.order.email}})
      .then(function (result) {
        state.paying = false; button.disabled = false; button.textContent = label;
        // The same form, the same order: the shopper corrects the card (or uses another) and presses pay again.
        if (result.error) { $('pay-error').textContent = window.PaymentErrors.message(result.error, LANG); return; }
        showDone();
      }, function () { state.paying = false; button.disabled = false; button.textContent = label; $('pay-error').textContent = TEXT.network; });
  });

  /* The order's own page: order id in the path, its secret in the fragment (never sent to a server or a log). */
  function orderPath(order) {
    return '/bestellung/' + encodeURIComponent(order.id) + (LANG === 'en' ? '?lang=en' : '') + '#' + encodeURIComponent(order.secret);
  }

  function showDone() {
    ['buy', 'pay', 'check'].forEach(function (id) { show($(id), false); });
    show($('done'), true);
    $('order-no').textContent = TEXT.orderNo(state.order.id);
    if (window.location.pathname.indexOf('/bestellung/') !== 0) history.replaceState(null, '', orderPath(state.order));
    $('done-h').focus();
    poll(0);
  }

  /* The webhook issues the vouchers a moment after the payment: ask until they are there. */
  function poll(n) {
    var o = state.order;
    fetch('/api/v1/orders/' + encodeURIComponent(o.id), {headers: {'X-Order-Secret': o.secret}, cache: 'no-store'})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (data === null && n === 0 && state.fromLink) { $('done-wait').textContent = TEXT.notFound; return; }
        if (data && data.vouchers && data.vouchers.length && data.status !== 'pending' && data.status !== 'failed') {
          renderVouchers(data); return;
        }
        // 'failed' is an earlier declined attempt: we only get here after a successful payment, so wait for it.
        if (n === 40) $('done-wait').textContent = TEXT.slow;
        setTimeout(function () { poll(n + 1); }, n < 10 ? 500 : 2000);
      }, function () { setTimeout(function () { poll(n + 1); }, 2000); });
  }

  function renderVouchers(order) {
    show($('done-wait'), false);
    $('done-sent').textContent = (state.order.email ? TEXT.sent(state.order.email) : TEXT.sentPlain) +
      (order.withdrawn_at ? ' ' + TEXT.withdrawn : order.status === 'refunded' ? ' ' + TEXT.refunded : '');
    show($('done-sent'), true);
    show($('done-keep'), true);
    var list = $('vouchers');
    list.textContent = '';
    order.vouchers.forEach(function (v, i) {
      var li = document.createElement('li');
      li.className = 'voucher-card';
      li.setAttribute('data-testid', 'voucher');
      var img = document.createElement('img');
      img.src = '/v/' + v.token + '/qr.svg'; img.width = 200; img.height = 200; img.alt = TEXT.qrAlt(i + 1);
      var info = document.createElement('div');
      var h = document.createElement('h3'); h.textContent = TEXT.voucher + ' ' + (i + 1) + ': ' + euros(v.balance_cents);
      var p = document.createElement('p'); p.textContent = TEXT.balance(euros(v.balance_cents), date(v.expires_at));
      var a = document.createElement('a'); a.href = '/v/' + v.token + '?lang=' + LANG; a.className = 'button';
      a.textContent = TEXT.open; a.setAttribute('aria-label', TEXT.open + ' ' + (i + 1));
      info.appendChild(h); info.appendChild(p); info.appendChild(a);
      li.appendChild(img); li.appendChild(info);
      list.appendChild(li);
    });
    sessionStorage.removeItem('mp.order');
  }

  // --- balance check --------------------------------------------------------------------------------------
  var stopCamera = null;
  function check(text) {
    var token = window.VoucherToken.extractToken(text);
    var out = $('check-result');
    out.className = '';
    if (!token) { out.textContent = TEXT.invalid; out.className = 'bad'; return; }
    fetch('/api/v1/vouchers/balance?token=' + encodeURIComponent(token), {cache: 'no-store'})
      .then(function (r) { return r.json().then(function (d) { return {status: r.status, data: d}; }); })
      .then(function (res) {
        if (res.status !== 200) { out.textContent = (res.data && res.data.error && res.data.error.message) || TEXT.invalid; out.className = 'bad'; return; }
        var d = res.data;
        out.textContent = TEXT.balance(euros(d.balance_cents), date(d.expires_at)) +
          (d.status !== 'active' ? ' · ' + (TEXT.status[d.status] || d.status) : '');
        out.className = d.status === 'active' ? 'ok' : 'bad';
      }, function () { out.textContent = TEXT.network; out.className = 'bad'; });
  }
  $('check-form').addEventListener('submit', function (ev) { ev.preventDefault(); check($('check-code').value); });
  $('check-camera').addEventListener('click', function () {
    if (stopCamera) { stopCamera(); stopCamera = null; show($('check-video-wrap'), false); return; }
    show($('check-video-wrap'), true);
    window.QrCamera.start($('check-video'), function (text) {
      stopCamera = null; show($('check-video-wrap'), false); $('check-code').value = text; check(text);
    }).then(function (stop) { stopCamera = stop; }, function () {
      show($('check-video-wrap'), false); $('check-result').textContent = TEXT.camera;
    });
  });

  // --- start ----------------------------------------------------------------------------------------------
  renderTotal();
  loadCampaign('');
  var orderId = $('done').getAttribute('data-order');
  if (orderId) {  // the order's durable page: /bestellung/<id>#<secret>, after a reload or from a bookmark
    var secret = decodeURIComponent(window.location.hash.replace(/^#/, ''));
    var pending = JSON.parse(sessionStorage.getItem('mp.order') || 'null');
    state.order = {id: orderId, secret: secret, email: pending && pending.id === orderId ? pending.email : null};
    state.fromLink = true;
    if (!secret) { ['buy', 'pay', 'check'].forEach(function (id) { show($(id), false); }); show($('done'), true); $('done-wait').textContent = TEXT.notFound; }
    else showDone();
  }
})();
