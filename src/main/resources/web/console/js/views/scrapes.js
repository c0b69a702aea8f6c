// Scrape jobs: the list with progress bars, and one job live over its Server-Sent Events (pages done, failed
// and queued, pages/s, the results as they come), with cancel. The stream resumes by itself after a drop.

import { api, every } from '../api.js';
import { follow } from '../sse.js';
import { el, clear, badge, number, time, ago, duration, confirmButton, tile } from '../dom.js';
import { lineChart, widthOf } from '../charts.js';

export default function scrapes(context) {
  const [id] = context.params;
  return id && /^\d+$/.test(id) ? detail(context, id) : list(context);
}

function progressBar(counts) {
  const total = Math.max(1, counts.total);
  const part = (cls, n) => {
    const span = el(`span.${cls}`);
    span.style.width = `${(100 * n) / total}%`;
    return span;
  };
  return el('div.bar', { title: `${counts.done} done, ${counts.failed} failed, ${counts.pending} queued of ${counts.total}` },
    part('done', counts.done), part('failed', counts.failed));
}

function list({ root, admin, report, clearReport }) {
  const table = el('table', { id: 'scrape-jobs' });
  const start = admin ? startForm(report) : null;
  root.append(el('div.view', {}, el('header', {}, el('div', {}, el('h1', {}, 'Scrape jobs'),
    el('p', {}, 'Durable scrape jobs, newest first; open one to follow it live.'))), start, el('section.panel', {}, table)));
  const load = async () => {
    try {
      const page = await api('/scrape-jobs?limit=50');
      clearReport();
      clear(table, el('thead', {}, el('tr', {}, ['Id', 'State', 'Progress', 'Pages', 'Pages/s', 'Created', 'Elapsed'].map(h => el('th', {}, h)))),
        el('tbody', {}, page.jobs.length ? page.jobs.map(job => el('tr.link', { dataset: { id: job.id }, onclick: () => { location.hash = `#/scrapes/${job.id}`; } },
          el('td.mono', {}, `#${job.id}`), el('td', {}, badge(job.state)), el('td', {}, progressBar(job.counts)),
          el('td.num', {}, `${number(job.counts.done + job.counts.failed)} / ${number(job.counts.total)}`),
          el('td.num', {}, job.elapsedMs ? number((job.counts.done + job.counts.failed) / (job.elapsedMs / 1000), 1) : '–'),
          el('td', { title: time(job.createdAt) }, ago(job.createdAt)),
          el('td', {}, job.elapsedMs === null ? '–' : duration(job.elapsedMs / 1000))))
          : el('tr', {}, el('td.empty', { colspan: 7 }, 'No scrape jobs yet.'))));
    } catch (e) {
      report(e);
      throw e;
    }
  };
  return { stop: every(3000, load) };
}

function startForm(report) {
  const urls = el('textarea', { id: 'scrape-urls', placeholder: 'One URL a line', spellcheck: 'false' });
  const depth = el('select', { id: 'scrape-depth' }, [0, 1, 2].map(d => el('option', { value: d }, `depth ${d}`)));
  const submit = el('button', { type: 'button' }, 'Start scrape job');
  submit.addEventListener('click', async () => {
    const list = urls.value.split('\n').map(u => u.trim()).filter(Boolean);
    if (!list.length) return;
    try {
      const job = await api('/scrape-jobs', { method: 'POST', body: { urls: list, options: { depth: Number(depth.value) } } });
      location.hash = `#/scrapes/${job.id}`;
    } catch (e) {
      report(e);
    }
  });
  return el('section.panel', {}, el('h2', {}, 'New scrape job'), urls, el('div.toolbar', {}, depth, submit));
}

