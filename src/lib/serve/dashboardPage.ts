/**
 * The dashboard at GET /: one static page and one script over the JSON API, with nothing from the
 * internet (no CDN, no fonts). With `serve --token`, open it as /#token=<token>: the script keeps
 * the token in the tab's sessionStorage and sends it as a Bearer header; the page itself holds no
 * data. Charts are the lake's own SVGs (EDA from `recomart profile`, the leaderboard rendered by
 * the server), fetched with the header and shown as images.
 */
export const DASHBOARD_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>recomart</title>
<link rel="icon" href="data:,">
<style>
  body { font: 14px/1.45 system-ui, sans-serif; margin: 0; color: #1b1f24; background: #f6f7f9; }
  header { background: #1b1f24; color: #fff; padding: 12px 24px; display: flex; gap: 24px; align-items: baseline; }
  header h1 { font-size: 18px; margin: 0; }
  header span { color: #b8c0cc; font-size: 13px; }
  main { padding: 16px 24px; display: grid; grid-template-columns: repeat(auto-fit, minmax(520px, 1fr)); gap: 16px; }
  section { background: #fff; border: 1px solid #dde1e6; border-radius: 6px; padding: 12px 16px; overflow-x: auto; }
  section.wide { grid-column: 1 / -1; }
  h2 { font-size: 15px; margin: 0 0 8px; }
  table { border-collapse: collapse; width: 100%; font-size: 13px; }
  th, td { text-align: left; padding: 3px 8px; border-bottom: 1px solid #eef0f3; white-space: nowrap; }
  #recommendations td:last-child { white-space: normal; }
  td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
  .ok { color: #2e7d32; } .bad { color: #c62828; } .muted { color: #6b7480; }
  .charts { display: flex; flex-wrap: wrap; gap: 12px; }
  .charts figure { margin: 0; } .charts img { max-width: 420px; display: block; }
  .charts figcaption { font-size: 12px; color: #6b7480; }
  form { display: flex; gap: 8px; margin-bottom: 8px; }
  input { font: inherit; padding: 4px 8px; }
  .pair { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: 16px; }
  .pair > div { overflow-x: auto; }
  #error { color: #c62828; }
</style>
</head>
<body>
<header><h1>recomart</h1><span id="served">loading…</span></header>
<main>
  <p id="error" class="wide" hidden></p>
  <section id="lookup" class="wide">
    <h2>User lookup</h2>
    <form id="lookup-form"><input id="user" name="user" placeholder="user id, e.g. CUST001" required>
      <input id="k" name="k" type="number" min="1" max="100" value="10" aria-label="k">
      <button type="submit">Recommend</button></form>
    <p id="lookup-note" class="muted"></p>
    <div class="pair">
      <div><h2>Recent history</h2><table id="history"></table></div>
      <div><h2>Recommendations</h2><table id="recommendations"></table></div>
    </div>
  </section>
  <section id="status"><h2>Lake status</h2><table id="sources"></table><p id="silver" class="muted"></p></section>
  <section id="runs"><h2>Last runs</h2><table id="run-table"></table></section>
  <section id="quality"><h2>Data quality</h2><p id="quality-summary"></p><table id="failing"></table></section>
  <section id="features"><h2>Feature views served</h2><table id="feature-table"></table></section>
  <section id="models" class="wide"><h2>Model leaderboard</h2><p id="board-note" class="muted"></p>
    <div class="charts" id="board-chart"></div><table id="leaderboard"></table></section>
  <section id="eda" class="wide"><h2>Exploratory analysis</h2><div class="charts" id="eda-charts"></div></section>
</main>
<script src="/dashboard.js"></script>
</body>
</html>
`;

export const DASHBOARD_JS = String.raw`'use strict';
(function () {
  const hash = new URLSearchParams(location.hash.slice(1));
  if (hash.get('token')) { sessionStorage.setItem('recomart-token', hash.get('token')); history.replaceState(null, '', location.pathname + location.search); }
  const token = sessionStorage.getItem('recomart-token');
  const headers = token ? { Authorization: 'Bearer ' + token } : {};
  const $ = (id) => document.getElementById(id);
  const text = (v) => (v === null || v === undefined ? '' : String(v));
  const num = (v, d) => (typeof v === 'number' ? v.toFixed(d) : text(v));

  async function get(url, as) {
    const res = await fetch(url, { headers });
    if (!res.ok) {
      let message = res.status + ' ' + res.statusText;
      try { message = (await res.json()).message || message; } catch (e) { /* not JSON */ }
      throw new Error(url + ': ' + message);
    }
    return as === 'blob' ? res.blob() : res.json();
  }
  function showError(e) { const p = $('error'); p.hidden = false; p.textContent = e.message; }
  function table(el, head, rows, numeric) {
    el.replaceChildren();
    const tr = document.createElement('tr');
    head.forEach((h, i) => { const th = document.createElement('th'); th.textContent = h; if (numeric.includes(i)) th.className = 'num'; tr.append(th); });
    el.append(tr);
    for (const row of rows) {
      const r = document.createElement('tr');
      row.forEach((v, i) => { const td = document.createElement('td'); td.textContent = text(v); if (numeric.includes(i)) td.className = 'num'; r.append(td); });
      el.append(r);
    }
  }
  async function chart(container, url, caption) {
    const figure = document.createElement('figure');
    const img = document.createElement('img');
    img.alt = caption;
    img.src = URL.createObjectURL(await get(url, 'blob'));
    const cap = document.createElement('figcaption'); cap.textContent = caption;
    figure.append(img, cap);
    container.append(figure);
  }

  async function overview() {
    const d = await get('/v1/dashboard');
    const s = d.served;
    $('served').textContent = 'serving ' + Object.entries(s.models).map(([m, v]) => m + ' v' + v).join(', ') +
      ' · features ' + Object.entries(s.features).map(([f, v]) => f + ' v' + v).join(', ') +
      ' · default model ' + text(s.default_model) + ' · loaded ' + s.loaded_at + ' (generation ' + s.generation + ')';
    table($('sources'), ['source', 'files', 'records', 'quarantined', 'newest partition', 'last ingest'],
      d.status.sources.map((x) => [x.source, x.files, x.records, x.quarantined_records, x.newest_partition, x.last_ingest]), [1, 2, 3]);
    $('silver').textContent = d.status.silver ? 'silver built ' + d.status.silver.built_at + ': ' + d.status.silver.interactions + ' interactions, ' + d.status.silver.excluded + ' rows excluded' : 'no silver zone yet (recomart prepare)';
    table($('run-table'), ['run', 'started', 'outcome', 'exit', 'seconds', 'stages failed'],
      d.runs.map((r) => [r.run_id, r.started_at, r.outcome || r.status, r.exit_code, num((r.duration_ms || 0) / 1000, 1), r.stages.filter((x) => x.outcome === 'failed').map((x) => x.stage).join(', ')]), [3, 4]);
    const q = d.quality;
    const qs = $('quality-summary');
    qs.replaceChildren();
    if (!q) qs.textContent = 'no validation yet (recomart validate)';
    else {
      const span = document.createElement('span');
      span.className = q.summary.failed > 0 ? 'bad' : 'ok';
      span.textContent = q.summary.passed + ' passed, ' + q.summary.failed + ' failed, ' + q.summary.warned + ' warned (' + q.created_at + ') ';
      qs.append(span);
      if (q.report) { const a = document.createElement('a'); a.href = q.report; a.textContent = 'newest report'; a.id = 'report-link'; qs.append(a); }
      table($('failing'), ['dataset', 'check', 'severity', 'failing', '%'], q.failing.map((c) => [c.dataset, c.check, c.severity, c.failing, num(c.percent, 2)]), [3, 4]);
    }
    table($('feature-table'), ['view', 'version', 'as of', 'rows', 'entities', 'columns'],
      d.features.map((f) => [f.view, 'v' + f.version, f.as_of, f.rows, f.entities, f.columns]), [3, 4, 5]);
    if (d.leaderboard) {
      const b = d.leaderboard;
      $('board-note').textContent = 'trained as of ' + b.as_of + ', tested on purchases in the next ' + b.horizon_days + ' days (' + b.test_users.purchases + ' users)';
      const m = ['ndcg@10', 'precision@10', 'recall@10', 'map@10', 'hit_rate@10', 'coverage@10'];
      table($('leaderboard'), ['model'].concat(m), b.rows.map((r) => [r.model].concat(m.map((k) => num(r.metrics[k], 4)))), [1, 2, 3, 4, 5, 6]);
      await chart($('board-chart'), '/v1/dashboard/leaderboard.svg', 'NDCG, recall and hit rate at 10');
    } else $('board-note').textContent = 'no evaluation yet (recomart evaluate)';
    for (const c of d.eda) await chart($('eda-charts'), c.url, c.name.replace(/_/g, ' '));
    document.body.dataset.loaded = 'true';
  }

  async function lookup(user, k) {
    const [h, r] = await Promise.all([
      get('/v1/dashboard/history?user=' + encodeURIComponent(user)),
      get('/v1/recommendations?user=' + encodeURIComponent(user) + '&k=' + encodeURIComponent(k)),
    ]);
    table($('history'), ['item', 'name', 'category', 'events', 'bought', 'last seen'],
      h.items.map((i) => [i.item_id, i.name, i.category, i.events, i.purchases, i.last_ts]), [3, 4]);
    table($('recommendations'), ['#', 'item', 'name', 'score', 'reason'],
      r.items.map((i) => [i.rank, i.item_id, i.name, num(i.score, 4), i.reason]), [0, 3]);
    $('lookup-note').textContent = (r.kind === 'cold_start' ? 'cold-start list (no history the model can use): ' : '') +
      'model ' + r.model + ' v' + r.version + ', as of ' + r.as_of + ', request ' + r.request_id;
    document.body.dataset.lookup = user;
  }

  $('lookup-form').addEventListener('submit', (e) => {
    e.preventDefault();
    lookup($('user').value.trim(), $('k').value).catch(showError);
  });
  overview().catch(showError);
})();
`;
