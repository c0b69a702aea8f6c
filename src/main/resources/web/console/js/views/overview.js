// Overview: the nodes with their roles, uptime and readiness, and the last 15 minutes of each node's meters.

import { api, every } from '../api.js';
import { el, clear, badge, number, percent, bytes, duration, ago } from '../dom.js';
import { lineChart, sparkline, widthOf, COLORS } from '../charts.js';

export default function overview({ root, report, clearReport }) {
  const nodesPanel = el('section.panel', {}, el('h2', {}, 'Nodes'));
  const tiles = el('div.tiles');
  const charts = el('div.grid.two');
  const routesPanel = el('section.panel', {}, el('h2', {}, 'Routes, last 15 minutes'));
  root.append(el('div.view', {},
    el('header', {}, el('div', {}, el('h1', {}, 'Overview'),
      el('p', {}, 'The cluster as its nodes see themselves; charts are each node\'s own meters, one point per sampling step.'))),
    tiles, nodesPanel, el('div.panel-gap'), charts, el('div.panel-gap'), routesPanel));

  const stop = every(5000, async () => {
    try {
      const [cluster, series, counts] = await Promise.all([api('/cluster'), api('/cluster/series'), api('/jobs/counts').catch(() => null)]);
      clearReport();
      drawNodes(nodesPanel, cluster);
      const merged = merge(series.nodes.filter(n => !n.error));
      drawTiles(tiles, cluster, merged, counts);
      drawCharts(charts, series.nodes.filter(n => !n.error), merged);
      drawRoutes(routesPanel, merged);
    } catch (e) {
      report(e);
      throw e;
    }
  });
  return { stop };
}

function drawNodes(panel, cluster) {
  const rows = cluster.nodes.map(node => el('tr', {},
    el('td', {}, el('span.mono', {}, node.id), node.id === cluster.self ? el('span.muted', {}, ' (this one)') : null),
    el('td', {}, `${node.host}${node.httpPort ? `:${node.httpPort}` : ''}`, el('div.muted', {}, `pid ${node.pid}`)),
    el('td', {}, node.roles.map(r => el('span.chip', {}, r))),
    el('td', {}, duration(node.uptimeSeconds)),
    el('td', { title: Object.entries(node.checks || {}).map(([r, s]) => `${r}: ${s}`).join('\n') },
      badge(node.ready ? 'up' : 'down'), ' ',
      node.ready ? '' : el('span.muted', {}, Object.entries(node.checks || {}).filter(([, s]) => s !== 'UP').map(([r]) => r).join(', '))),
    el('td.muted', {}, node.version),
    el('td.muted', {}, ago(node.seenAt))));
  clear(panel, el('h2', {}, `Nodes (${cluster.nodes.length})`),
    el('table', { id: 'nodes' }, el('thead', {}, el('tr', {}, ['Node', 'Address', 'Roles', 'Uptime', 'Ready', 'Version', 'Seen'].map(h => el('th', {}, h)))),
      el('tbody', {}, rows)));
}

/**
 * The cluster's series on one time axis: points of all nodes are put in the same slot by their step, rates
 * are summed, the p99 is the highest node's (a percentile cannot be added up).
 */
function merge(nodes) {
  const step = nodes.length ? nodes[0].stepMs : 10000;
  const slots = new Map();
  const slot = t => Math.round(t / step);
  nodes.forEach(n => n.t.forEach(t => slots.set(slot(t), slot(t) * step)));
  const keys = [...slots.keys()].sort((a, b) => a - b);
  const index = new Map(keys.map((k, i) => [k, i]));
  const empty = () => keys.map(() => null);
  const add = (target, i, v) => {
    if (v !== null && v !== undefined) {
      target[i] = (target[i] || 0) + v;
    }
  };
  const max = (target, i, v) => {
    if (v !== null && v !== undefined) {
      target[i] = Math.max(target[i] ?? -Infinity, v);
    }
  };
  const out = { t: keys.map(k => slots.get(k)), routes: {}, rate: empty(), errors: empty(), p99: empty(), cache: {},
    pending: empty(), delivered: empty(), pools: {}, jobs: {}, fetches: empty() };
  for (const n of nodes) {
    n.t.forEach((t, j) => {
      const i = index.get(slot(t));
      for (const [route, s] of Object.entries(n.routes)) {
        const r = out.routes[route] || (out.routes[route] = { rate: empty(), errors: empty(), p99: empty() });
        add(r.rate, i, s.rate[j]);
        add(r.errors, i, s.errors[j]);
        max(r.p99, i, s.p99[j]);
        add(out.rate, i, s.rate[j]);
        add(out.errors, i, s.errors[j]);
        max(out.p99, i, s.p99[j]);
      }
      for (const [tier, s] of Object.entries(n.cache || {})) {
        const c = out.cache[tier] || (out.cache[tier] = { hit: empty(), miss: empty() });
        add(c.hit, i, s.hit?.[j]);
        add(c.miss, i, s.miss?.[j]);
      }
      add(out.pending, i, n.eventBus?.pending?.[j]);
      add(out.delivered, i, n.eventBus?.deliveredPerSecond?.[j]);
      for (const [pool, s] of Object.entries(n.pools || {})) {
        const p = out.pools[pool] || (out.pools[pool] = { inUse: empty(), queued: empty() });
        add(p.inUse, i, s.inUse?.[j]);
        add(p.queued, i, s.queued?.[j]);
      }
      for (const [outcome, s] of Object.entries(n.jobs || {})) {
        add(out.jobs[outcome] || (out.jobs[outcome] = empty()), i, s[j]);
      }
      add(out.fetches, i, n.scrapeFetchesPerSecond?.[j]);
    });
  }
  return out;
}

