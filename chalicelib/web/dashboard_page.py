"""The marketing dashboard (/dashboard): footfall, comparisons, events, redemptions and WLAN on one time axis,
the weekday x hour heatmap, totals and the CSV of what is shown. A shell; dashboard.js talks to the stats API."""

from __future__ import annotations

import json

from chalice import Response

from chalicelib.web.layout import page, t

RESOLUTIONS = (("hour", "Stunde", "Hour"), ("day", "Tag", "Day"), ("week", "Woche", "Week"), ("month", "Monat", "Month"))


def dashboard_page(lang: str) -> Response:
    from chalicelib.footfall.timeseries import MAX_BUCKETS  # the page checks the API's limits before asking

    options = "".join(f'<option value="{v}"{" selected" if v == "day" else ""}>{t(lang, de, en)}</option>'
                      for v, de, en in RESOLUTIONS)
    body = f"""
<noscript><p class="error">{t(lang, 'Diese Seite braucht JavaScript.', 'This page needs JavaScript.')}</p></noscript>
<section id="login" aria-labelledby="login-h" hidden>
  <h1 id="login-h">{t(lang, 'Passantenfrequenz – Anmeldung', 'Footfall – sign in')}</h1>
  <p>{t(lang, 'Melden Sie sich mit dem Zugangsschlüssel an, den Sie vom Stadtmarketing erhalten haben.',
        'Sign in with the access token you received from city marketing.')}</p>
  <form id="login-form" novalidate>
    <label for="token">{t(lang, 'Zugangsschlüssel', 'Access token')}</label>
    <input id="token" type="password" autocomplete="off" spellcheck="false" required>
    <button type="submit">{t(lang, 'Anmelden', 'Sign in')}</button>
    <p id="login-error" class="error" role="alert"></p>
  </form>
</section>

<div id="board" hidden>
  <div class="board-head">
    <h1 id="board-h">{t(lang, 'Passantenfrequenz', 'Footfall')}</h1>
    <button type="button" id="logout" class="link">{t(lang, 'Abmelden', 'Sign out')}</button>
  </div>
  <form id="query" class="query" aria-label="{t(lang, 'Auswahl', 'Selection')}" novalidate
        data-max-buckets='{json.dumps(MAX_BUCKETS)}'>
    <fieldset id="zones"><legend>{t(lang, 'Zonen', 'Zones')}</legend></fieldset>
    <div class="field"><label for="from">{t(lang, 'Von', 'From')}</label><input id="from" type="date" required></div>
    <div class="field"><label for="to">{t(lang, 'Bis', 'To')}</label><input id="to" type="date" required></div>
    <div class="field"><label for="resolution">{t(lang, 'Auflösung', 'Resolution')}</label>
      <select id="resolution">{options}</select></div>
    <fieldset class="compare"><legend>{t(lang, 'Vergleich', 'Compare')}</legend>
      <label><input type="checkbox" id="cmp-week" checked> {t(lang, 'Vorwoche', 'Week before')}</label>
      <label><input type="checkbox" id="cmp-year" checked> {t(lang, 'Vorjahr', 'Year before')}</label>
    </fieldset>
    <div class="field submit"><button type="submit" id="load">{t(lang, 'Anzeigen', 'Show')}</button></div>
  </form>
  <p id="query-msg" class="msg" role="status" aria-live="polite"></p>
  <p id="widened" class="widened" data-testid="widened" hidden></p>

  <section id="results" aria-labelledby="totals-h" hidden>
    <h2 id="totals-h">{t(lang, 'Summen', 'Totals')}</h2>
    <div class="table-wrap" tabindex="0" role="region" aria-labelledby="totals-h"><table id="totals" class="totals"></table></div>

    <h2 id="chart-h">{t(lang, 'Passanten im Zeitverlauf', 'Footfall over time')}</h2>
    <p class="legend-note">{t(lang, 'Lücken in der Linie: keine Messwerte. Gestrichelt: gleicher Wochentag eine Woche bzw. 364 Tage früher. Farbige Bänder: Veranstaltungen.',
      'Breaks in a line: no measurements. Dashed: the same weekday one week or 364 days earlier. Coloured bands: events.')}</p>
    <p id="partial-note" class="partial-note" data-testid="partial-note" hidden></p>
    <div id="chart-footfall" class="chart" role="img" aria-labelledby="chart-h"></div>
    <h2 id="chart2-h">{t(lang, 'Gutschein-Einlösungen und WLAN-Sitzungen', 'Voucher redemptions and WLAN sessions')}</h2>
    <div id="chart-activity" class="chart" role="img" aria-labelledby="chart2-h"></div>
    <ul id="events" class="events"></ul>
    <details class="bucket-table"><summary id="buckets-h">{t(lang, 'Werte je Zeitabschnitt (Tabelle)', 'Values per period (table)')}</summary>
      <div class="table-wrap" tabindex="0" role="region" aria-labelledby="buckets-h"><table id="buckets" class="totals"></table></div>
    </details>
    <p class="downloads"><button type="button" id="csv" class="secondary">{t(lang, 'CSV herunterladen (Zeitreihe)', 'Download CSV (time series)')}</button>
      <button type="button" id="csv-heatmap" class="secondary">{t(lang, 'CSV herunterladen (Heatmap)', 'Download CSV (heatmap)')}</button></p>

    <h2 id="heat-h">{t(lang, 'Durchschnitt nach Wochentag und Stunde', 'Average by weekday and hour')}</h2>
    <div id="heatmaps"></div>
  </section>
</div>
<script src="/static/vendor/uPlot.iife.min.js" defer></script>
<script src="/static/js/dashboard-time.js" defer></script>
<script src="/static/js/dashboard.js" defer></script>"""
    head = ('<link rel="stylesheet" href="/static/vendor/uPlot.min.css">\n'
            '<link rel="stylesheet" href="/static/css/dashboard.css">')
    return page(t(lang, "Passantenfrequenz", "Footfall dashboard"), body, lang, head=head,
                lang_switch_path="/dashboard", headers={"Cache-Control": "no-cache", "X-Robots-Tag": "noindex"})
