/* The city's back office (/verwaltung): sign in with e-mail and password (HttpOnly session cookie), then each
   section talks to the JSON API, sending the session's CSRF token with every change. Error codes from the API are
   shown as German (or English) sentences; the API's own English message is the fallback. */
(function () {
  'use strict';
  var lang = document.documentElement.lang === 'en' ? 'en' : 'de';
  var TEXT = {
    de: {
      network: 'Keine Verbindung zum Server.', saved: 'Gespeichert.', none: 'Nichts gefunden.',
      registered: 'Händler registriert.', disabled: 'deaktiviert', active: 'aktiv', blocked: 'gesperrt',
      expired: 'abgelaufen', replaced: 'ersetzt', edit: 'Bearbeiten', disable: 'Deaktivieren', enable: 'Aktivieren',
      newKey: 'Neuer Schlüssel', open: 'Öffnen', save: 'Speichern', register: 'Registrieren', missing: 'fehlt',
      name: 'Name', zone: 'Lage', status: 'Status', iban: 'IBAN', holder: 'Kontoinhaber', actions: 'Aktionen',
      voucher: 'Gutschein', balance: 'Restwert', initial: 'Ausgabewert', expires: 'Gültig bis', kind: 'Art',
      amount: 'Betrag', when: 'Zeitpunkt', who: 'Wer', where: 'Wo', note: 'Notiz', order: 'Bestellung',
      email: 'E-Mail', total: 'Summe', date: 'Datum', vouchers: 'Gutscheine', stripe: 'Stripe-Status',
      withdraw: 'Widerrufen', resend: 'E-Mail erneut senden', sentTo: 'E-Mail gesendet an ',
      blockedMsg: 'Gutschein gesperrt.', unblockedMsg: 'Gutschein entsperrt.', reissuedMsg: 'Neu ausgestellt als ',
      percent: 'Bonus', budget: 'Budget', left: 'Übrig', period: 'Zeitraum', code: 'Code',
      created: 'Angelegt.', issued: ' Gutscheine ausgegeben.', retailer: 'Händler', redemptions: 'Einlösungen',
      turnover: 'Umsatz', fee: 'Gebühr', payout: 'Auszahlung', sumRow: 'Summe',
      monthOpen: 'Offen – die Zahlen können sich bis zum Abschluss noch ändern.',
      monthClosed: 'Abgeschlossen am {at} von {by}. Die Zahlen sind festgeschrieben.',
      closeConfirm: 'Wirklich abschließen? Danach ändert sich dieser Monat nicht mehr.', yesClose: 'Ja, abschließen',
      closedMsg: 'Monat abgeschlossen.', notClosable: 'Der Monat ist noch nicht vorbei.',
      missingIban: 'Für diese Händler fehlt die IBAN: ', bucket: 'Posten', count: 'Anzahl',
      paid: 'Geld der Käufer', bonus: 'Bonusgeld der Stadt',
      buckets: {sold: 'Verkauft', redeemed: 'Eingelöst (netto)', reversed: 'Storniert', refunded: 'Erstattet', outstanding: 'Offen (Verbindlichkeit)',
                expired: 'Abgelaufen', blocked: 'Gesperrt'},
      vendor: 'Hersteller', settings: 'Router-Einstellungen', fasUrl: 'FAS-URL', minutes: 'Minuten',
      keyOnce: 'Schlüssel (nur jetzt sichtbar): ', tokenOnce: 'Zugangsschlüssel (nur jetzt sichtbar): ',
      role: 'Rolle', object: 'Objekt', action: 'Aktion', details: 'Details', change: 'Ändern',
      roles: {admin: 'Verwaltung (admin)', finance: 'Finanzen', support: 'Support'},
      kinds: {issue: 'Ausgabe', redemption: 'Einlösung', reversal: 'Storno', block: 'Sperre', unblock: 'Entsperrung',
              reissue_out: 'Übertrag (alt)', reissue_in: 'Übertrag (neu)', refund: 'Erstattung'},
      orderStatus: {pending: 'offen', paid: 'bezahlt', failed: 'fehlgeschlagen', refunded: 'erstattet',
                    partially_refunded: 'teilweise erstattet'},
      cards: {salesToday: 'Verkauf heute', salesMonth: 'Verkauf diesen Monat', redeemedToday: 'Eingelöst heute',
              redeemedMonth: 'Eingelöst diesen Monat', outstanding: 'Offene Gutscheinwerte',
              blocked: 'Gesperrte Gutscheinwerte', refunds: 'Offene Erstattungen',
              failedRefunds: 'Fehlgeschlagene Erstattungen', disputes: 'Offene Zahlungsstreitfälle'},
      cut: 'Hier ausschneiden', validUntil: 'gültig bis'
    },
    en: {
      network: 'No connection to the server.', saved: 'Saved.', none: 'Nothing found.',
      registered: 'Retailer registered.', disabled: 'disabled', active: 'active', blocked: 'blocked',
      expired: 'expired', replaced: 'replaced', edit: 'Edit', disable: 'Disable', enable: 'Enable',
      newKey: 'New key', open: 'Open', save: 'Save', register: 'Register', missing: 'missing',
      name: 'Name', zone: 'Location', status: 'Status', iban: 'IBAN', holder: 'Account holder', actions: 'Actions',
      voucher: 'Voucher', balance: 'Balance', initial: 'Issued value', expires: 'Valid until', kind: 'Kind',
      amount: 'Amount', when: 'When', who: 'Who', where: 'Where', note: 'Note', order: 'Order',
      email: 'E-mail', total: 'Total', date: 'Date', vouchers: 'Vouchers', stripe: 'Stripe status',
      withdraw: 'Withdraw', resend: 'Resend e-mail', sentTo: 'E-mail sent to ',
      blockedMsg: 'Voucher blocked.', unblockedMsg: 'Voucher unblocked.', reissuedMsg: 'Re-issued as ',
      percent: 'Bonus', budget: 'Budget', left: 'Left', period: 'Period', code: 'Code',
      created: 'Created.', issued: ' vouchers issued.', retailer: 'Retailer', redemptions: 'Redemptions',
      turnover: 'Turnover', fee: 'Fee', payout: 'Payout', sumRow: 'Total',
      monthOpen: 'Open – figures may still change until the month is closed.',
      monthClosed: 'Closed on {at} by {by}. The figures are final.',
      closeConfirm: 'Really close? This month will never change afterwards.', yesClose: 'Yes, close',
      closedMsg: 'Month closed.', notClosable: 'The month is not over yet.',
      missingIban: 'These retailers have no IBAN: ', bucket: 'Item', count: 'Count',
      paid: "Buyers' money", bonus: "City's bonus money",
      buckets: {sold: 'Sold', redeemed: 'Redeemed (net)', reversed: 'Reversed', refunded: 'Refunded', outstanding: 'Outstanding (liability)',
                expired: 'Expired', blocked: 'Blocked'},
      vendor: 'Vendor', settings: 'Router settings', fasUrl: 'FAS URL', minutes: 'minutes',
      keyOnce: 'Key (visible only now): ', tokenOnce: 'Access token (visible only now): ',
      role: 'Role', object: 'Object', action: 'Action', details: 'Details', change: 'Change',
      roles: {admin: 'Administration (admin)', finance: 'Finance', support: 'Support'},
      kinds: {issue: 'Issue', redemption: 'Redemption', reversal: 'Reversal', block: 'Block', unblock: 'Unblock',
              reissue_out: 'Transfer (old)', reissue_in: 'Transfer (new)', refund: 'Refund'},
      orderStatus: {pending: 'pending', paid: 'paid', failed: 'failed', refunded: 'refunded',
                    partially_refunded: 'partially refunded'},
      cards: {salesToday: 'Sales today', salesMonth: 'Sales this month', redeemedToday: 'Redeemed today',
              redeemedMonth: 'Redeemed this month', outstanding: 'Outstanding voucher value',
              blocked: 'Blocked voucher value', refunds: 'Open refunds', failedRefunds: 'Failed refunds',
              disputes: 'Open payment disputes'},
      cut: 'Cut here', validUntil: 'valid until'
    }
  }[lang];
  var ERRORS = {
    de: {
      invalid_credentials: 'E-Mail-Adresse oder Passwort ist falsch.',
      signin_throttled: 'Zu viele Fehlversuche. Bitte warten Sie 15 Minuten.',
      unauthorized: 'Bitte melden Sie sich erneut an.', csrf_failed: 'Sicherheitsprüfung fehlgeschlagen – bitte Seite neu laden.',
      forbidden: 'Dafür fehlt Ihrer Rolle die Berechtigung.', invalid_iban: 'Die IBAN ist ungültig. Bitte prüfen Sie die Eingabe.',
      iban_not_sepa: 'Auszahlungen sind SEPA-Überweisungen: Die IBAN muss aus dem SEPA-Raum sein.',
      invalid_request: 'Die Eingabe ist unvollständig oder ungültig.', invalid_json: 'Die Eingabe ist ungültig.',
      not_found: 'Nicht gefunden.', month_closed: 'Dieser Monat ist bereits abgeschlossen.',
      month_not_over: 'Dieser Monat ist noch nicht vorbei und kann erst ab dem Ersten des Folgemonats abgeschlossen werden.',
      month_open: 'Bitte schließen Sie den Monat ab, bevor Sie die SEPA-Datei erstellen.',
      missing_iban: 'Für diese Händler fehlt die IBAN: ', nothing_to_pay: 'In diesem Monat ist niemandem etwas auszuzahlen.',
      sepa_not_configured: 'Das Konto der Stadt für Auszahlungen ist nicht eingerichtet.',
      voucher_blocked: 'Dieser Gutschein ist bereits gesperrt.', voucher_not_blocked: 'Dieser Gutschein ist nicht gesperrt.',
      voucher_replaced: 'Dieser Gutschein wurde bereits neu ausgestellt.', insufficient_balance: 'Kein Restwert vorhanden.',
      invalid_token: 'Dieser Code ist kein gültiger Gutschein.', order_not_paid: 'Diese Bestellung ist nicht bezahlt.',
      withdrawal_period_over: 'Die 14-tägige Widerrufsfrist ist abgelaufen.',
      voucher_spent: 'Ein Gutschein dieser Bestellung wurde bereits eingelöst; Widerruf nicht möglich.',
      weak_password: 'Das Passwort ist zu schwach (mindestens 12 Zeichen).', staff_exists: 'Diese E-Mail-Adresse hat bereits einen Zugang.',
      retailer_disabled: 'Der Händler ist deaktiviert; bitte zuerst aktivieren.', conflict: 'Inzwischen geändert – bitte erneut versuchen.',
      wrong_key: 'Dieser Schlüssel gehört nicht zu diesem Händler.', payment_unavailable: 'Stripe ist gerade nicht erreichbar.',
      rate_limited: 'Zu viele Anfragen – bitte kurz warten.', internal: 'Interner Fehler; es wurde nichts geändert.'
    },
    en: {missing_iban: 'These retailers have no IBAN: '}
  }[lang];
  var state = {me: null, csrf: null, newKey: null, batch: null};
  function $(id) { return document.getElementById(id); }
  function show(el, on) { if (el) el.hidden = !on; }
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === 'text') node.textContent = attrs[k];
      else if (k === 'onclick') node.addEventListener('click', attrs[k]);
      else node.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) { node.appendChild(typeof c === 'string' ? document.createTextNode(c) : c); });
    return node;
  }
  function euros(cents) {
    return new Intl.NumberFormat(lang === 'de' ? 'de-DE' : 'en-IE', {style: 'currency', currency: 'EUR'})
      .format((cents || 0) / 100);
  }
  function when(iso) {
    if (!iso) return '';
    return new Date(iso).toLocaleString(lang === 'de' ? 'de-DE' : 'en-GB', {timeZone: 'Europe/Berlin',
      dateStyle: 'medium', timeStyle: 'short'});
  }
  function day(iso) {
    return iso ? new Date(iso).toLocaleDateString(lang === 'de' ? 'de-DE' : 'en-GB', {timeZone: 'Europe/Berlin'}) : '';
  }
  function cents(value) { return Math.round(parseFloat(String(value).replace(',', '.')) * 100); }

  function api(method, path, body) {
    var headers = {'Accept': 'application/json'};
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (method !== 'GET' && state.csrf) headers['X-CSRF-Token'] = state.csrf;
    return fetch(path, {method: method, headers: headers, credentials: 'same-origin',
                        body: body !== undefined ? JSON.stringify(body) : undefined})
      .then(function (res) {
        return res.text().then(function (raw) {
          var data = null;
          try { data = raw ? JSON.parse(raw) : null; } catch (e) { data = null; }
          if (res.status === 401 && state.me && path.indexOf('/api/v1/staff/session') !== 0) { signedOut(); }
          return {status: res.status, ok: res.ok, data: data};
        });
      }, function () { return {status: 0, ok: false, data: {error: {code: 'network', message: TEXT.network}}}; });
  }
  function errorText(res) {
    var err = (res.data && res.data.error) || {code: 'network', message: TEXT.network};
    var text = ERRORS[err.code] || err.message;
    if (err.code === 'missing_iban' && err.retailers) {
      text = ERRORS.missing_iban + err.retailers.map(function (r) { return r.name; }).join(', ') + '.';
    } else if (err.code === 'invalid_request' && err.field && ERRORS.invalid_request) {
      text = ERRORS.invalid_request + ' (' + err.field + ')';
    }
    return text;
  }
  function say(id, text, bad) { var n = $(id); if (!n) return; n.textContent = text; n.classList.toggle('error', !!bad); }
  function table(id, headers, rows, foot) {
    var t = $(id);
    var caption = t.querySelector('caption');
    t.textContent = '';
    if (caption) t.appendChild(caption);
    var head = el('thead', {}, [el('tr', {}, headers.map(function (h) { return el('th', {scope: 'col', text: h}); }))]);
    t.appendChild(head);
    var tbody = el('tbody');
    if (!rows.length) tbody.appendChild(el('tr', {}, [el('td', {colspan: String(headers.length), text: TEXT.none})]));
    rows.forEach(function (r) {
      tbody.appendChild(el('tr', {}, r.map(function (c) {
        return c instanceof Node ? el('td', {}, [c]) : el('td', {text: c === null || c === undefined ? '' : String(c)});
      })));
    });
    t.appendChild(tbody);
    if (foot) t.appendChild(el('tfoot', {}, [el('tr', {}, foot.map(function (c) { return el('td', {text: String(c)}); }))]));
  }
  function actions(list) {
    return el('span', {class: 'row-actions'}, list.map(function (a) {
      return el('button', {type: 'button', class: 'small secondary', onclick: a[1], 'aria-label': a[2] || a[0], text: a[0]});
    }));
  }
  function download(name, text, type) {
    var blob = new Blob([text], {type: type});
    var link = el('a', {href: URL.createObjectURL(blob), download: name});
    document.body.appendChild(link);
    link.click();
    link.remove();
  }
  function csvCell(v) {
    var s = String(v === null || v === undefined ? '' : v);
    if (/^[=+\-@]/.test(s)) s = "'" + s;
    return /[;"\n\r]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
  }
  function csv(rows) { return '\ufeff' + rows.map(function (r) { return r.map(csvCell).join(';'); }).join('\r\n') + '\r\n'; }
  function decimal(c) { return (c / 100).toFixed(2).replace('.', lang === 'de' ? ',' : '.'); }
  function roleAllows(roles) { return roles.split(' ').indexOf(state.me.role) >= 0; }
  function printWith(cls) {
    document.body.classList.add(cls);
    var done = function () { document.body.classList.remove(cls); window.removeEventListener('afterprint', done); };
    window.addEventListener('afterprint', done);
    setTimeout(function () { window.print(); }, 50);
  }

  // --- sign-in ----------------------------------------------------------------------------------------------
  function signedOut() {
    state.me = null; state.csrf = null;
    show($('office'), false);
    show($('login'), true);
  }
  function enter(me) {
    state.me = me; state.csrf = me.csrf_token;
    $('who').textContent = me.name + ' · ' + (TEXT.roles[me.role] || me.role);
    document.querySelectorAll('.office-nav li[data-roles]').forEach(function (li) { show(li, roleAllows(li.dataset.roles)); });
    document.querySelectorAll('#section-body [data-role]').forEach(function (n) { show(n, roleAllows(n.dataset.role)); });
    show($('login'), false);
    show($('office'), true);
    var slug = $('office').dataset.section;
    var item = document.querySelector('.office-nav a[aria-current="page"]');
    var allowed = item && roleAllows(item.parentElement.dataset.roles);
    show($('forbidden'), !allowed);
    show($('section-body'), !!allowed);
    if (allowed && SECTIONS[slug]) SECTIONS[slug]();
  }
  $('login-form').addEventListener('submit', function (ev) {
    ev.preventDefault();
    say('login-error', '');
    api('POST', '/api/v1/staff/session', {email: $('login-email').value.trim(), password: $('login-password').value})
      .then(function (res) {
        if (res.status === 201) { $('login-password').value = ''; enter(res.data); }
        else { say('login-error', errorText(res), true); $('login-password').focus(); }
      });
  });
  $('logout').addEventListener('click', function () {
    api('DELETE', '/api/v1/staff/session').then(signedOut);
  });

  // --- Übersicht --------------------------------------------------------------------------------------------
  function overview() {
    api('GET', '/api/v1/overview').then(function (res) {
      if (!res.ok) { $('cards').textContent = errorText(res); return; }
      var d = res.data, c = TEXT.cards;
      var cards = [[c.salesToday, euros(d.sales.today.cents), d.sales.today.count],
                   [c.salesMonth, euros(d.sales.month.cents), d.sales.month.count],
                   [c.redeemedToday, euros(d.redemptions.today.cents), d.redemptions.today.count],
                   [c.redeemedMonth, euros(d.redemptions.month.cents), d.redemptions.month.count],
                   [c.outstanding, euros(d.outstanding_cents), d.outstanding_vouchers],
                   [c.blocked, euros(d.blocked_cents), null],
                   [c.refunds, String(d.open_refunds), null], [c.failedRefunds, String(d.failed_refunds), null],
                   [c.disputes, String(d.open_disputes), null]];
      $('cards').textContent = '';
      cards.forEach(function (k) {
        $('cards').appendChild(el('div', {class: 'card'}, [el('h2', {text: k[0]}), el('p', {class: 'figure', text: k[1]}),
          el('p', {class: 'count', text: k[2] === null ? '' : TEXT.count + ': ' + k[2]})]));
      });
    });
  }

  // --- Händler ----------------------------------------------------------------------------------------------
  var retailerList = [];
  function retailers() {
    loadRetailers();
    api('GET', '/api/v1/zones').then(function (res) {
      if (!res.ok) return;
      res.data.zones.forEach(function (z) { $('zones-list').appendChild(el('option', {value: z.zone_id})); });
    });
    $('r-search').addEventListener('input', renderRetailers);
    $('r-form').addEventListener('submit', saveRetailer);
    $('r-cancel').addEventListener('click', resetRetailerForm);
    $('r-print').addEventListener('click', printOnboarding);
  }
  function loadRetailers() {
    return api('GET', '/api/v1/retailers').then(function (res) {
      retailerList = res.ok ? res.data.retailers : [];
      renderRetailers();
    });
  }
  function renderRetailers() {
    var q = $('r-search').value.trim().toLowerCase();
    var admin = state.me.role === 'admin';
    var rows = retailerList.filter(function (r) {
      return !q || (r.name + ' ' + r.zone + ' ' + r.address + ' ' + (r.iban || '')).toLowerCase().indexOf(q) >= 0;
    }).map(function (r) {
      var buttons = admin ? [[TEXT.edit, function () { editRetailer(r); }, TEXT.edit + ': ' + r.name],
        r.status === 'active' ? [TEXT.disable, function () { retailerAction(r, 'disable'); }, TEXT.disable + ': ' + r.name]
                              : [TEXT.enable, function () { retailerAction(r, 'enable'); }, TEXT.enable + ': ' + r.name],
        [TEXT.newKey, function () { retailerAction(r, 'api-key'); }, TEXT.newKey + ': ' + r.name]] : [];
      return [r.name, r.zone, r.status === 'active' ? TEXT.active : TEXT.disabled, r.iban || TEXT.missing,
              r.account_holder || '', actions(buttons)];
    });
    table('r-table', [TEXT.name, TEXT.zone, TEXT.status, TEXT.iban, TEXT.holder, TEXT.actions], rows);
  }
  function editRetailer(r) {
    $('r-id').value = r.retailer_id;
    $('r-name').value = r.name; $('r-address').value = r.address; $('r-email').value = r.email;
    $('r-zone').value = r.zone; $('r-contact').value = r.contact || ''; $('r-iban').value = r.iban || '';
    $('r-holder').value = r.account_holder || '';
    $('r-submit').textContent = TEXT.save;
    show($('r-cancel'), true);
    $('r-name').focus();
  }
  function resetRetailerForm() {
    $('r-form').reset(); $('r-id').value = '';
    $('r-submit').textContent = TEXT.register;
    show($('r-cancel'), false);
  }
  function saveRetailer(ev) {
    ev.preventDefault();
    var id = $('r-id').value;
    var body = {name: $('r-name').value, address: $('r-address').value, email: $('r-email').value.trim(),
                zone: $('r-zone').value.trim()};
    if ($('r-contact').value.trim()) body.contact = $('r-contact').value;
    if ($('r-iban').value.trim() || $('r-holder').value.trim()) {
      body.iban = $('r-iban').value; body.account_holder = $('r-holder').value;
    }
    say('r-msg', '');
    api(id ? 'PATCH' : 'POST', id ? '/api/v1/retailers/' + id : '/api/v1/retailers', body).then(function (res) {
      if (!res.ok) { say('r-msg', errorText(res), true); return; }
      say('r-msg', id ? TEXT.saved : TEXT.registered);
      if (!id) showKey(res.data);
      resetRetailerForm();
      loadRetailers();
    });
  }
  function retailerAction(r, what) {
    api('POST', '/api/v1/retailers/' + r.retailer_id + '/' + what).then(function (res) {
      if (!res.ok) { say('r-msg', errorText(res), true); return; }
      say('r-msg', TEXT.saved);
      if (res.data.api_key) showKey(res.data);
      loadRetailers();
    });
  }
  function showKey(retailer) {
    state.newKey = {retailer_id: retailer.retailer_id, api_key: retailer.api_key};
    $('r-key-value').textContent = retailer.api_key;
    show($('r-key'), true);
    $('r-print').focus();
  }
  function printOnboarding() {
    var k = state.newKey;
    api('POST', '/api/v1/retailers/' + k.retailer_id + '/onboarding', {api_key: k.api_key}).then(function (res) {
      if (!res.ok) { say('r-msg', errorText(res), true); return; }
      $('sheet-shop').textContent = res.data.name;
      $('sheet-address').textContent = res.data.address;
      $('sheet-qr').src = res.data.qr_png;
      $('sheet-url').textContent = res.data.till_url;
      show($('sheet'), true);
      printWith('printing-sheet');
    });
  }

  // --- Gutscheine -------------------------------------------------------------------------------------------
  var currentVoucher = null, stopCamera = null;
  function vouchers() {
    $('v-form').addEventListener('submit', function (ev) { ev.preventDefault(); findVouchers(); });
    $('v-camera').addEventListener('click', scan);
    $('v-block').addEventListener('click', function () {
      voucherAction('block', {reason: $('v-reason').value.trim() || undefined}, TEXT.blockedMsg);
    });
    $('v-unblock').addEventListener('click', function () { voucherAction('unblock', undefined, TEXT.unblockedMsg); });
    $('v-reissue').addEventListener('click', function () { voucherAction('reissue', undefined, null); });
    $('v-resend').addEventListener('click', function () {
      api('POST', '/api/v1/orders/' + currentVoucher.order_id + '/resend').then(function (res) {
        say('v-action-msg', res.ok ? TEXT.sentTo + res.data.sent_to : errorText(res), !res.ok);
      });
    });
  }
  function scan() {
    if (stopCamera) { stopCamera(); stopCamera = null; show($('v-video'), false); return; }
    show($('v-video'), true);
    window.QrCamera.start($('v-video'), function (text) {
      stopCamera = null;
      show($('v-video'), false);
      $('v-kind').value = 'code';
      $('v-query').value = text;
      findVouchers();
    }).then(function (stop) { stopCamera = stop; }, function () {
      show($('v-video'), false);
      say('v-msg', lang === 'de' ? 'Keine Kamera verfügbar.' : 'No camera available.', true);
    });
  }
  function findVouchers() {
    var q = $('v-query').value.trim();
    if (!q) return;
    say('v-msg', '');
    api('GET', '/api/v1/vouchers?' + $('v-kind').value + '=' + encodeURIComponent(q)).then(function (res) {
      if (!res.ok) { say('v-msg', errorText(res), true); table('v-table', [TEXT.voucher], []); return; }
      var list = res.data.vouchers;
      table('v-table', [TEXT.voucher, TEXT.status, TEXT.balance, TEXT.initial, TEXT.expires, TEXT.actions],
        list.map(function (v) {
          return [v.voucher_id, TEXT[v.status] || v.status, euros(v.balance_cents), euros(v.initial_cents), day(v.expires_at),
                  actions([[TEXT.open, function () { openVoucher(v.voucher_id); }, TEXT.open + ': ' + v.voucher_id]])];
        }));
      if (list.length === 1) openVoucher(list[0].voucher_id);
    });
  }
  function openVoucher(id) {
    return api('GET', '/api/v1/vouchers/' + id).then(function (res) {
      if (!res.ok) { say('v-msg', errorText(res), true); return; }
      var v = currentVoucher = res.data;
      $('v-detail-h').textContent = TEXT.voucher + ' ' + v.voucher_id;
      var facts = $('v-facts');
      facts.textContent = '';
      [[TEXT.status, TEXT[v.status] || v.status], [TEXT.balance, euros(v.balance_cents)],
       [TEXT.initial, euros(v.initial_cents)], [TEXT.expires, day(v.expires_at)], [TEXT.order, v.order_id || '–'],
       [TEXT.note, v.block_reason || v.campaign || '']].forEach(function (f) {
        facts.appendChild(el('dt', {text: f[0]})); facts.appendChild(el('dd', {text: f[1]}));
      });
      $('v-block').disabled = v.status !== 'active' && v.status !== 'expired';
      $('v-unblock').disabled = v.status !== 'blocked';
      $('v-reissue').disabled = v.status !== 'blocked' || !v.balance_cents;
      $('v-resend').disabled = !v.order_id;
      table('v-ledger', [TEXT.when, TEXT.kind, TEXT.amount, TEXT.who, TEXT.where, TEXT.note],
        v.ledger.map(function (e) {
          return [when(e.created_at), TEXT.kinds[e.kind] || e.kind, euros(e.amount_cents), e.actor || '',
                  e.retailer_id ? e.retailer_id + (e.zone ? ' (' + e.zone + ')' : '') : '', e.note || ''];
        }));
      show($('v-detail'), true);
    });
  }
  function voucherAction(what, body, okText) {
    api('POST', '/api/v1/vouchers/' + currentVoucher.voucher_id + '/' + what, body).then(function (res) {
      if (!res.ok) { say('v-action-msg', errorText(res), true); return; }
      say('v-action-msg', okText || TEXT.reissuedMsg + res.data.voucher.voucher_id);
      openVoucher(currentVoucher.voucher_id);
    });
  }

  // --- Bestellungen -----------------------------------------------------------------------------------------
  function orders() {
    $('o-form').addEventListener('submit', function (ev) { ev.preventDefault(); findOrders(); });
  }
  function findOrders() {
    var id = $('o-id').value.trim(), address = $('o-email').value.trim();
    var query = id ? 'order_id=' + encodeURIComponent(id) : 'email=' + encodeURIComponent(address);
    say('o-msg', '');
    api('GET', '/api/v1/orders?' + query).then(function (res) {
      if (!res.ok) { say('o-msg', errorText(res), true); return; }
      var support = state.me.role !== 'finance';
      table('o-table', [TEXT.order, TEXT.date, TEXT.email, TEXT.status, TEXT.total, TEXT.vouchers, TEXT.actions],
        res.data.orders.map(function (o) {
          var list = [[TEXT.stripe, function () { stripeState(o); }, TEXT.stripe + ': ' + o.order_id]];
          if (support) {
            list.push([TEXT.withdraw, function () { orderAction(o, 'withdrawal'); }, TEXT.withdraw + ': ' + o.order_id]);
            list.push([TEXT.resend, function () { orderAction(o, 'resend'); }, TEXT.resend + ': ' + o.order_id]);
          }
          return [o.order_id, when(o.created_at), o.email, (TEXT.orderStatus[o.status] || o.status) +
                  (o.disputed ? ' ⚠' : ''), euros(o.total_cents), String(o.vouchers.length), actions(list)];
        }));
    });
  }
  function stripeState(o) {
    api('GET', '/api/v1/orders/' + o.order_id + '/stripe').then(function (res) {
      say('o-msg', res.ok ? o.order_id + ': Stripe ' + res.data.status + ', ' + euros(res.data.amount_received === null || res.data.amount_received === undefined ? res.data.amount : res.data.amount_received) +
          (res.data.amount_refunded ? ' (−' + euros(res.data.amount_refunded) + ')' : '') : errorText(res), !res.ok);
    });
  }
  function orderAction(o, what) {
    api('POST', '/api/v1/orders/' + o.order_id + '/' + what).then(function (res) {
      if (!res.ok) { say('o-msg', errorText(res), true); return; }
      say('o-msg', what === 'resend' ? TEXT.sentTo + res.data.sent_to : TEXT.saved);
      findOrders();
    });
  }

  // --- Aktionen ---------------------------------------------------------------------------------------------
  function campaigns() {
    loadCampaigns();
    $('c-form').addEventListener('submit', function (ev) {
      ev.preventDefault();
      var body = {name: $('c-name').value, percent: parseInt($('c-percent').value, 10),
                  budget_cents: cents($('c-budget').value), starts_at: $('c-start').value + 'T00:00:00+01:00',
                  ends_at: $('c-end').value + 'T23:59:59+01:00'};
      if ($('c-code').value.trim()) body.code = $('c-code').value.trim();
      api('POST', '/api/v1/campaigns', body).then(function (res) {
        say('c-msg', res.ok ? TEXT.created : errorText(res), !res.ok);
        if (res.ok) { $('c-form').reset(); loadCampaigns(); }
      });
    });
    $('b-form').addEventListener('submit', function (ev) {
      ev.preventDefault();
      var body = {amount_cents: cents($('b-amount').value), quantity: parseInt($('b-quantity').value, 10)};
      if ($('b-campaign').value.trim()) body.campaign = $('b-campaign').value.trim();
      api('POST', '/api/v1/vouchers', body).then(function (res) {
        if (!res.ok) { say('b-msg', errorText(res), true); return; }
        state.batch = {vouchers: res.data.vouchers, campaign: body.campaign || ''};
        say('b-msg', res.data.vouchers.length + TEXT.issued);
        show($('b-done'), true);
      });
    });
    $('b-print').addEventListener('click', printVouchers);
    $('b-csv').addEventListener('click', function () {
      var rows = [['Gutschein-ID', 'Wert (EUR)', 'Gültig bis', 'Verwendungszweck', 'Link']];
      state.batch.vouchers.forEach(function (v) {
        rows.push([v.voucher_id, decimal(v.balance_cents), v.expires_at.slice(0, 10), state.batch.campaign, v.url]);
      });
      download('gutscheine.csv', csv(rows), 'text/csv;charset=utf-8');
    });
  }
  function loadCampaigns() {
    api('GET', '/api/v1/campaigns').then(function (res) {
      if (!res.ok) return;
      table('c-table', [TEXT.name, TEXT.percent, TEXT.budget, TEXT.left, TEXT.period, TEXT.code],
        res.data.campaigns.map(function (c) {
          return [c.name, c.percent + ' %', euros(c.budget_cents), euros(c.remaining_cents),
                  day(c.starts_at) + ' – ' + day(c.ends_at), c.code || ''];
        }));
    });
  }
  function printVouchers() {
    var sheet = $('voucher-sheet');
    sheet.textContent = '';
    state.batch.vouchers.forEach(function (v) {
      sheet.appendChild(el('div', {class: 'voucher-card'}, [
        el('img', {src: '/v/' + v.token + '/qr.svg', alt: TEXT.voucher + ' ' + v.voucher_id, width: '150', height: '150'}),
        el('p', {class: 'value', text: euros(v.balance_cents)}),
        el('p', {text: TEXT.validUntil + ' ' + day(v.expires_at)}),
        el('p', {class: 'id', text: v.voucher_id})]));
    });
    show(sheet, true);
    printWith('printing-vouchers');
  }

  // --- Abrechnung -------------------------------------------------------------------------------------------
  function settlement() {
    var now = new Date();
    var prev = new Date(now.getFullYear(), now.getMonth() - 1, 1);
    $('s-month').value = prev.getFullYear() + '-' + String(prev.getMonth() + 1).padStart(2, '0');
    $('s-form').addEventListener('submit', function (ev) { ev.preventDefault(); loadSettlement(); });
    $('s-close').addEventListener('click', confirmClose);
    loadSettlement();
  }
  function loadSettlement() {
    var month = $('s-month').value;
    say('s-msg', '');
    show($('s-actions'), false);
    return api('GET', '/api/v1/settlements/' + encodeURIComponent(month)).then(function (res) {
      if (!res.ok) {
        say('s-status', res.status === 404 ? (lang === 'de' ? 'Für diesen Monat gibt es keine Abrechnung.' :
          'There is no settlement for this month.') : errorText(res), true);
        table('s-table', [TEXT.retailer], []);
        return;
      }
      var d = res.data;
      var closed = d.status === 'closed';
      say('s-status', closed ? TEXT.monthClosed.replace('{at}', when(d.closed_at)).replace('{by}', d.closed_by)
                             : TEXT.monthOpen);
      table('s-table', [TEXT.retailer, TEXT.redemptions, TEXT.turnover, TEXT.fee, TEXT.payout, TEXT.iban],
        d.retailers.map(function (r) {
          return [r.name, String(r.redemptions), euros(r.turnover_cents), euros(r.fee_cents), euros(r.payout_cents),
                  r.iban || (r.payout_cents > 0 ? '⚠ ' + TEXT.missing : '')];
        }), [TEXT.sumRow, '', euros(d.totals.turnover_cents), euros(d.totals.fee_cents), euros(d.totals.payout_cents), '']);
      $('s-csv').href = '/api/v1/settlements/' + month + '?format=csv';
      $('s-sepa').href = '/api/v1/settlements/' + month + '/sepa.xml';
      show($('s-sepa'), closed);
      show($('s-close'), !closed);
      show($('s-actions'), true);
      if (!closed && d.missing_iban && d.missing_iban.length) {
        say('s-msg', TEXT.missingIban + d.missing_iban.map(function (r) { return r.name; }).join(', ') + '.', true);
      }
    });
  }
  function confirmClose() {
    var box = $('s-confirm');
    if (box) { box.remove(); }
    box = el('p', {id: 's-confirm', class: 'confirm'}, [TEXT.closeConfirm + ' ',
      el('button', {type: 'button', id: 's-close-yes', text: TEXT.yesClose, onclick: closeMonth})]);
    $('s-actions').after(box);
    $('s-close-yes').focus();
  }
  function closeMonth() {
    var month = $('s-month').value;
    $('s-confirm').remove();
    api('POST', '/api/v1/settlements/' + encodeURIComponent(month) + '/close').then(function (res) {
      if (!res.ok) { loadSettlement().then(function () { say('s-msg', errorText(res), true); }); return; }
      loadSettlement().then(function () { say('s-msg', TEXT.closedMsg); });
    });
  }

  // --- Berichte ---------------------------------------------------------------------------------------------
  function reports() {
    if (!$('rep-month').value) {
      var now = new Date();
      $('rep-month').value = now.getFullYear() + '-' + String(now.getMonth() + 1).padStart(2, '0');
    }
    $('rep-form').onsubmit = function (ev) { ev.preventDefault(); reports(); };
    var month = $('rep-month').value;
    api('GET', '/api/v1/reports/liability?month=' + encodeURIComponent(month)).then(function (res) {
      if (!res.ok) { say('rep-msg', errorText(res), true); return; }
      var d = res.data, keys = ['sold', 'redeemed', 'reversed', 'refunded', 'expired', 'blocked', 'outstanding'];
      table('rep-table', [TEXT.bucket, TEXT.count, TEXT.paid, TEXT.bonus, TEXT.total], keys.map(function (k) {
        return [TEXT.buckets[k], String(d[k].count), euros(d[k].paid_cents), euros(d[k].bonus_cents), euros(d[k].total_cents)];
      }));
      say('rep-msg', (lang === 'de' ? 'Stand: ' : 'As of: ') + when(d.as_of));
      $('rep-csv').onclick = function () {
        var rows = [['Monat', 'Posten', 'Anzahl', 'Geld der Käufer (EUR)', 'Bonusgeld der Stadt (EUR)', 'Summe (EUR)']];
        keys.forEach(function (k) {
          rows.push([month, TEXT.buckets[k], d[k].count, decimal(d[k].paid_cents), decimal(d[k].bonus_cents),
                     decimal(d[k].total_cents)]);
        });
        download('verbindlichkeiten-' + month + '.csv', csv(rows), 'text/csv;charset=utf-8');
      };
    });
  }

  // --- WLAN -------------------------------------------------------------------------------------------------
  function routerSettings(g) {
    var lines = [TEXT.fasUrl + ': ' + g.fas_url, TEXT.minutes + ': ' + g.session_minutes];
    if (g.opennds) {
      lines.push('opennds.@opennds[0].fas_secure_enabled=' + g.opennds.security_level);
      lines.push('opennds.@opennds[0].gatewayhash=' + (g.opennds.gatewayhash || ''));
    } else if (g.meraki) {
      lines.push('Splash page: Click-through, custom splash URL = ' + g.fas_url);
    }
    $('w-settings').textContent = g.name + '\n' + lines.join('\n');
    show($('w-settings'), true);
  }
  function wlan() {
    var load = function () {
      api('GET', '/api/v1/gateways').then(function (res) {
        if (!res.ok) return;
        table('w-table', [TEXT.name, TEXT.vendor, TEXT.zone, TEXT.status, TEXT.actions], res.data.gateways.map(function (g) {
          return [g.name, g.vendor, g.zone || '', g.status === 'active' ? TEXT.active : TEXT.disabled,
                  actions([[TEXT.settings, function () { routerSettings(g); }, TEXT.settings + ': ' + g.name],
                           g.status === 'active' ? [TEXT.disable, function () { act(g, 'disable'); }, TEXT.disable + ': ' + g.name]
                                                 : [TEXT.enable, function () { act(g, 'enable'); }, TEXT.enable + ': ' + g.name]])];
        }));
      });
    };
    var act = function (g, what) {
      api('POST', '/api/v1/gateways/' + g.gateway_id + '/' + what).then(function (res) {
        say('w-msg', res.ok ? TEXT.saved : errorText(res), !res.ok); load();
      });
    };
    $('w-form').addEventListener('submit', function (ev) {
      ev.preventDefault();
      var body = {name: $('w-name').value, vendor: $('w-vendor').value,
                  session_minutes: parseInt($('w-minutes').value || '60', 10)};
      if ($('w-zone').value.trim()) body.zone = $('w-zone').value.trim();
      api('POST', '/api/v1/gateways', body).then(function (res) {
        say('w-msg', res.ok ? TEXT.created : errorText(res), !res.ok);
        if (res.ok) { routerSettings(res.data); load(); }
      });
    });
    load();
  }

  // --- Sensoren und Zonen -----------------------------------------------------------------------------------
  function sensors() {
    var load = function () {
      api('GET', '/api/v1/zones').then(function (res) {
        if (res.ok) table('z-table', [TEXT.name, 'ID'], res.data.zones.map(function (z) { return [z.name, z.zone_id]; }));
      });
      api('GET', '/api/v1/sensors').then(function (res) {
        if (!res.ok) return;
        table('se-table', [TEXT.name, TEXT.zone, TEXT.kind, TEXT.status, TEXT.actions], res.data.sensors.map(function (s) {
          return [s.name, s.zone, s.kind, s.status === 'active' ? TEXT.active : TEXT.disabled,
                  actions([s.status === 'active' ? [TEXT.disable, function () { act(s, 'disable'); }, TEXT.disable + ': ' + s.name]
                                                 : [TEXT.newKey, function () { act(s, 'key'); }, TEXT.newKey + ': ' + s.name]])];
        }));
      });
    };
    var act = function (s, what) {
      api('POST', '/api/v1/sensors/' + s.sensor_id + '/' + what).then(function (res) {
        say('se-msg', res.ok ? (res.data.ingest_key ? TEXT.keyOnce + res.data.ingest_key : TEXT.saved) : errorText(res), !res.ok);
        load();
      });
    };
    $('z-form').addEventListener('submit', function (ev) {
      ev.preventDefault();
      api('POST', '/api/v1/zones', {name: $('z-name').value}).then(function (res) {
        say('se-msg', res.ok ? TEXT.created : errorText(res), !res.ok); if (res.ok) { $('z-form').reset(); load(); }
      });
    });
    $('se-form').addEventListener('submit', function (ev) {
      ev.preventDefault();
      api('POST', '/api/v1/sensors', {name: $('se-name').value, zone: $('se-zone').value.trim(), kind: 'laser'})
        .then(function (res) {
          say('se-msg', res.ok ? TEXT.keyOnce + res.data.ingest_key : errorText(res), !res.ok);
          if (res.ok) { $('se-form').reset(); load(); }
        });
    });
    load();
  }

  // --- Marketing-Zugänge ------------------------------------------------------------------------------------
  function marketing() {
    var load = function () {
      api('GET', '/api/v1/marketing-users').then(function (res) {
        if (!res.ok) return;
        table('m-table', [TEXT.name, TEXT.status, TEXT.actions], res.data.users.map(function (u) {
          return [u.name, u.status === 'active' ? TEXT.active : TEXT.disabled,
                  u.status === 'active' ? actions([[TEXT.disable, function () {
                    api('POST', '/api/v1/marketing-users/' + u.user_id + '/disable').then(load);
                  }, TEXT.disable + ': ' + u.name]]) : ''];
        }));
      });
    };
    $('m-form').addEventListener('submit', function (ev) {
      ev.preventDefault();
      api('POST', '/api/v1/marketing-users', {name: $('m-name').value}).then(function (res) {
        say('m-msg', res.ok ? TEXT.tokenOnce + res.data.token : errorText(res), !res.ok);
        if (res.ok) { $('m-form').reset(); load(); }
      });
    });
    load();
  }

  // --- Protokoll --------------------------------------------------------------------------------------------
  function auditLog() {
    var now = new Date();
    var month = now.getFullYear() + '-' + String(now.getMonth() + 1).padStart(2, '0');
    $('a-from').value = month; $('a-to').value = month;
    $('a-form').addEventListener('submit', function (ev) { ev.preventDefault(); loadAudit(); });
    loadAudit();
  }
  function loadAudit() {
    var params = new URLSearchParams();
    [['from', 'a-from'], ['to', 'a-to'], ['actor', 'a-actor'], ['q', 'a-q']].forEach(function (p) {
      if ($(p[1]).value.trim()) params.set(p[0], $(p[1]).value.trim());
    });
    $('a-csv').href = '/api/v1/audit?format=csv&' + params.toString();
    api('GET', '/api/v1/audit?' + params.toString()).then(function (res) {
      if (!res.ok) { say('a-msg', errorText(res), true); return; }
      say('a-msg', '');
      table('a-table', [TEXT.when, TEXT.who, TEXT.role, TEXT.action, TEXT.object, TEXT.details],
        res.data.entries.map(function (e) {
          return [when(e.at), (e.actor_name ? e.actor_name + ' ' : '') + '<' + e.actor + '>', TEXT.roles[e.role] || e.role,
                  e.action, e.object_type + ' ' + e.object_id, JSON.stringify(e.details)];
        }));
    });
  }

  // --- Mitarbeitende ----------------------------------------------------------------------------------------
  function staff() {
    var load = function () {
      api('GET', '/api/v1/staff').then(function (res) {
        if (!res.ok) return;
        table('st-table', [TEXT.name, TEXT.email, TEXT.role, TEXT.status, TEXT.actions], res.data.staff.map(function (s) {
          var select = el('select', {'aria-label': TEXT.role + ': ' + s.name}, ['support', 'finance', 'admin'].map(function (r) {
            var o = el('option', {value: r, text: TEXT.roles[r]}); if (r === s.role) o.selected = true; return o;
          }));
          select.addEventListener('change', function () { patch(s, {role: select.value}); });
          return [s.name, s.email, select, s.status === 'active' ? TEXT.active : TEXT.disabled,
                  actions([s.status === 'active' ? [TEXT.disable, function () { patch(s, {status: 'disabled'}); }, TEXT.disable + ': ' + s.name]
                                                 : [TEXT.enable, function () { patch(s, {status: 'active'}); }, TEXT.enable + ': ' + s.name]])];
        }));
      });
    };
    var patch = function (s, body) {
      api('PATCH', '/api/v1/staff/' + encodeURIComponent(s.email), body).then(function (res) {
        say('st-msg', res.ok ? TEXT.saved : errorText(res), !res.ok); load();
      });
    };
    $('st-form').addEventListener('submit', function (ev) {
      ev.preventDefault();
      api('POST', '/api/v1/staff', {name: $('st-name').value, email: $('st-email').value.trim(), role: $('st-role').value,
                                    password: $('st-password').value}).then(function (res) {
        say('st-msg', res.ok ? TEXT.created : errorText(res), !res.ok);
        if (res.ok) { $('st-form').reset(); load(); }
      });
    });
    load();
  }

  var SECTIONS = {'': overview, haendler: retailers, gutscheine: vouchers, bestellungen: orders, aktionen: campaigns,
                  abrechnung: settlement, berichte: reports, wlan: wlan, sensoren: sensors, marketing: marketing,
                  protokoll: auditLog, mitarbeitende: staff};

  api('GET', '/api/v1/staff/me').then(function (res) {
    if (res.status === 200) enter(res.data); else signedOut();
  });
})();