function detail({ root, admin, report, clearReport }, id) {
  const status = el('span.muted', { id: 'stream-state' }, 'connecting…');
  const tiles = el('div.tiles', { id: 'scrape-progress' });
  const bar = el('div.progress-big');
  const rate = el('div');
  const results = el('table', { id: 'scrape-results' });
  const actions = el('div.toolbar', {}, el('a', { href: '#/scrapes' }, '← all scrape jobs'), el('span.spacer'), status);
  root.append(el('div.view', { id: 'scrape-detail' }, el('header', {}, el('div', {}, el('h1', {}, `Scrape job #${id}`),
    el('p', {}, 'Live over Server-Sent Events; pages/s over the last 5 seconds.'))), actions, tiles, bar,
  el('div.grid.two', {}, el('section.panel', {}, el('h2', {}, 'Pages per second'), rate),
    el('section.panel', {}, el('h2', {}, 'Results'), results))));

  const pages = new Map();
  const samples = [];
  let job = null;
  let cancel = null;

  const drawJob = () => {
    const c = job.counts;
    const now = Date.now();
    samples.push([now, c.done + c.failed]);
    while (samples.length > 1 && now - samples[0][0] > 15 * 60 * 1000) samples.shift();
    const recent = samples.filter(([t]) => now - t <= 5000);
    const perSecond = recent.length > 1 ? (recent.at(-1)[1] - recent[0][1]) / Math.max(0.5, (recent.at(-1)[0] - recent[0][0]) / 1000) : 0;
    clear(tiles,
      tile('State', badge(job.state)), tile('Done', number(c.done)), tile('Failed', number(c.failed)),
      tile('Queued', number(c.pending)), tile('Total', number(c.total)),
      tile('Pages/s', job.state === 'running' ? number(perSecond, 1) : job.elapsedMs ? number((c.done + c.failed) / (job.elapsedMs / 1000), 1) : '–'));
    tiles.dataset.state = job.state;
    clear(bar, progressBar(c));
    // Each point: pages per second over the 2 s before it, so single events do not make a saw.
    const series = samples.map(([t, n], i) => {
      let j = i;
      while (j > 0 && t - samples[j - 1][0] <= 2000) j--;
      return j < i ? (n - samples[j][1]) / Math.max(0.25, (t - samples[j][0]) / 1000) : null;
    });
    clear(rate, lineChart({ width: widthOf(rate), times: samples.map(([t]) => t), series: [{ name: 'pages/s', values: series }] }));
    if (admin && !cancel && (job.state === 'pending' || job.state === 'running')) {
      cancel = confirmButton('Cancel job', async () => {
        try {
          job = await api(`/scrape-jobs/${id}`, { method: 'DELETE' });
          drawJob();
        } catch (e) {
          report(e);
        }
      }, { danger: true });
      actions.insertBefore(cancel, status);
    }
    if (cancel && job.state !== 'pending' && job.state !== 'running') {
      cancel.remove();
    }
  };

  const drawResults = () => {
    const rows = [...pages.values()].sort((a, b) => b.id - a.id).slice(0, 200);
    clear(results, el('thead', {}, el('tr', {}, ['Page', 'State', 'Status', 'Title', 'Time'].map(h => el('th', {}, h)))),
      el('tbody', {}, rows.length ? rows.map(p => el('tr', { dataset: { state: p.state } },
        el('td.mono', { title: p.url }, shorten(p.url)), el('td', {}, badge(p.state)),
        el('td.num', {}, p.result?.status ?? p.result?.error?.code ?? '–'),
        el('td', {}, p.result?.title || p.result?.error?.message || ''),
        el('td.num', {}, p.result?.elapsedMs !== undefined ? `${p.result.elapsedMs} ms` : '–')))
        : el('tr', {}, el('td.empty', { colspan: 5 }, 'No page finished yet.'))));
  };

  // Pages stored before the stream was open are read from the API (once it is open, and again at the end),
  // so none falls between the two.
  const loadPages = async () => {
    let cursor = null;
    for (let i = 0; i < 10; i++) {
      const page = await api(`/scrape-jobs/${id}/pages?limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      page.pages.filter(p => p.state !== 'pending' && p.state !== 'running').forEach(p => pages.set(p.id, p));
      cursor = page.next;
      if (!cursor) break;
    }
    drawResults();
  };
  drawResults();
  const stop = follow(`/scrape-jobs/${id}/events`, {
    onEvent: (name, data) => {
      clearReport();
      if (name === 'page') {
        pages.set(data.id, data);
        drawResults();
      } else if (name === 'progress' || name === 'end') {
        job = data;
        drawJob();
        if (name === 'end') {
          loadPages().catch(report);
        }
      }
    },
    onState: state => {
      if (state === 'open') {
        loadPages().catch(report);
      }
      status.textContent = state === 'open' ? 'live' : state === 'retrying' ? 'reconnecting…' : 'finished';
      status.className = state === 'open' ? 'live' : state === 'retrying' ? 'stale' : 'muted';
    },
  });
  return { stop };
}


function shorten(url) {
  return url.length > 60 ? `${url.slice(0, 57)}…` : url;
}