function last(values) {
  for (let i = values.length - 1; i >= 0; i--) {
    if (values[i] !== null && values[i] !== undefined) {
      return values[i];
    }
  }
  return null;
}

function ratio(hit, miss) {
  return hit.map((h, i) => (h === null && miss[i] === null) || (h || 0) + (miss[i] || 0) === 0 ? null : (h || 0) / ((h || 0) + (miss[i] || 0)));
}

function drawTiles(tiles, cluster, m, counts) {
  const errorRate = m.rate.map((r, i) => (r ? (m.errors[i] || 0) / r : null));
  const ready = cluster.nodes.filter(n => n.ready).length;
  const near = m.cache.near ? last(ratio(m.cache.near.hit, m.cache.near.miss)) : null;
  const tile = (label, value, sub) => el('div.tile', {}, el('div.label', {}, label), el('div.value', {}, value), el('div.sub', {}, sub || ''));
  clear(tiles,
    tile('Nodes ready', `${ready} / ${cluster.nodes.length}`, ready === cluster.nodes.length ? 'all ready' : 'some not ready'),
    tile('Requests/s', number(last(m.rate), 1), 'last step, all nodes'),
    tile('p99', last(m.p99) === null ? '–' : `${number(last(m.p99), 1)} ms`, 'slowest node, last step'),
    tile('Errors (5xx)', percent(last(errorRate)), 'of requests, last step'),
    tile('Near-cache hits', percent(near), 'item reads, last step'),
    tile('Jobs dead', counts ? number(counts.states.dead) : '–', counts ? `${number(counts.states.pending)} pending, ${number(counts.states.running)} running` : ''));
}

