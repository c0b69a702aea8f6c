// Jobs: counts by state, a filterable list (newest first), one job's detail with retry and cancel, bulk retry
// or discard of dead jobs, and the recurring schedules with pause and resume. Writes need the admin key.

import { api, every } from '../api.js';
import { el, clear, badge, number, time, ago, confirmButton } from '../dom.js';

const STATES = ['pending', 'running', 'done', 'dead', 'cancelled'];
const TYPES = ['log', 'http', 'scrape'];

export default function jobs(context) {
  const [first, second] = context.params;
  if (first === 'schedules') {
    return schedules(context);
  }
  if (first && /^\d+$/.test(first)) {
    return detail(context, first);
  }
  return list(context, second);
}

function header(title, text, active) {
  return el('header', {}, el('div', {}, el('h1', {}, title), el('p', {}, text)),
    el('nav.tabs', {}, el(`a${active === 'jobs' ? '.active' : ''}`, { href: '#/jobs' }, 'Jobs'),
      el(`a${active === 'schedules' ? '.active' : ''}`, { href: '#/jobs/schedules' }, 'Schedules')));
}

function list({ root, admin, report, clearReport }) {
  const filter = { state: sessionStorage.getItem('jobs.state') || '', type: sessionStorage.getItem('jobs.type') || '' };
  const tiles = el('div.tiles', { id: 'job-counts' });
  const perType = el('div.muted');
  const stateSelect = el('select', { id: 'filter-state', 'aria-label': 'State' }, el('option', { value: '' }, 'every state'),
    STATES.map(s => el('option', { value: s }, s)));
  const typeSelect = el('select', { id: 'filter-type', 'aria-label': 'Type' }, el('option', { value: '' }, 'every type'),
    TYPES.map(t => el('option', { value: t }, t)));
  stateSelect.value = filter.state;
  typeSelect.value = filter.type;
  const bulk = el('div.bulk', { id: 'bulk', hidden: true });
  const table = el('table', { id: 'jobs' });
  const more = el('button.ghost', { type: 'button', hidden: true }, 'Older jobs');
  const selected = new Set();
  let rows = [];
  let next = null;
  let extraPages = 0;

  root.append(el('div.view', {}, header('Jobs', 'Durable background jobs in PostgreSQL, newest first. Live: refreshed every 3 s.', 'jobs'),
    tiles, perType, el('section.panel', {},
      el('div.toolbar', {}, el('label', {}, 'State ', stateSelect), el('label', {}, 'Type ', typeSelect), el('span.spacer'),
        admin ? el('span.muted', {}, 'Select dead jobs to retry or discard them.') : el('span.muted', {}, 'Read-only: paste an admin key to retry, cancel or discard.')),
      bulk, table, more)));

  const query = cursor => {
    const p = new URLSearchParams({ order: 'desc', limit: '50' });
    if (filter.state) p.set('state', filter.state);
    if (filter.type) p.set('type', filter.type);
    if (cursor) p.set('cursor', cursor);
    return `/jobs?${p}`;
  };

  const load = async () => {
    try {
      const [counts, page] = await Promise.all([api('/jobs/counts'), api(query(null))]);
      clearReport();
      drawCounts(counts);
      // Keep older pages the operator opened; refresh the first page live.
      rows = [...page.jobs, ...rows.filter(r => r.id < (page.jobs.at(-1)?.id ?? Infinity)).slice(0, extraPages * 50)];
      if (!extraPages) {
        next = page.next;
      }
      draw();
    } catch (e) {
      report(e);
      throw e;
    }
  };

  const drawCounts = counts => {
    clear(tiles, STATES.map(state => el(`div.tile.clickable.state-${state}${filter.state === state ? '.selected' : ''}`,
      { dataset: { state }, onclick: () => setState(filter.state === state ? '' : state) },
      el('div.label', {}, state), el('div.value', {}, number(counts.states[state])))));
    clear(perType, Object.entries(counts.types).map(([type, c]) =>
      el('span', {}, el('span.chip', {}, type), `${number(c.pending)} pending · ${number(c.running)} running · ${number(c.dead)} dead   `)));
  };

  const draw = () => {
    const deadShown = rows.filter(r => r.state === 'dead');
    clear(table, el('thead', {}, el('tr', {}, admin ? el('th', {}, selectAllBox(deadShown)) : null,
      ['Id', 'Type', 'State'].map(h => el('th', {}, h)), el('th.num', {}, 'Attempts'),
      ['Run at', 'Finished', 'Last error'].map(h => el('th', {}, h)))),
    el('tbody', {}, rows.length ? rows.map(job => el('tr.link', { dataset: { id: job.id, state: job.state }, onclick: e => {
      if (e.target.tagName !== 'INPUT') location.hash = `#/jobs/${job.id}`;
    } },
      admin ? el('td', {}, job.state === 'dead' ? checkbox(job.id) : null) : null,
      el('td.mono', {}, `#${job.id}`),
      el('td', {}, el('span.chip', {}, job.type), job.scheduleId ? el('span.muted', {}, ` schedule ${job.scheduleId}`) : null),
      el('td', {}, badge(job.state)),
      el('td.num', {}, `${job.attempts}/${job.maxAttempts}`),
      el('td', { title: time(job.runAt) }, ago(job.runAt)),
      el('td', { title: time(job.finishedAt) }, job.finishedAt ? ago(job.finishedAt) : '–'),
      el('td.error-text', { title: job.lastError || '' }, job.lastError || ''))) : el('tr', {}, el('td.empty', { colspan: 8 }, 'No jobs match.'))));
    more.hidden = !next;
    drawBulk();
  };

  const checkbox = id => el('input', { type: 'checkbox', 'aria-label': `select job ${id}`, checked: selected.has(id), onchange: e => {
    e.target.checked ? selected.add(id) : selected.delete(id);
    drawBulk();
  } });

  const selectAllBox = dead => el('input', { type: 'checkbox', 'aria-label': 'select every dead job shown', onchange: e => {
    dead.forEach(j => (e.target.checked ? selected.add(j.id) : selected.delete(j.id)));
    draw();
  } });

  const drawBulk = () => {
    if (!admin) {
      return;
    }
    const ids = [...selected];
    const dead = Number(tiles.querySelector('[data-state="dead"] .value')?.textContent.replace(/,/g, '') || 0);
    bulk.hidden = !ids.length && !dead;
    // Redrawn only when what it offers changes, so a button armed for confirmation stays armed.
    const signature = `${ids.join(',')}|${dead}|${filter.type}`;
    if (bulk.dataset.signature === signature) {
      return;
    }
    bulk.dataset.signature = signature;
    clear(bulk,
      el('strong', {}, ids.length ? `${ids.length} dead job${ids.length > 1 ? 's' : ''} selected` : `${number(dead)} dead jobs`),
      ids.length ? confirmButton('Retry selected', () => act('/admin/jobs/dead/retry', { ids }), {}) : confirmButton('Retry all dead', () => act('/admin/jobs/dead/retry', filter.type ? { type: filter.type } : {})),
      ids.length ? confirmButton('Discard selected', () => act('/admin/jobs/dead/discard', { ids }), { danger: true })
        : confirmButton('Discard all dead', () => act('/admin/jobs/dead/discard', filter.type ? { type: filter.type } : {}), { danger: true }),
      el('span.muted', { id: 'bulk-result' }));
  };

  const act = async (path, body) => {
    try {
      const result = await api(path, { method: 'POST', body });
      selected.clear();
      await load();
      const note = bulk.querySelector('#bulk-result');
      if (note) note.textContent = 'retried' in result ? `${result.retried} retried` : `${result.discarded} discarded`;
    } catch (e) {
      report(e);
    }
  };

  const setState = state => {
    filter.state = state;
    stateSelect.value = state;
    sessionStorage.setItem('jobs.state', state);
    reset();
  };
  const reset = () => {
    rows = [];
    next = null;
    extraPages = 0;
    selected.clear();
    load().catch(() => {});
  };
  stateSelect.addEventListener('change', () => setState(stateSelect.value));
  typeSelect.addEventListener('change', () => {
    filter.type = typeSelect.value;
    sessionStorage.setItem('jobs.type', filter.type);
    reset();
  });
  more.addEventListener('click', async () => {
    const page = await api(query(next));
    rows = [...rows, ...page.jobs];
    next = page.next;
    extraPages++;
    draw();
  });
  return { stop: every(3000, load) };
}

