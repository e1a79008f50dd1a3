/* Marketing dashboard: footfall per zone with gaps, weekday-aligned comparisons, event bands, voucher redemptions
   and WLAN sessions on the same time axis (synced cursors), the weekday x hour heatmap, totals and CSV downloads
   of exactly the query shown. Charts: vendored uPlot. */
(function () {
  'use strict';
  var LANG = document.documentElement.lang === 'en' ? 'en' : 'de';
  var TEXT = {
    de: {
      badToken: 'Dieser Zugangsschlüssel wird nicht angenommen.', network: 'Keine Verbindung zum Server.',
      pickZone: 'Bitte mindestens eine Zone wählen.', loading: 'Lade …', loaded: function (n) { return n + ' Zeitabschnitte geladen.'; },
      zone: 'Zone', footfall: 'Passanten', hours: 'Stunden mit Daten', week: 'ggü. Vorwoche', year: 'ggü. Vorjahr',
      redemptions: 'Einlösungen', redeemed: 'Eingelöst', wlan: 'WLAN-Sitzungen', weekBefore: 'Vorwoche', yearBefore: 'Vorjahr',
      noData: 'keine Daten', of: 'von', event: 'Veranstaltung', noEvents: 'Keine Veranstaltungen im Zeitraum.',
      weekdays: ['Mo', 'Di', 'Mi', 'Do', 'Fr', 'Sa', 'So'], weekdaysLong: ['Montag', 'Dienstag', 'Mittwoch', 'Donnerstag', 'Freitag', 'Samstag', 'Sonntag'],
      hourShort: function (h) { return h + ' Uhr'; }, heatCaption: function (z) { return z + ': durchschnittliche Passanten pro Stunde'; },
      suppressed: 'WLAN-Werte unter 10 werden nicht gezeigt.', scroll: 'Tabelle, seitlich scrollbar', time: 'Zeit',
      needDates: 'Bitte „Von“ und „Bis“ ausfüllen.',
      toBeforeFrom: '„Bis“ liegt vor „Von“. Bitte ein Enddatum wählen, das am oder nach dem Anfangsdatum liegt.',
      years: 'Bitte ein Datum zwischen 2000 und 2100 wählen.',
      tooMany: function (n, max, res) {
        return 'Zu viele Zeitabschnitte: ' + num(n) + ' ' + res + ' auf einmal (höchstens ' + num(max) + '). ' +
          'Bitte den Zeitraum verkürzen oder eine gröbere Auflösung wählen (Woche oder Monat).';
      },
      unitNames: {hour: 'Stunden', day: 'Tage', week: 'Wochen', month: 'Monate'},
      resNames: {week: 'ganze Wochen (Montag bis Sonntag)', month: 'ganze Monate'},
      widened: function (res, from, to) {
        return 'Zeitraum auf ' + res + ' erweitert: ' + from + ' bis ' + to + '. Die Summen gelten für diesen Zeitraum.';
      },
      partial: function (h, of) { return 'unvollständig: ' + num(h) + ' von ' + num(of) + ' Std. gemessen'; },
      partialNote: 'Schraffiert: unvollständige Zeitabschnitte (nicht alle Stunden gemessen) – kein Einbruch.',
      partialCmp: 'Vergleichswerte aus unvollständigen Zeitabschnitten sind ausgelassen.',
      serverRange: 'Der Zeitraum kann so nicht abgefragt werden. Bitte „Von“, „Bis“ und die Auflösung prüfen.',
      serverZone: 'Eine gewählte Zone gibt es nicht mehr. Bitte die Seite neu laden.',
      serverAuth: 'Ihre Anmeldung gilt nicht mehr. Bitte neu anmelden.',
      serverOther: 'Die Abfrage hat nicht geklappt. Bitte in einer Minute erneut versuchen.',
      bucketTable: 'Werte je Zeitabschnitt', start: 'Beginn', note: 'Hinweis'
    },
    en: {
      badToken: 'This access token is not accepted.', network: 'No connection to the server.',
      pickZone: 'Please choose at least one zone.', loading: 'Loading …', loaded: function (n) { return n + ' periods loaded.'; },
      zone: 'Zone', footfall: 'Footfall', hours: 'Hours with data', week: 'vs. week before', year: 'vs. year before',
      redemptions: 'Redemptions', redeemed: 'Redeemed', wlan: 'WLAN sessions', weekBefore: 'week before', yearBefore: 'year before',
      noData: 'no data', of: 'of', event: 'Event', noEvents: 'No events in this period.',
      weekdays: ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'], weekdaysLong: ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'],
      hourShort: function (h) { return h + ':00'; }, heatCaption: function (z) { return z + ': average footfall per hour'; },
      suppressed: 'WLAN values below 10 are not shown.', scroll: 'Table, scrolls sideways', time: 'Time',
      needDates: 'Please fill in “From” and “To”.',
      toBeforeFrom: '“To” lies before “From”. Please choose an end date on or after the start date.',
      years: 'Please choose a date between 2000 and 2100.',
      tooMany: function (n, max, res) {
        return 'Too many periods: ' + num(n) + ' ' + res + ' at once (at most ' + num(max) + '). ' +
          'Please shorten the range or choose a coarser resolution (week or month).';
      },
      unitNames: {hour: 'hours', day: 'days', week: 'weeks', month: 'months'},
      resNames: {week: 'whole weeks (Monday to Sunday)', month: 'whole months'},
      widened: function (res, from, to) {
        return 'Range widened to ' + res + ': ' + from + ' to ' + to + '. The totals are for this range.';
      },
      partial: function (h, of) { return 'partial: ' + num(h) + ' of ' + num(of) + ' hours measured'; },
      partialNote: 'Hatched: partial periods (not every hour measured) – not a drop.',
      partialCmp: 'Comparison values from partial periods are left out.',
      serverRange: 'This range cannot be queried. Please check “From”, “To” and the resolution.',
      serverZone: 'A chosen zone no longer exists. Please reload the page.',
      serverAuth: 'Your sign-in is no longer valid. Please sign in again.',
      serverOther: 'The query did not work. Please try again in a minute.',
      bucketTable: 'Values per period', start: 'Start', note: 'Note'
    }
  }[LANG];
  var COLORS = ['#0b5d3b', '#1f5fa8', '#a4161a', '#6a3d9a', '#8a4b00', '#00707a', '#5a5a5a', '#b0006e', '#3d5c00', '#00429d'];
  var TOKEN_STORE = 'mp.marketingToken';
  var LOCALE = LANG === 'en' ? 'en-GB' : 'de-DE';

  function $(id) { return document.getElementById(id); }
  function show(el, on) { el.hidden = !on; }
  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }
  function num(v, digits) {
    return v === null || v === undefined ? '–' : new Intl.NumberFormat(LOCALE, {maximumFractionDigits: digits || 0}).format(v);
  }
  function euros(cents) { return new Intl.NumberFormat(LOCALE, {style: 'currency', currency: 'EUR'}).format(cents / 100); }
  function pct(v) { return v === null || v === undefined ? '–' : (v > 0 ? '+' : '') + num(v, 1) + ' %'; }
  function berlinDay(date) {
    return new Intl.DateTimeFormat('en-CA', {timeZone: 'Europe/Berlin', year: 'numeric', month: '2-digit', day: '2-digit'}).format(date);
  }
  function ts(iso) { return Date.parse(iso) / 1000; }
  function sum(values) { return values.reduce(function (a, v) { return a + (v || 0); }, 0); }

  var state = {token: null, zones: [], data: null, heat: null, plots: [], query: null};

  function api(path) {
    return fetch(path, {headers: {'Authorization': 'Bearer ' + state.token, 'Accept': 'application/json'}, cache: 'no-store'})
      .then(function (r) { return r.json().catch(function () { return null; }).then(function (d) { return {status: r.status, data: d}; }); });
  }

  // --- login ----------------------------------------------------------------------------------------------
  function login(token) {
    state.token = token;
    return api('/api/v1/zones').then(function (res) {
      if (res.status !== 200) { state.token = null; localStorage.removeItem(TOKEN_STORE); throw new Error(TEXT.badToken); }
      localStorage.setItem(TOKEN_STORE, token);
      state.zones = res.data.zones || [];
      enterBoard();
    }, function () { state.token = null; throw new Error(TEXT.network); });
  }
  $('login-form').addEventListener('submit', function (ev) {
    ev.preventDefault();
    $('login-error').textContent = '';
    login($('token').value.trim()).catch(function (err) { $('login-error').textContent = err.message; $('token').focus(); });
  });
  $('logout').addEventListener('click', function () {
    localStorage.removeItem(TOKEN_STORE);
    state.token = null;
    destroyPlots();
    show($('board'), false); show($('results'), false); show($('login'), true);
    $('token').value = '';
  });

  function enterBoard() {
    var box = $('zones');
    box.querySelectorAll('label').forEach(function (n) { n.remove(); });
    state.zones.forEach(function (z, i) {
      var label = el('label', {'class': 'zone'});
      var input = el('input', {type: 'checkbox', value: z.zone_id || z.zone || z.id, name: 'zone'});
      if (i === 0) input.checked = true;
      label.appendChild(input);
      label.appendChild(document.createTextNode(' ' + (z.name || input.value)));
      box.appendChild(label);
    });
    var yesterday = new Date(Date.now() - 86400000);
    $('to').value = berlinDay(yesterday);
    $('from').value = berlinDay(new Date(yesterday.getTime() - 27 * 86400000));
    show($('login'), false);
    show($('board'), true);
    load();  // the default view at once: no empty page waiting for "Anzeigen"
  }

  // --- query ----------------------------------------------------------------------------------------------
  function currentQuery() {
    var zones = Array.prototype.map.call(document.querySelectorAll('#zones input:checked'), function (i) { return i.value; });
    return {zones: zones, from: $('from').value, to: $('to').value, resolution: $('resolution').value};
  }
  function queryString(q, extra) {
    var p = new URLSearchParams({zone: q.zones.join(','), from: q.from, to: q.to});
    if (extra) Object.keys(extra).forEach(function (k) { p.set(k, extra[k]); });
    return p.toString();
  }

  var MAX_BUCKETS = JSON.parse($('query').getAttribute('data-max-buckets') || '{}');
  function dayNumber(iso) { return Date.UTC(+iso.slice(0, 4), +iso.slice(5, 7) - 1, +iso.slice(8, 10)) / 86400000; }

  /* Checked here, in the user's words, before the API is asked: what is wrong and what to change. */
  function problem(q) {
    if (!q.zones.length) return TEXT.pickZone;
    if (!/^\d{4}-\d{2}-\d{2}$/.test(q.from) || !/^\d{4}-\d{2}-\d{2}$/.test(q.to)) return TEXT.needDates;
    var y0 = +q.from.slice(0, 4), y1 = +q.to.slice(0, 4);
    if (y0 < 2000 || y1 > 2100) return TEXT.years;
    var days = dayNumber(q.to) - dayNumber(q.from) + 1;
    if (days < 1) return TEXT.toBeforeFrom;
    var n = {hour: days * 24, day: days, week: Math.ceil((days + 6) / 7), month: (y1 - y0) * 12 + (+q.to.slice(5, 7)) - (+q.from.slice(5, 7)) + 1}[q.resolution];
    var max = MAX_BUCKETS[q.resolution];
    if (max && n > max) return TEXT.tooMany(n, max, TEXT.unitNames[q.resolution]);
    return null;
  }

  function serverMessage(answer) {
    var code = answer.data && answer.data.error && answer.data.error.code;
    if (answer.status === 401 || answer.status === 403) return TEXT.serverAuth;
    if (code === 'invalid_range' || code === 'invalid_request') return TEXT.serverRange;
    if (code === 'not_found' || code === 'unknown_zone') return TEXT.serverZone;
    return TEXT.serverOther;
  }

  function load() {
    var q = currentQuery();
    var wrong = problem(q);
    if (wrong) { $('query-msg').textContent = wrong; $('query-msg').className = 'msg bad'; return; }
    $('query-msg').className = 'msg';
    $('query-msg').textContent = TEXT.loading;
    $('load').disabled = true;
    Promise.all([
      api('/api/v1/stats/footfall?' + queryString(q, {resolution: q.resolution})),
      api('/api/v1/stats/heatmap?' + queryString(q))
    ]).then(function (answers) {
      $('load').disabled = false;
      var bad = answers.filter(function (a) { return a.status !== 200; })[0];
      if (bad) {
        $('query-msg').textContent = serverMessage(bad);
        $('query-msg').className = 'msg bad';
        return;
      }
      state.query = q;
      state.data = answers[0].data;
      state.heat = answers[1].data;
      state.spans = window.DashboardTime.bucketHours(state.data.buckets, state.data.to);
      render();
      $('query-msg').textContent = TEXT.loaded(state.data.buckets.length);
      $('widened').textContent = widenedNote(q, state.data);
      show($('widened'), !!$('widened').textContent);
    }, function () { $('load').disabled = false; $('query-msg').textContent = TEXT.network; });
  }
  $('query').addEventListener('submit', function (ev) { ev.preventDefault(); load(); });
  $('resolution').addEventListener('change', function () { if (state.data) load(); });
  ['cmp-week', 'cmp-year'].forEach(function (id) { $(id).addEventListener('change', function () { if (state.data) renderCharts(); }); });

  // --- partial buckets and widened ranges ------------------------------------------------------------------
  function isPartial(hours, i) { return hours[i] > 0 && hours[i] < state.spans[i]; }
  function anyPartial() {
    return state.data.zones.some(function (z) { return z.footfall.hours.some(function (h, i) { return isPartial(z.footfall.hours, i); }); });
  }
  /* A comparison bucket with only some hours measured would draw as a dip: it is left out (a gap). */
  function completeOnly(series) {
    return series.count.map(function (v, i) { return series.hours[i] > 0 && series.hours[i] < state.spans[i] ? null : v; });
  }
  function berlinDate(iso) {
    return new Intl.DateTimeFormat(LOCALE, {timeZone: 'Europe/Berlin', day: '2-digit', month: '2-digit', year: 'numeric'}).format(new Date(iso));
  }
  function widenedNote(q, d) {
    var first = berlinDay(new Date(d.from)), last = berlinDay(new Date(Date.parse(d.to) - 1000));
    if (first === q.from && last === q.to) return '';
    var res = TEXT.resNames[d.resolution] || TEXT.unitNames[d.resolution];
    return TEXT.widened(res, berlinDate(d.from), berlinDate(new Date(Date.parse(d.to) - 1000).toISOString()));
  }

  // --- rendering ------------------------------------------------------------------------------------------
  function render() {
    show($('results'), true);
    renderTotals();
    renderCharts();
    renderBucketTable();
    renderEvents();
    renderHeatmaps();
  }

  function renderTotals() {
    var d = state.data, table = $('totals');
    table.textContent = '';
    var expectedHours = Math.round((Date.parse(d.to) - Date.parse(d.from)) / 3600000);
    var head = el('tr');
    [TEXT.zone, TEXT.footfall, TEXT.hours, TEXT.week, TEXT.year, TEXT.redemptions, TEXT.redeemed, TEXT.wlan]
      .forEach(function (h) { head.appendChild(el('th', {scope: 'col'}, h)); });
    var thead = el('thead'); thead.appendChild(head); table.appendChild(thead);
    var body = el('tbody');
    d.zones.forEach(function (z) {
      var row = el('tr', {'data-zone': z.zone});
      row.appendChild(el('th', {scope: 'row'}, z.name));
      row.appendChild(el('td', {'data-testid': 'total-footfall'}, num(z.totals.count)));
      row.appendChild(el('td', {}, num(z.totals.hours_with_data) + ' ' + TEXT.of + ' ' + num(expectedHours)));
      row.appendChild(el('td', {}, z.week_before ? pct(z.week_before.change_percent) : '–'));
      row.appendChild(el('td', {}, z.year_before ? pct(z.year_before.change_percent) : '–'));
      row.appendChild(el('td', {'data-testid': 'total-redemptions'}, num(z.vouchers.total_redemptions)));
      row.appendChild(el('td', {}, euros(z.vouchers.total_cents)));
      row.appendChild(el('td', {}, z.wlan ? num(sum(z.wlan.sessions)) : '–'));
      body.appendChild(row);
    });
    table.appendChild(body);
  }

  function destroyPlots() {
    state.plots.forEach(function (p) { p.destroy(); });
    state.plots = [];
  }

  function chartWidth(node) { return Math.max(280, node.clientWidth || 600); }

  function eventBands(u) {
    var events = (state.data && state.data.events) || [];
    if (!events.length) return;
    var ctx = u.ctx;
    ctx.save();
    events.forEach(function (ev, i) {
      var span = eventSpan(ev);
      var x0 = u.valToPos(span[0], 'x', true), x1 = u.valToPos(span[1], 'x', true);
      var left = Math.max(u.bbox.left, Math.min(x0, x1)), right = Math.min(u.bbox.left + u.bbox.width, Math.max(x0, x1));
      if (right <= left) right = left + 2;  // an event shorter than a bucket still shows
      ctx.fillStyle = i % 2 ? 'rgba(31,95,168,0.14)' : 'rgba(242,169,0,0.22)';
      ctx.fillRect(left, u.bbox.top, right - left, u.bbox.height);
    });
    ctx.restore();
  }

  function eventSpan(ev) {
    var d = state.data;
    return window.DashboardTime.eventSpan(ts(ev.starts_at), ts(ev.ends_at), d.buckets.map(ts), ts(d.to), d.resolution);
  }

  /* Partial buckets: hatched, so a half-measured week is not read as a collapse. */
  function partialBands(u) {
    var zone = state.data.zones[0];
    if (!zone) return;
    var xs = state.data.buckets.map(ts), last = ts(state.data.to), ctx = u.ctx;
    state.data.buckets.forEach(function (b, i) {
      var partial = state.data.zones.some(function (z) { return isPartial(z.footfall.hours, i); });
      if (!partial) return;
      var before = i > 0 ? (xs[i] - xs[i - 1]) / 2 : 0, after = ((i + 1 < xs.length ? xs[i + 1] : last) - xs[i]) / 2;
      var left = Math.max(u.bbox.left, u.valToPos(xs[i] - before, 'x', true));
      var right = Math.min(u.bbox.left + u.bbox.width, u.valToPos(xs[i] + after, 'x', true));
      if (right <= left) return;
      ctx.save();
      ctx.beginPath();
      ctx.rect(left, u.bbox.top, right - left, u.bbox.height);
      ctx.clip();
      ctx.fillStyle = 'rgba(90,90,90,0.08)';
      ctx.fillRect(left, u.bbox.top, right - left, u.bbox.height);
      ctx.strokeStyle = 'rgba(90,90,90,0.35)';
      ctx.lineWidth = 1;
      for (var x = left - u.bbox.height; x < right; x += 8) {
        ctx.beginPath(); ctx.moveTo(x, u.bbox.top + u.bbox.height); ctx.lineTo(x + u.bbox.height, u.bbox.top); ctx.stroke();
      }
      ctx.restore();
    });
  }

  /* Axis labels in the page's language and Berlin time, fitted to the resolution shown. */
  function timeAxis() {
    var res = state.data.resolution;
    var opts = res === 'hour' ? {day: '2-digit', month: '2-digit', hour: '2-digit', minute: '2-digit'}
      : res === 'month' ? {month: 'short', year: 'numeric'} : {day: '2-digit', month: '2-digit', year: '2-digit'};
    var fmt = new Intl.DateTimeFormat(LOCALE, Object.assign({timeZone: 'Europe/Berlin'}, opts));
    return {stroke: '#1a1a1a', grid: {stroke: '#e4e1da'}, ticks: {stroke: '#c9c5bc'}, size: 44,
            values: function (u, splits) { return splits.map(function (t) { return fmt.format(new Date(t * 1000)); }); }};
  }
  function timeSeries() {
    var fmt = new Intl.DateTimeFormat(LOCALE, {timeZone: 'Europe/Berlin', dateStyle: 'medium', timeStyle: 'short'});
    return {label: TEXT.time, value: function (u, t) { return t === null || t === undefined ? '–' : fmt.format(new Date(t * 1000)); }};
  }

  function renderCharts() {
    destroyPlots();
    var d = state.data;
    var xs = d.buckets.map(ts);
    var many = xs.length <= 120;
    var tz = function (t) { return uPlot.tzDate(new Date(t * 1000), 'Europe/Berlin'); };
    var weekOn = $('cmp-week').checked, yearOn = $('cmp-year').checked;

    var data1 = [xs], series1 = [timeSeries()];
    d.zones.forEach(function (z, i) {
      var color = COLORS[i % COLORS.length];
      data1.push(z.footfall.count);
      series1.push({label: z.name, stroke: color, width: 2, spanGaps: false, points: {show: many, size: 5},
                    value: function (u, v, si, idx) {
                      if (idx === null || idx === undefined) return '–';
                      if (v === null || v === undefined) return TEXT.noData;
                      return num(v) + (isPartial(z.footfall.hours, idx) ? ' (' + TEXT.partial(z.footfall.hours[idx], state.spans[idx]) + ')' : '');
                    }});
      if (weekOn && z.week_before) {
        data1.push(completeOnly(z.week_before));
        series1.push({label: z.name + ' – ' + TEXT.weekBefore, stroke: color, width: 1.5, dash: [6, 4], spanGaps: false,
                      points: {show: false}, value: function (u, v) { return num(v); }});
      }
      if (yearOn && z.year_before) {
        data1.push(completeOnly(z.year_before));
        series1.push({label: z.name + ' – ' + TEXT.yearBefore, stroke: color, width: 1.5, dash: [2, 3], spanGaps: false,
                      points: {show: false}, value: function (u, v) { return num(v); }});
      }
    });
    var node1 = $('chart-footfall');
    node1.textContent = '';
    var sync = uPlot.sync('marktplatz');
    var common = {tzDate: tz, cursor: {sync: {key: sync.key}}, legend: {live: true}};
    var u1 = new uPlot(Object.assign({}, common, {
      width: chartWidth(node1), height: 320, series: series1,
      axes: [timeAxis(), {stroke: '#1a1a1a', grid: {stroke: '#e4e1da'}, size: 60, values: function (u, vals) { return vals.map(function (v) { return num(v); }); }}],
      hooks: {drawClear: [partialBands, eventBands]}
    }), data1, node1);

    var data2 = [xs], series2 = [timeSeries()];
    var bars = uPlot.paths && uPlot.paths.bars ? uPlot.paths.bars({size: [0.6, 40]}) : undefined;
    d.zones.forEach(function (z, i) {
      var color = COLORS[i % COLORS.length];
      data2.push(z.vouchers.redemptions);
      series2.push({label: TEXT.redemptions + ' ' + z.name, stroke: color, fill: color + '55', paths: bars, scale: 'r',
                    points: {show: false}, value: function (u, v) { return num(v); }});
      if (z.wlan) {
        data2.push(z.wlan.sessions);
        series2.push({label: TEXT.wlan + ' ' + z.name, stroke: color, width: 2, dash: [8, 3], scale: 's', spanGaps: false,
                      points: {show: many, size: 4}, value: function (u, v) { return v === null || v === undefined ? '–' : num(v); }});
      }
    });
    var node2 = $('chart-activity');
    node2.textContent = '';
    var u2 = new uPlot(Object.assign({}, common, {
      width: chartWidth(node2), height: 220, series: series2,
      scales: {r: {range: function (u, lo, hi) { return [0, Math.max(1, hi)]; }}},
      axes: [timeAxis(), {scale: 'r', stroke: '#1a1a1a', grid: {stroke: '#e4e1da'}, size: 50, label: TEXT.redemptions},
             {scale: 's', side: 1, stroke: '#1a1a1a', grid: {show: false}, size: 50, label: TEXT.wlan}],
      hooks: {drawClear: [partialBands, eventBands]}
    }), data2, node2);
    state.plots = [u1, u2];
    var notes = [];
    if (anyPartial()) notes.push(TEXT.partialNote);
    if ((weekOn || yearOn) && d.zones.some(function (z) {
      return [z.week_before, z.year_before].some(function (c) { return c && c.hours.some(function (h, i) { return h > 0 && h < state.spans[i]; }); });
    })) notes.push(TEXT.partialCmp);
    $('partial-note').textContent = notes.join(' ');
    show($('partial-note'), notes.length > 0);
  }

  /* The numbers behind the chart, one row per period; partial periods are marked in words, not only by colour. */
  function renderBucketTable() {
    var d = state.data, table = $('buckets');
    table.textContent = '';
    var fmt = new Intl.DateTimeFormat(LOCALE, d.resolution === 'hour'
      ? {timeZone: 'Europe/Berlin', dateStyle: 'medium', timeStyle: 'short'} : {timeZone: 'Europe/Berlin', dateStyle: 'medium'});
    var head = el('tr');
    head.appendChild(el('th', {scope: 'col'}, TEXT.start));
    d.zones.forEach(function (z) { head.appendChild(el('th', {scope: 'col'}, z.name + ': ' + TEXT.footfall)); });
    head.appendChild(el('th', {scope: 'col'}, TEXT.note));
    var thead = el('thead'); thead.appendChild(head); table.appendChild(thead);
    var body = el('tbody');
    d.buckets.forEach(function (b, i) {
      var notes = [];
      var row = el('tr');
      row.appendChild(el('th', {scope: 'row'}, fmt.format(new Date(b))));
      d.zones.forEach(function (z) {
        var partial = isPartial(z.footfall.hours, i);
        var v = z.footfall.count[i];
        row.appendChild(el('td', {'class': 'num' + (partial ? ' partial' : '')}, v === null ? TEXT.noData : num(v) + (partial ? '*' : '')));
        if (partial) notes.push((d.zones.length > 1 ? z.name + ': ' : '') + TEXT.partial(z.footfall.hours[i], state.spans[i]));
      });
      row.appendChild(el('td', {}, notes.join('; ')));
      if (notes.length) { row.className = 'partial'; row.setAttribute('data-partial', 'true'); }
      body.appendChild(row);
    });
    table.appendChild(body);
  }

  function renderEvents() {
    var list = $('events');
    list.textContent = '';
    var fmt = new Intl.DateTimeFormat(LOCALE, {timeZone: 'Europe/Berlin', dateStyle: 'medium', timeStyle: 'short'});
    var events = state.data.events || [];
    if (!events.length) { list.appendChild(el('li', {'class': 'none'}, TEXT.noEvents)); return; }
    events.forEach(function (ev, i) {
      var li = el('li', {'class': 'event ' + (i % 2 ? 'b' : 'a')});
      li.appendChild(el('strong', {}, ev.name));
      li.appendChild(document.createTextNode(' – ' + fmt.format(new Date(ev.starts_at)) + ' – ' + fmt.format(new Date(ev.ends_at))));
      list.appendChild(li);
    });
  }

  function luminance(rgb) {
    var c = rgb.map(function (v) { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
    return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
  }

  function renderHeatmaps() {
    var box = $('heatmaps');
    box.textContent = '';
    var low = [238, 246, 240], high = [11, 93, 59];
    state.heat.zones.forEach(function (z) {
      var max = 0;
      z.values.forEach(function (row) { row.forEach(function (v) { if (v !== null && v > max) max = v; }); });
      var wrap = el('div', {'class': 'table-wrap', tabindex: '0', role: 'region', 'aria-label': TEXT.heatCaption(z.name) + ' (' + TEXT.scroll + ')'});
      var table = el('table', {'class': 'heatmap', 'data-zone': z.zone});
      table.appendChild(el('caption', {}, TEXT.heatCaption(z.name)));
      var head = el('tr');
      head.appendChild(el('td'));
      for (var h = 0; h < 24; h++) head.appendChild(el('th', {scope: 'col', title: TEXT.hourShort(h)}, String(h)));
      var thead = el('thead'); thead.appendChild(head); table.appendChild(thead);
      var tbody = el('tbody');
      z.values.forEach(function (row, day) {
        var tr = el('tr');
        tr.appendChild(el('th', {scope: 'row', title: TEXT.weekdaysLong[day]}, TEXT.weekdays[day]));
        row.forEach(function (v) {
          var td = el('td', {}, v === null ? '–' : num(v));
          if (v === null) { td.className = 'gap'; }
          else {
            var t = max ? v / max : 0;
            var rgb = low.map(function (l, k) { return Math.round(l + (high[k] - l) * t); });
            td.style.background = 'rgb(' + rgb.join(',') + ')';
            td.style.color = luminance(rgb) > 0.179 ? '#000' : '#fff';
          }
          tr.appendChild(td);
        });
        tbody.appendChild(tr);
      });
      table.appendChild(tbody);
      wrap.appendChild(table);
      box.appendChild(wrap);
    });
  }

  // --- CSV: the API's own export of exactly the query on screen -------------------------------------------
  function download(kind) {
    var q = state.query;
    if (!q) return;
    var path = kind === 'heatmap'
      ? '/api/v1/stats/heatmap?' + queryString(q, {format: 'csv'})
      : '/api/v1/stats/footfall?' + queryString(q, {resolution: q.resolution, format: 'csv'});
    fetch(path, {headers: {'Authorization': 'Bearer ' + state.token}, cache: 'no-store'})
      .then(function (r) { if (!r.ok) throw new Error(String(r.status)); return r.blob(); })
      .then(function (blob) {
        var a = document.createElement('a');
        a.href = URL.createObjectURL(blob);
        a.download = kind === 'heatmap' ? 'passanten-heatmap-' + q.from + '-' + q.to + '.csv'
                                        : 'passanten-' + q.resolution + '-' + q.from + '-' + q.to + '.csv';
        a.hidden = true;
        document.body.appendChild(a);
        a.click();
        a.remove();
        setTimeout(function () { URL.revokeObjectURL(a.href); }, 1000);
      }, function () { $('query-msg').textContent = TEXT.network; });
  }
  $('csv').addEventListener('click', function () { download('footfall'); });
  $('csv-heatmap').addEventListener('click', function () { download('heatmap'); });

  var resizeTimer = null;
  window.addEventListener('resize', function () {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(function () {
      state.plots.forEach(function (p) { p.setSize({width: chartWidth(p.root.parentNode), height: p.height}); });
    }, 150);
  });

  // --- start ----------------------------------------------------------------------------------------------
  var saved = localStorage.getItem(TOKEN_STORE);
  if (saved) login(saved).catch(function () { show($('login'), true); });
  else show($('login'), true);
})();
