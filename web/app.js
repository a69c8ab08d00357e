/* edgeward dashboard: hash-routed views over the HTTP API v1 (docs: api.md).
 *
 * Rules this file keeps:
 * - Every string that came from the network (device names, banners, user
 *   agents, alert text) reaches the page through textContent / text nodes
 *   (el() below); there is no innerHTML anywhere.
 * - The token lives in sessionStorage and travels only in the Authorization
 *   header; a 401 brings up the token form.
 * - New alerts arrive by polling /api/v1/alerts?after_id=N every 5 s
 *   (EventSource cannot send an Authorization header).
 * - All requests are relative, same-origin; nothing is loaded from elsewhere. */
'use strict';
(() => {
  const TOKEN_KEY = 'edgeward.token';
  const POLL_MS = 5000;
  const SEV_NAME = { 1: 'high', 2: 'medium', 3: 'low' };
  const SEV_COLOR = { 1: '#d32f2f', 2: '#ef6c00', 3: '#c99700' };
  const $ = (sel) => document.querySelector(sel);

  let token = '';
  let newestId = null;      /* newest alert id seen; null until the first poll */
  let newCount = 0;         /* alerts that arrived since the alerts view was last open */
  let pollTimer = 0;
  let renderSeq = 0;
  let charts = [];          /* uPlot instances of the current view */
  let mounts = [];          /* run after a view is in the DOM (charts need its width) */
  let deviceQuery = '';
  let alertFilter = { severity: '', acked: '' };

  class AuthError extends Error {}

  /* el('td', {class: 'x', 'data-key': k}, child, 'text', ...): strings become
   * text nodes, never markup. */
  function el(tag, props, ...kids) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(props || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === 'class') e.className = v;
      else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, v === true ? '' : String(v));
    }
    for (const c of kids.flat(Infinity)) {
      if (c === null || c === undefined || c === false) continue;
      e.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return e;
  }

  /* ---- formatting ------------------------------------------------------ */
  const pad = (n) => String(n).padStart(2, '0');
  function fmtTime(ns) {
    if (ns === null || ns === undefined) return '-';
    const d = new Date(Number(ns) / 1e6);
    if (isNaN(d)) return '-';
    return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ` +
      `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
  }
  /* RFC 3339 strings from the store ("2023-11-14T22:25:20.387575+0000") */
  function fmtIso(s) {
    if (typeof s !== 'string') return '-';
    return s.replace('T', ' ').replace(/\.\d+/, '').replace(/\+0000$|Z$/, '');
  }
  function fmtNum(n) {
    if (n === null || n === undefined) return '-';
    const a = Math.abs(n);
    if (a >= 1e9) return (n / 1e9).toFixed(1) + ' G';
    if (a >= 1e6) return (n / 1e6).toFixed(1) + ' M';
    if (a >= 1e4) return (n / 1e3).toFixed(1) + ' k';
    return String(Math.round(n));
  }
  const enc = encodeURIComponent;
  const orDash = (v) => (v === null || v === undefined || v === '' ? '-' : v);

  /* ---- API ------------------------------------------------------------- */
  async function api(path, opts = {}) {
    if (!token) {
      showTokenForm('');
      throw new AuthError('no token');
    }
    const headers = { Authorization: 'Bearer ' + token };
    if (opts.body !== undefined) headers['Content-Type'] = 'application/json';
    const r = await fetch(path, {
      method: opts.method || 'GET', headers, cache: 'no-store', credentials: 'omit',
      body: opts.body !== undefined ? JSON.stringify(opts.body) : undefined,
    });
    if (r.status === 401) {
      showTokenForm('The server refused this token.');
      throw new AuthError('unauthorized');
    }
    let j = null;
    try { j = await r.json(); } catch (_) { /* not JSON: reported below */ }
    if (!r.ok) throw new Error((j && j.error && j.error.message) || `HTTP ${r.status}`);
    if (j === null) throw new Error('the server sent no JSON');
    return j;
  }

  /* ---- token ----------------------------------------------------------- */
  function takeTokenFromHash() {
    const m = /^#token=([^&]*)/.exec(location.hash);
    if (!m) return;
    try { setToken(decodeURIComponent(m[1])); } catch (_) { setToken(''); }
    /* out of the address bar and the history */
    history.replaceState(null, '', location.pathname + location.search + '#/');
  }
  function setToken(t) {
    token = t.trim();
    if (token) sessionStorage.setItem(TOKEN_KEY, token);
    else sessionStorage.removeItem(TOKEN_KEY);
  }
  function showTokenForm(msg) {
    stopPolling();
    const f = $('#token-form');
    const m = $('#token-msg');
    if (msg) { m.textContent = msg; m.className = 'err'; }
    $('#view').hidden = true;
    if (f.hidden) { f.hidden = false; $('#token-input').focus(); }
    setStatus('');
  }
  function onTokenSubmit(ev) {
    ev.preventDefault();
    setToken($('#token-input').value);
    $('#token-input').value = '';
    if (token) resume();
  }
  function resume() {
    $('#token-form').hidden = true;
    $('#view').hidden = false;
    newestId = null;
    render();
    startPolling();
  }

  function setStatus(text, isErr) {
    const s = $('#status');
    s.textContent = text;
    s.className = 'status' + (isErr ? ' err' : '');
  }

  /* ---- charts ---------------------------------------------------------- */
  const INT_INCRS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1e3, 2e3, 5e3, 1e4, 2e4, 5e4, 1e5, 1e6, 1e7, 1e8, 1e9];
  /* 24-hour UTC labels, with the date once the span passes a day */
  function timeAxis(u, vs) {
    const span = vs.length > 1 ? vs[vs.length - 1] - vs[0] : 0;
    return vs.map((v) => { const t = fmtTime(v * 1e9); return span >= 86400 ? t.slice(5, 16) : t.slice(11, 16); });
  }
  /* uPlot in UTC so chart times match the table times */
  const utc = (ts) => (typeof uPlot === 'function' ? uPlot.tzDate(new Date(ts * 1e3), 'Etc/UTC') : new Date(ts * 1e3));
  function chart(box, opts, data) {
    if (typeof uPlot !== 'function') {
      box.append(el('p', { class: 'muted' }, 'chart library not loaded'));
      return;
    }
    const width = Math.max(280, box.clientWidth - 4);
    const u = new uPlot(Object.assign({ width, height: 220, tzDate: utc }, opts), data, box);
    u.edgewardBox = box;
    charts.push(u);
  }
  window.addEventListener('resize', () => {
    for (const u of charts) u.setSize({ width: Math.max(280, u.edgewardBox.clientWidth - 4), height: 220 });
  });

  /* ---- shared pieces --------------------------------------------------- */
  function sevBadge(s) { return el('span', { class: 'sev s' + s, title: SEV_NAME[s] || '' }, SEV_NAME[s] || String(s)); }
  function openAlerts(o) {
    const span = el('span', { class: 'sevs' });
    for (const s of [1, 2, 3]) {
      const n = o ? Number(o[String(s)] || 0) : 0;
      if (n > 0) span.append(el('span', { class: 'sev s' + s, title: `${n} open ${SEV_NAME[s]}` }, n));
    }
    if (!span.childNodes.length) span.append(el('span', { class: 'muted' }, '-'));
    return span;
  }
  function deviceLink(key, label) {
    return el('a', { href: '#/device/' + enc(key) }, label || key);
  }
  function panel(title, ...kids) { return el('section', { class: 'panel' }, title ? el('h2', null, title) : null, ...kids); }
  function simpleTable(cols, rows) {
    const cls = (c) => (c.num ? 'num' : c.nowrap ? 'nowrap' : null);
    return el('div', { class: 'table-wrap' }, el('table', null,
      el('thead', null, el('tr', null, cols.map((c) => el('th', { class: cls(c) }, c.title)))),
      el('tbody', null, rows.map((r) => el('tr', null, cols.map((c) => el('td', { class: cls(c) }, c.get(r))))))));
  }

  function alertItem(a) {
    const ev = a.event || {};
    const explain = ev.explain && typeof ev.explain.text === 'string' ? ev.explain.text : '';
    const meta = (ev.alert && ev.alert.metadata) || {};
    const mitre = Array.isArray(meta.mitre_technique_id) ? meta.mitre_technique_id.join(', ') : '';
    const count = ev.episode && ev.episode.count;
    // a progress report: the episode was still going on when it was written
    const going = ev.episode && ev.episode.ongoing === true;
    const li = el('li', { class: `alert-item sev-${a.severity}${a.acked ? ' acked' : ''}`, 'data-id': a.id });
    const actions = el('span', { class: 'alert-actions' });
    if (a.acked) {
      actions.append(el('span', { class: 'chip' }, a.expected ? 'expected' : 'acknowledged'));
    } else {
      const ack = (expected) => async () => {
        try {
          const r = await api(`api/v1/alerts/${enc(a.id)}/ack`, { method: 'POST', body: { expected } });
          li.replaceWith(alertItem(r));
        } catch (e) { if (!(e instanceof AuthError)) setStatus('ack failed: ' + e.message, true); }
      };
      actions.append(el('button', { type: 'button', onclick: ack(false), title: 'mark as seen' }, 'Ack'),
        el('button', { type: 'button', onclick: ack(true), title: 'acknowledge as expected behaviour' }, 'Expected'));
    }
    li.append(
      el('div', { class: 'alert-head' }, sevBadge(a.severity), el('span', { class: 'alert-sig' }, a.signature || '-'),
        el('span', { class: 'chip' }, a.category || '-'),
        going ? el('span', { class: 'chip ongoing', title: 'progress report: the episode was still going on' }, 'going on') : null, actions),
      el('div', { class: 'alert-meta' },
        `#${a.id} · ${fmtTime(a.ts_start_ns)}`, a.ts_end_ns > a.ts_start_ns ? ` → ${fmtTime(a.ts_end_ns)}` : '',
        count ? ` · ${count}×` : '', ' · ', a.src_ip || '-', a.dest_ip ? ` → ${a.dest_ip}` : '',
        a.device_key ? [' · device ', deviceLink(a.device_key)] : '', mitre ? ` · MITRE ${mitre}` : ''),
      el('p', { class: 'alert-explain' }, explain || '(no explanation)'));
    return li;
  }

  /* ---- views ----------------------------------------------------------- */
  async function viewOverview() {
    const [ov, recent] = await Promise.all([api('api/v1/overview?days=30'), api('api/v1/alerts?limit=5')]);
    const bySev = ov.alerts_by_severity || {};
    const card = (cls, num, lbl) => el('div', { class: 'card ' + cls }, el('div', { class: 'num' }, num), el('div', { class: 'lbl' }, lbl));
    const cards = el('div', { class: 'cards' }, card('', fmtNum(ov.devices), 'devices'),
      [1, 2, 3].map((s) => card('sev-' + s, fmtNum(bySev[s] || 0), SEV_NAME[s] + ' severity alerts')));

    const classes = Object.entries(ov.devices_by_class || {}).sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? -1 : 1));
    const max = Math.max(1, ...classes.map((c) => c[1]));
    const classTable = simpleTable([
      { title: 'Class', get: (c) => c[0] || 'unknown' },
      { title: 'Devices', num: true, get: (c) => c[1] },
      { title: '', get: (c) => { const b = el('div', { class: 'bar' }); b.style.width = (100 * c[1] / max).toFixed(1) + '%'; return b; } },
    ], classes);

    const days = ov.alerts_per_day || [];
    const box = el('div', { id: 'overview-chart', class: 'chart' });
    if (days.length) {
      mounts.push(() => {
        /* x is the day's index: one bar per day, labelled MM-DD */
        const x = days.map((d, i) => i);
        const dayOf = (v) => (Number.isInteger(v) && days[v] ? days[v].day : '');
        const raw = [1, 2, 3].map((s) => days.map((d) => Number(d[String(s)] || 0)));
        /* stacked by drawing cumulative bars, tallest first */
        const cum = [raw[0].map((v, i) => v + raw[1][i] + raw[2][i]), raw[0].map((v, i) => v + raw[1][i]), raw[0]];
        const bars = typeof uPlot === 'function' ? uPlot.paths.bars({ size: [0.7, 40] }) : null;
        const ser = (s) => ({
          label: SEV_NAME[s], fill: SEV_COLOR[s], stroke: SEV_COLOR[s], paths: bars, points: { show: false },
          value: (u, v, si, idx) => (idx === null ? '-' : String(raw[s - 1][idx])), width: 0,
        });
        chart(box, {
          series: [{ label: 'day', value: (u, v) => dayOf(v) || '-' }, ser(3), ser(2), ser(1)],
          axes: [{ incrs: [1, 2, 5, 7, 14, 30, 60], values: (u, vs) => vs.map((v) => dayOf(v).slice(5)) },
            { label: 'alerts / day', incrs: INT_INCRS, values: (u, vs) => vs.map(fmtNum) }],
          scales: { x: { time: false, range: () => [-0.6, days.length - 0.4] },
            y: { range: (u, lo, hi) => [0, Math.max(1, hi) * 1.1] } },
        }, [x, cum[0], cum[1], cum[2]]);
      });
    } else box.append(el('p', { class: 'muted' }, 'no alerts yet'));

    const list = el('ul', { class: 'alert-list' }, recent.alerts.map(alertItem));
    return el('div', null, cards,
      el('div', { class: 'grid' }, panel('Devices by class', classes.length ? classTable : el('p', { class: 'muted' }, 'no devices yet')),
        panel('Alerts per day (UTC)', box)),
      panel('Newest alerts', recent.alerts.length ? list : el('p', { class: 'muted' }, 'no alerts'),
        el('p', null, el('a', { href: '#/alerts' }, 'All alerts →'))));
  }

  async function loadDevices(tbody, info) {
    const j = await api('api/v1/devices?limit=1000' + (deviceQuery ? '&q=' + enc(deviceQuery) : ''));
    tbody.replaceChildren(...j.devices.map((d) => {
      const go = () => { location.hash = '#/device/' + enc(d.key); };
      const ips = Array.isArray(d.ips) && d.ips.length ? d.ips : (d.ip ? [d.ip] : []);
      return el('tr', { class: 'device-row', 'data-key': d.key, onclick: go },
        el('td', null, deviceLink(d.key, d.name || d.key), d.name ? el('span', { class: 'sub mono' }, d.mac || d.key) : null),
        el('td', null, orDash(d.class)),
        el('td', null, orDash(d.vendor), d.model ? el('span', { class: 'sub' }, d.model) : null),
        el('td', { class: 'mono' }, ips.length ? ips.map((ip, i) => (i ? [el('br'), ip] : ip)) : '-'),
        el('td', null, openAlerts(d.alerts_open)),
        el('td', { class: 'hide-narrow nowrap' }, fmtIso(d.last_seen)));
    }));
    info.textContent = j.total > j.devices.length ? `${j.devices.length} of ${j.total} devices` : `${j.total} device${j.total === 1 ? '' : 's'}`;
  }

  async function viewDevices() {
    const tbody = el('tbody');
    const info = el('span', { class: 'muted' });
    let timer = 0;
    const search = el('input', {
      type: 'search', id: 'device-search', placeholder: 'search name, MAC, IP, vendor, class…', value: deviceQuery,
      oninput: (ev) => {
        clearTimeout(timer);
        timer = setTimeout(() => {
          deviceQuery = ev.target.value.trim();
          loadDevices(tbody, info).catch((e) => { if (!(e instanceof AuthError)) info.textContent = e.message; });
        }, 250);
      },
    });
    await loadDevices(tbody, info);
    const cols = ['Device', 'Class', 'Vendor / model', 'IP addresses', 'Open alerts', 'Last seen (UTC)'];
    return panel(null, el('div', { class: 'toolbar' }, search, info),
      el('div', { class: 'table-wrap' }, el('table', { id: 'inventory' }, el('thead', null, el('tr', null, cols.map((c, i) => el('th', { class: i === 5 ? 'hide-narrow' : null }, c)))), tbody)));
  }

  async function viewDevice(r) {
    const key = r.key;
    const [j, tr] = await Promise.all([
      api('api/v1/devices/' + enc(key)),
      api(`api/v1/devices/${enc(key)}/traffic`).catch((e) => { if (e instanceof AuthError) throw e; return { points: [], error: e.message }; }),
    ]);
    const d = j.device || {};
    const ips = Array.isArray(d.ips) ? d.ips.join(', ') : orDash(d.ip);
    const ident = d.identification || {};
    const why = (f) => (ident[f] && ident[f].why ? el('span', { class: 'sub' }, 'from ' + ident[f].why) : null);
    const facts = [['MAC', d.mac], ['IP addresses', ips], ['Vendor', d.vendor, why('vendor')], ['Class', d.class, why('class')],
      ['Model', d.model, why('model')], ['OS', d.os, why('os')], ['Confidence', d.confidence !== undefined && d.confidence !== null ? d.confidence + ' %' : null],
      ['First seen', fmtIso(d.first_seen)], ['Last seen', fmtIso(d.last_seen)],
      ['Traffic', d.pkts !== undefined ? `${fmtNum(d.pkts)} packets, ${fmtNum(d.bytes)} bytes` : null]];
    const kv = el('dl', { class: 'kv' }, facts.map(([k, v, w]) => [el('dt', null, k), el('dd', null, orDash(v), w || null)]));

    const box = el('div', { id: 'device-chart', class: 'chart' });
    const pts = Array.isArray(tr.points) ? tr.points : [];
    if (pts.length) {
      mounts.push(() => chart(box, {
        series: [{ label: 'time', value: (u, v) => (v === null ? '-' : fmtTime(v * 1e9)) }, { label: 'packets', stroke: '#1f6feb', fill: 'rgba(31,111,235,.12)', scale: 'p', value: (u, v) => fmtNum(v) },
          { label: 'bytes', stroke: '#2e7d32', scale: 'b', value: (u, v) => fmtNum(v) }],
        axes: [{ values: timeAxis }, { scale: 'p', label: 'packets', values: (u, vs) => vs.map(fmtNum) },
          { scale: 'b', side: 1, label: 'bytes', grid: { show: false }, values: (u, vs) => vs.map(fmtNum) }],
      }, [pts.map((p) => p.ts_ns / 1e9), pts.map((p) => p.pkts), pts.map((p) => p.bytes)]));
    } else box.append(el('p', { class: 'muted' }, tr.error ? 'traffic: ' + tr.error : 'no traffic samples yet'));

    const dests = Array.isArray(j.destinations) ? j.destinations : [];
    const protos = Array.isArray(j.protocols) ? j.protocols : [];
    const ev = Array.isArray(d.evidence) ? d.evidence : [];
    const alerts = Array.isArray(j.alerts) ? j.alerts : [];
    const none = (t) => el('p', { class: 'muted' }, t);
    return el('div', { id: 'device', 'data-key': j.key || key },
      panel(null, el('h1', null, d.hostname || j.key || key), el('p', { class: 'muted' }, `${orDash(d.class)} · ${orDash(d.vendor)}`, ' · open alerts ', openAlerts(j.alerts_open)), kv),
      panel('Traffic (per 5-minute bucket, UTC)', box),
      el('div', { class: 'grid' },
        panel('Destinations', dests.length ? simpleTable([
          { title: 'Kind', nowrap: true, get: (x) => x.kind }, { title: 'Name', get: (x) => el('span', { class: 'mono' }, x.value) },
          { title: 'Count', num: true, get: (x) => x.count }, { title: 'Last seen', nowrap: true, get: (x) => fmtIso(x.last_seen) }], dests) : none('none recorded')),
        panel('Protocols', protos.length ? simpleTable([{ title: 'Protocol', get: (x) => x.name }, { title: 'Count', num: true, get: (x) => x.count }], protos) : none('none recorded'))),
      panel(`Alerts (${alerts.length})`, alerts.length ? el('ul', { class: 'alert-list', id: 'device-alerts' }, alerts.map(alertItem)) : none('no alerts for this device')),
      panel('Evidence', ev.length ? simpleTable([
        { title: 'Kind', nowrap: true, get: (x) => x.kind }, { title: 'Value', get: (x) => el('span', { class: 'mono' }, x.value) },
        { title: 'Count', num: true, get: (x) => x.count }, { title: 'Last seen', nowrap: true, get: (x) => fmtIso(x.last_seen) }], ev) : none('none')));
  }

  async function loadAlerts(list, more, info, append) {
    const offset = append ? list.children.length : 0;
    let q = `api/v1/alerts?limit=50&offset=${offset}`;
    if (alertFilter.severity) q += '&severity=' + alertFilter.severity;
    if (alertFilter.acked) q += '&acked=' + alertFilter.acked;
    const j = await api(q);
    const items = j.alerts.map(alertItem);
    if (append) list.append(...items); else list.replaceChildren(...items);
    more.hidden = list.children.length >= j.total;
    info.textContent = `${list.children.length} of ${j.total}`;
  }

  async function viewAlerts() {
    newCount = 0;
    updateBadge();
    const list = el('ul', { id: 'alerts', class: 'alert-list' });
    const info = el('span', { class: 'muted' });
    const fail = (e) => { if (!(e instanceof AuthError)) info.textContent = e.message; };
    const more = el('button', { type: 'button', onclick: () => loadAlerts(list, more, info, true).catch(fail) }, 'Load more');
    const reload = () => loadAlerts(list, more, info, false).catch(fail);
    const sel = (id, key, options) => {
      const s = el('select', { id, onchange: (ev) => { alertFilter[key] = ev.target.value; reload(); } },
        options.map(([v, t]) => el('option', { value: v, selected: alertFilter[key] === v }, t)));
      return s;
    };
    await loadAlerts(list, more, info, false);
    return el('div', null,
      el('div', { class: 'toolbar' },
        sel('alert-severity', 'severity', [['', 'all severities'], ['1', 'high only'], ['2', 'medium and high']]),
        sel('alert-acked', 'acked', [['', 'open and acknowledged'], ['0', 'open only'], ['1', 'acknowledged only']]), info),
      list, more);
  }

  /* ---- polling for new alerts ------------------------------------------ */
  function updateBadge() {
    const b = $('#new-badge');
    b.textContent = newCount > 99 ? '99+' : String(newCount);
    b.hidden = newCount === 0;
  }
  function matchesFilter(a) {
    if (alertFilter.severity && a.severity > Number(alertFilter.severity)) return false;
    return alertFilter.acked !== '1';
  }
  function onNewAlerts(alerts) {
    const view = parseRoute().view;
    const list = $('#alerts');
    if (view === 'alerts' && list) {
      for (const a of alerts) {
        if (!matchesFilter(a)) continue;
        const li = alertItem(a);
        li.classList.add('fresh');
        list.prepend(li);
      }
    } else {
      newCount += alerts.length;
      updateBadge();
      if (view === 'overview') render();
    }
  }
  async function poll() {
    pollTimer = 0;
    try {
      if (newestId === null) {
        const j = await api('api/v1/alerts?limit=1');
        newestId = j.alerts.length ? j.alerts[0].id : 0;
      } else {
        for (let i = 0; i < 10; i++) {        /* at most 1000 per tick */
          const j = await api(`api/v1/alerts?after_id=${newestId}&limit=100`);
          if (!j.alerts.length) break;
          newestId = Math.max(newestId, ...j.alerts.map((a) => a.id));
          onNewAlerts(j.alerts.slice().reverse());   /* newest first */
          if (j.alerts.length < 100) break;
        }
      }
      setStatus('updated ' + new Date().toLocaleTimeString());
    } catch (e) {
      if (e instanceof AuthError) return;
      setStatus('cannot reach the sensor: ' + e.message, true);
    }
    startPolling();
  }
  function startPolling() { if (!pollTimer && token) pollTimer = setTimeout(poll, newestId === null ? 0 : POLL_MS); }
  function stopPolling() { clearTimeout(pollTimer); pollTimer = 0; }

  /* ---- routing ---------------------------------------------------------- */
  function parseRoute() {
    const h = location.hash.replace(/^#\/?/, '');
    if (h.startsWith('device/')) {
      let key = h.slice(7);
      try { key = decodeURIComponent(key); } catch (_) { /* keep it raw */ }
      return { view: 'device', key };
    }
    if (h === 'devices' || h === 'alerts') return { view: h };
    return { view: 'overview' };
  }
  const VIEWS = { overview: viewOverview, devices: viewDevices, device: viewDevice, alerts: viewAlerts };

  async function render() {
    if (/^#token=/.test(location.hash)) return;
    const r = parseRoute();
    const seq = ++renderSeq;
    for (const a of document.querySelectorAll('#nav a')) {
      a.classList.toggle('active', a.dataset.view === r.view || (r.view === 'device' && a.dataset.view === 'devices'));
    }
    if (!token) { showTokenForm(''); return; }
    const view = $('#view');
    try {
      mounts = [];
      const node = await VIEWS[r.view](r);
      if (seq !== renderSeq) return;            /* a newer navigation won */
      for (const u of charts) u.destroy();
      charts = [];
      view.replaceChildren(node);
      for (const m of mounts) m();
      mounts = [];
    } catch (e) {
      if (e instanceof AuthError || seq !== renderSeq) return;
      view.replaceChildren(el('div', { class: 'error' }, e.message));
    }
  }

  function start() {
    takeTokenFromHash();
    if (!token) token = sessionStorage.getItem(TOKEN_KEY) || '';
    $('#token-form').addEventListener('submit', onTokenSubmit);
    window.addEventListener('hashchange', () => {
      const fresh = /^#token=/.test(location.hash);
      takeTokenFromHash();
      if (fresh && token) resume();   /* a new #token= link: start over with it */
      else render();
    });
    $('#view').replaceChildren(el('p', { class: 'muted' }, 'Loading…'));
    render();
    startPolling();
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