function detail({ root, admin, report, clearReport }, id) {
  const body = el('div');
  root.append(el('div.view', { id: 'job-detail' }, header(`Job #${id}`, 'Payload, attempts, errors and timing. Live.', 'jobs'), body));
  const load = async () => {
    try {
      const job = await api(`/jobs/${id}`);
      clearReport();
      draw(job);
    } catch (e) {
      report(e);
      throw e;
    }
  };
  const draw = job => {
    const took = job.startedAt && job.finishedAt ? (new Date(job.finishedAt) - new Date(job.startedAt)) / 1000 : null;
    const actions = el('div.toolbar', {},
      el('a', { href: '#/jobs' }, '← all jobs'), el('span.spacer'),
      admin && job.state === 'dead' ? el('button', { id: 'retry', type: 'button', onclick: () => act(`/jobs/${id}/retry`, 'POST') }, 'Retry') : null,
      admin && job.state === 'pending' ? confirmButton('Cancel', () => act(`/jobs/${id}`, 'DELETE'), { danger: true }) : null);
    clear(body, actions, el('div.grid.two', {},
      el('section.panel', {}, el('h2', {}, 'State'), el('dl.kv', {},
        el('dt', {}, 'State'), el('dd', { id: 'job-state' }, badge(job.state)),
        el('dt', {}, 'Type'), el('dd', {}, el('span.chip', {}, job.type)),
        el('dt', {}, 'Attempts'), el('dd', {}, `${job.attempts} of ${job.maxAttempts}`),
        el('dt', {}, 'Created'), el('dd', {}, time(job.createdAt)),
        el('dt', {}, 'Run at'), el('dd', {}, `${time(job.runAt)} (${ago(job.runAt)})`),
        el('dt', {}, 'Started'), el('dd', {}, time(job.startedAt)),
        el('dt', {}, 'Finished'), el('dd', {}, time(job.finishedAt)),
        el('dt', {}, 'Took'), el('dd', {}, took === null ? '–' : `${number(took, 3)} s`),
        el('dt', {}, 'Lease'), el('dd', {}, job.leaseOwner ? `${job.leaseOwner} until ${time(job.leaseExpiresAt)}` : '–'),
        el('dt', {}, 'Schedule'), el('dd', {}, job.scheduleId ? el('a', { href: '#/jobs/schedules' }, `#${job.scheduleId} for ${time(job.scheduledFor)}`) : '–'),
        el('dt', {}, 'Idempotency key'), el('dd.mono', {}, job.idempotencyKey || '–'),
        el('dt', {}, 'Last error'), el('dd', { class: job.lastError ? 'error' : '' }, job.lastError || '–'))),
      el('section.panel', {}, el('h2', {}, 'Payload'), el('pre.json', { id: 'job-payload' }, JSON.stringify(job.payload, null, 2)),
        el('h2', {}, ' '), el('h2', {}, 'Result'), el('pre.json', {}, job.result ? JSON.stringify(job.result, null, 2) : '–'))));
  };
  const act = async (path, method) => {
    try {
      draw(await api(path, { method }));
    } catch (e) {
      report(e);
    }
  };
  return { stop: every(2000, load) };
}

