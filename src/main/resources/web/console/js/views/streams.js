// Streams (streaming ingest): the streams with their record counts, records per minute over the last 15
// minutes, and, for one stream, the last values of each device as they arrive over its live event stream.
// On a server without ingest (GET /streams is 404) the view says so.

import { api, ApiError, every } from '../api.js';
import { follow } from '../sse.js';
import { el, clear, number, time, ago } from '../dom.js';
import { lineChart, sparkline, widthOf } from '../charts.js';

export default function streams(context) {
  const [name] = context.params;
  return name ? detail(context, decodeURIComponent(name)) : list(context);
}

function header(text) {
  return el('header', {}, el('div', {}, el('h1', {}, 'Streams'), el('p', {}, text)));
}

function absent(root) {
  clear(root, el('div.view', {}, header('Device telemetry and uploads stored by streaming ingest.'),
    el('section.panel', { id: 'streams-absent' }, el('p', {}, 'This server has no streaming ingest (GET /streams answers 404).'))));
}

function window15() {
  const to = new Date();
  return { from: new Date(to.getTime() - 15 * 60000).toISOString(), to: to.toISOString() };
}

async function perMinute(stream) {
  const { from, to } = window15();
  const series = await api(`/streams/${encodeURIComponent(stream)}/series?step=1m&from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`);
  const start = Math.floor(new Date(from).getTime() / 60000) * 60000;
  const times = Array.from({ length: 16 }, (_, i) => start + i * 60000);
  const counts = times.map(() => 0);
  for (const bucket of series.buckets) {
    const i = Math.round((new Date(bucket.time).getTime() - start) / 60000);
    if (i >= 0 && i < counts.length) counts[i] += bucket.count;
  }
  return { times, counts };
}

function list({ root, report, clearReport }) {
  const table = el('table', { id: 'streams' });
  root.append(el('div.view', {}, header('Device telemetry and uploads stored by streaming ingest; open a stream for its devices, live.'),
    el('section.panel', {}, table)));
  const load = async () => {
    try {
      const page = await api('/streams?limit=100');
      clearReport();
      const rates = await Promise.all(page.streams.map(s => perMinute(s.name).catch(() => null)));
      clear(table, el('thead', {}, el('tr', {}, ['Stream', 'Records', 'Records/min (15 min)', 'Last minute', 'First record', 'Last record'].map(h => el('th', {}, h)))),
        el('tbody', {}, page.streams.length ? page.streams.map((s, i) => el('tr.link', { onclick: () => { location.hash = `#/streams/${encodeURIComponent(s.name)}`; } },
          el('td', {}, el('strong', {}, s.name)), el('td.num', {}, number(s.records)),
          el('td', {}, rates[i] ? sparkline(rates[i].counts) : '–'),
          el('td.num', {}, rates[i] ? number(rates[i].counts.at(-1)) : '–'),
          el('td', { title: time(s.firstTime) }, ago(s.firstTime)), el('td', { title: time(s.lastTime) }, ago(s.lastTime))))
          : el('tr', {}, el('td.empty', { colspan: 6 }, 'No streams yet.'))));
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) {
        absent(root);
        return;
      }
      report(e);
      throw e;
    }
  };
  return { stop: every(10000, load) };
}

function detail({ root, report, clearReport }, stream) {
  const chart = el('section.panel', { id: 'stream-rate' }, el('h2', {}, 'Records per minute'));
  const devices = el('table', { id: 'devices' });
  const state = el('span.muted', { id: 'stream-live' }, 'connecting…');
  root.append(el('div.view', {}, header(`Stream ${stream}: records per minute, and each device's latest values as they are stored.`),
    el('div.toolbar', {}, el('a', { href: '#/streams' }, '← all streams'), el('span.spacer'), state), chart,
    el('section.panel', {}, el('h2', {}, 'Devices, live'), devices)));
  const last = new Map();
  const drawDevices = () => {
    const rows = [...last.entries()].sort((a, b) => a[0].localeCompare(b[0])).slice(0, 200);
    clear(devices, el('thead', {}, el('tr', {}, ['Device', 'Last value', 'At', 'Recent values'].map(h => el('th', {}, h)))),
      el('tbody', {}, rows.length ? rows.map(([device, d]) => el('tr', {}, el('td.mono', {}, device), el('td.num', {}, number(d.values.at(-1), 3)),
        el('td', {}, time(d.time)), el('td', {}, sparkline(d.values))))
        : el('tr', {}, el('td.empty', { colspan: 4 }, 'Waiting for records…'))));
  };
  drawDevices();
  const stopRate = every(10000, async () => {
    try {
      const { times, counts } = await perMinute(stream);
      clearReport();
      clear(chart, el('h2', {}, 'Records per minute'), lineChart({ width: widthOf(chart), times, series: [{ name: 'records/min', values: counts }] }));
    } catch (e) {
      report(e);
      throw e;
    }
  });
  const stopLive = follow(`/streams/${encodeURIComponent(stream)}/live`, {
    onEvent: (name, record) => {
      if (name !== 'record' || typeof record !== 'object') return;
      const d = last.get(record.device) || { values: [] };
      d.values.push(record.value);
      if (d.values.length > 40) d.values.shift();
      d.time = record.time;
      last.set(record.device, d);
      drawDevices();
    },
    onState: s => { state.textContent = s === 'open' ? 'live' : s === 'retrying' ? 'reconnecting…' : 'closed'; },
  });
  return { stop: () => { stopRate(); stopLive(); } };
}