function drawCharts(container, nodes, m) {
  const perNode = (pick) => nodes.map((n, i) => ({ name: `node ${n.node}`, color: COLORS[i % COLORS.length], values: pick(n) }));
  const sumRoutes = (n, field) => n.t.map((_, j) => Object.values(n.routes).reduce((s, r) => s + (r[field][j] || 0), 0));
  const maxRoutes = (n) => n.t.map((_, j) => Object.values(n.routes).reduce((s, r) => (r.p99[j] === null ? s : Math.max(s ?? 0, r.p99[j])), null));
  const hitSeries = Object.entries(m.cache).map(([tier, c], i) => ({ name: tier, color: COLORS[i + 1], values: ratio(c.hit, c.miss) }));
  // Pools that did something in the window; Redis connection pools are named by a random id: call them redis.
  const poolName = pool => (pool.startsWith('redis/') && !pool.includes('loopline') ? 'redis' : pool);
  const pools = {};
  for (const [pool, p] of Object.entries(m.pools)) {
    const name = poolName(pool);
    const sum = pools[name] || (pools[name] = { inUse: m.t.map(() => null), queued: m.t.map(() => null) });
    ['inUse', 'queued'].forEach(f => p[f].forEach((v, i) => {
      if (v !== null && v !== undefined) sum[f][i] = (sum[f][i] || 0) + v;
    }));
  }
  const poolSeries = Object.entries(pools).flatMap(([name, p]) => [
    { name: `${name} in use`, values: p.inUse }, { name: `${name} queued`, values: p.queued }])
    .filter(s => s.values.some(v => v));
  const jobSeries = Object.entries(m.jobs).map(([outcome, values]) => ({ name: `jobs ${outcome}/s`, values }));
  const charts = [
    ['Requests per second', 'chart-requests', width => lineChart({ width, times: m.t, series: nodes.length > 1
      ? [{ name: 'cluster', values: m.rate }, ...perNode(n => sumRoutes(n, 'rate'))] : [{ name: 'requests/s', values: m.rate }] })],
    ['p99 latency (ms)', 'chart-p99', width => lineChart({ width, times: m.t, series: nodes.length > 1
      ? perNode(maxRoutes) : [{ name: 'p99, slowest route', values: m.p99, color: COLORS[2] }], format: v => number(v, v < 10 ? 1 : 0) })],
    ['Error rate (5xx)', 'chart-errors', width => lineChart({ width, times: m.t, format: v => percent(v, 1),
      series: [{ name: '5xx share', color: COLORS[6], values: m.rate.map((r, i) => (r ? (m.errors[i] || 0) / r : null)) }] })],
    ['Cache hit ratio by tier', 'chart-cache', width => lineChart({ width, times: m.t, series: hitSeries, max: 1, format: v => percent(v, 0) })],
    ['Event bus', 'chart-bus', width => lineChart({ width, times: m.t, series: [
      { name: 'delivered/s', values: m.delivered }, { name: 'pending', values: m.pending, color: COLORS[2] }] })],
    ['Pools (in use, queued)', 'chart-pools', width => lineChart({ width, times: m.t, area: false, series: poolSeries.length ? poolSeries
      : Object.entries(m.pools).filter(([pool]) => pool.startsWith('sql/')).map(([pool, p]) => ({ name: `${pool} in use`, values: p.inUse })) })],
    ['Jobs and scraping', 'chart-work', width => lineChart({ width, times: m.t, area: false, series: [...jobSeries, { name: 'fetches/s', values: m.fetches }] })],
    ['CPU per node', 'chart-jvm', width => lineChart({ width, times: nodes[0]?.t || [], format: v => percent(v, 0), max: 1,
      series: nodes.map((n, i) => ({ name: `node ${n.node}`, color: COLORS[i % COLORS.length], values: n.cpu })) })],
  ];
  if (container.children.length !== charts.length) {
    clear(container, charts.map(([title, id]) => el('section.panel', { id }, el('h2', {}, title), el('div.chart-slot'))));
  }
  charts.forEach(([, id, draw]) => {
    const panel = container.querySelector(`#${id}`);
    clear(panel.querySelector('.chart-slot'), draw(widthOf(panel)));
  });
  const heap = nodes.map(n => `${n.node}: ${bytes(last(n.heapBytes))}`).join(' · ');
  container.querySelector('#chart-jvm .chart-slot').append(el('div.muted', {}, `Heap in use: ${heap || '–'}`));
}

function drawRoutes(panel, m) {
  const routes = Object.entries(m.routes).map(([route, s]) => {
    const points = s.rate.filter(v => v !== null);
    const average = points.length ? points.reduce((a, b) => a + b, 0) / points.length : 0;
    const errors = s.errors.reduce((a, b) => a + (b || 0), 0);
    const total = s.rate.reduce((a, b) => a + (b || 0), 0);
    const p99 = s.p99.filter(v => v !== null);
    return { route, s, average, errorRate: total ? errors / total : 0, p99: p99.length ? Math.max(...p99) : null, latest: last(s.p99) };
  }).sort((a, b) => b.average - a.average);
  const table = el('table', { id: 'routes' },
    el('thead', {}, el('tr', {}, el('th', {}, 'Route'), el('th.num', {}, 'Req/s (avg)'), el('th', {}, 'Req/s'),
      el('th.num', {}, 'p99 now'), el('th.num', {}, 'p99 max'), el('th', {}, 'p99'), el('th.num', {}, '5xx'))),
    el('tbody', {}, routes.length ? routes.map(r => el('tr', {},
      el('td.mono', {}, r.route),
      el('td.num', {}, number(r.average, 2)),
      el('td', {}, sparkline(r.s.rate)),
      el('td.num', {}, r.latest === null ? '–' : `${number(r.latest, 1)} ms`),
      el('td.num', {}, r.p99 === null ? '–' : `${number(r.p99, 1)} ms`),
      el('td', {}, sparkline(r.s.p99, { color: COLORS[2] })),
      el('td.num', { class: r.errorRate > 0 ? 'error' : '' }, percent(r.errorRate)))) : el('tr', {}, el('td.empty', { colspan: 7 }, 'No requests in the window yet.'))));
  clear(panel, el('h2', {}, 'Routes, last 15 minutes'), table);
}