function schedules({ root, admin, report, clearReport }) {
  const table = el('table', { id: 'schedules' });
  root.append(el('div.view', {}, header('Schedules', 'Recurring jobs: each occurrence becomes one job, on whichever node claims it.', 'schedules'),
    el('section.panel', {}, table)));
  const load = async () => {
    try {
      const page = await api('/schedules?limit=200');
      clearReport();
      clear(table, el('thead', {}, el('tr', {}, ['Name', 'Cron', 'Job', 'State', 'Next', 'Last run', 'Missed', ''].map(h => el('th', {}, h)))),
        el('tbody', {}, page.schedules.length ? page.schedules.map(s => el('tr', {},
          el('td', {}, s.name), el('td.mono', {}, `${s.cron} `, el('span.muted', {}, s.timeZone)),
          el('td', {}, el('span.chip', {}, s.job.type)), el('td', {}, badge(s.state)),
          el('td', { title: time(s.nextRunAt) }, s.state === 'active' ? ago(s.nextRunAt) : '–'),
          el('td', {}, s.lastJobId ? el('a', { href: `#/jobs/${s.lastJobId}` }, ago(s.lastRunAt)) : '–'),
          el('td', {}, s.missed),
          el('td', {}, admin ? el('button.ghost', { type: 'button', onclick: () => toggle(s) }, s.state === 'active' ? 'Pause' : 'Resume') : null)))
          : el('tr', {}, el('td.empty', { colspan: 8 }, 'No schedules. Make one with POST /schedules.'))));
    } catch (e) {
      report(e);
      throw e;
    }
  };
  const toggle = async s => {
    try {
      await api(`/schedules/${s.id}/${s.state === 'active' ? 'pause' : 'resume'}`, { method: 'POST' });
      await load();
    } catch (e) {
      report(e);
    }
  };
  return { stop: every(3000, load) };
}
