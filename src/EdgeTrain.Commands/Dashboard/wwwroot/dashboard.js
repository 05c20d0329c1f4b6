// EdgeTrain's dashboard: renders the seed's snapshots (GET /api/snapshot once, then /api/events as server-sent
// events). Read-only; every value comes from the snapshot, nothing is sent back.
(function () {
  'use strict';
  const charts = new Map();
  let updates = 0;

  const el = (tag, text, className) => {
    const e = document.createElement(tag);
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    if (className) { e.className = className; }
    return e;
  };
  const fixed = (v, digits) => (v === null || v === undefined ? '–' : Number(v).toFixed(digits));
  const count = (v) => Number(v).toLocaleString('en-US');
  const score = (job) => job.language
    ? (job.bitsPerChar === null ? 'bits/char –' : fixed(job.bitsPerChar, 3) + ' bits/char')
    : (job.accuracy === null ? '–' : (job.accuracy * 100).toFixed(2) + ' %');

  function row(cells) {
    const tr = document.createElement('tr');
    for (const [text, className] of cells) { tr.appendChild(el('td', text, className)); }
    return tr;
  }

  function replaceRows(table, rows) {
    const body = document.querySelector(table + ' tbody');
    body.replaceChildren(...rows);
  }

  function renderJobs(jobs) {
    replaceRows('#jobs', jobs.map((j) => {
      const tr = row([
        [j.id, 'job'], [j.state, 'state-' + j.state], [j.priority, 'number'], [j.trainers, ''], [fixed(j.seconds, 1) + ' s', 'number'],
        [count(j.samples), 'number samples'], [count(Math.round(j.samplesPerSecond)), 'number'], [fixed(j.loss, 3), 'number'],
        [score(j), 'number score'], [count(j.updates), 'number'], [fixed(j.bytesSent / 1e6, 1), 'number'], [j.reason || '', 'reason'],
      ]);
      tr.dataset.job = j.id;
      tr.dataset.samples = j.samples;
      return tr;
    }));
    const texts = jobs.filter((j) => j.sample).map((j) => {
      const p = el('p', j.id + ' writes: ' + j.sample);
      p.dataset.job = j.id;
      return p;
    });
    document.getElementById('samples-of-text').replaceChildren(...texts);
  }

  function renderMembers(members) {
    replaceRows('#members', members.map((m) => {
      const tr = row([
        [m.address, 'address'], [m.status + (m.draining ? ' (draining)' : ''), ''], [m.region || '–', ''], [m.roles.join(', '), ''],
        [m.capabilities || '–', ''], [m.slices, 'number'], [count(m.samples), 'number'], [fixed(m.reputation, 2) + (m.quarantined ? ' QUARANTINED' : ''), 'number'],
      ]);
      if (m.quarantined) { tr.className = 'quarantined'; }
      tr.dataset.address = m.address;
      return tr;
    }));
  }

  function renderSlices(jobs, members) {
    const nodes = members.map((m) => m.address);
    const head = document.querySelector('#slices thead');
    const hr = document.createElement('tr');
    hr.appendChild(el('th', 'node'));
    for (const j of jobs) { hr.appendChild(el('th', j.id)); }
    head.replaceChildren(hr);
    replaceRows('#slices', nodes.map((n) => row([[n, 'address'], ...jobs.map((j) => [j.slicesPerNode[n] || 0, 'number'])])));
  }

  function renderEvents(events) {
    document.getElementById('events').replaceChildren(...events.map((e) => el('li', e)));
  }

  function chartData(job) {
    const xs = job.curve.map((p) => p.seconds);
    const loss = job.curve.map((p) => p.loss);
    const metric = job.curve.map((p) => (job.language ? p.bitsPerChar : (p.accuracy === null ? null : p.accuracy * 100)));
    return [xs, loss, metric];
  }

  function renderCharts(jobs) {
    const holder = document.getElementById('charts');
    for (const job of jobs) {
      const data = chartData(job);
      let chart = charts.get(job.id);
      if (!chart) {
        const box = el('div', null, 'chart');
        box.dataset.job = job.id;
        box.appendChild(el('h3', job.id));
        holder.appendChild(box);
        const metric = job.language ? 'bits/char (held out)' : 'accuracy % (test)';
        chart = new uPlot({
          width: 520, height: 240,
          scales: { x: { time: false }, loss: {}, metric: {} },
          axes: [{ label: 'seconds' }, { scale: 'loss', label: 'training loss' }, { scale: 'metric', side: 1, label: metric, grid: { show: false } }],
          series: [{ label: 's' }, { label: 'loss', scale: 'loss', stroke: '#c2410c', width: 2 }, { label: metric, scale: 'metric', stroke: '#0b5cad', width: 2 }],
        }, data, box);
        charts.set(job.id, chart);
      } else {
        chart.setData(data);
      }
    }
  }

  function render(snapshot) {
    updates += 1;
    document.body.dataset.updates = updates;
    document.body.dataset.sequence = snapshot.sequence;
    const samples = snapshot.jobs.reduce((s, j) => s + j.samples, 0);
    if (document.body.dataset.firstSamples === undefined) { document.body.dataset.firstSamples = samples; }
    document.body.dataset.samples = samples;
    document.getElementById('live-updates').textContent = updates;
    document.getElementById('sequence').textContent = snapshot.sequence;
    document.getElementById('updated').textContent = new Date(snapshot.atUtc).toLocaleTimeString();
    renderJobs(snapshot.jobs);
    renderMembers(snapshot.members);
    renderSlices(snapshot.jobs, snapshot.members);
    renderEvents(snapshot.events);
    renderCharts(snapshot.jobs);
  }

  // ?updates=N: follow N live updates, then keep the page as it is (a still picture: screenshots, printing)
  const limit = Number(new URLSearchParams(window.location.search).get('updates')) || 0;
  fetch('/api/snapshot').then((r) => r.json()).then(render).catch(() => {});
  const source = new EventSource('/api/events');
  const connection = document.getElementById('connection');
  source.onopen = () => { connection.textContent = 'live'; connection.className = 'live'; };
  source.onerror = () => { connection.textContent = 'reconnecting…'; connection.className = 'lost'; };
  source.onmessage = (message) => {
    render(JSON.parse(message.data));
    if (limit > 0 && updates >= limit) {
      source.close();
      connection.textContent = 'stopped after ' + updates + ' updates';
      connection.className = '';
    }
  };
}());
