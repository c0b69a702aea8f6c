// The console: a hash router over five views, the admin key dialog, and the connection state in the header.

import { api, ApiError, key, setKey, onChange, isConnected, isAdmin } from './api.js';
import { clear } from './dom.js';
import overview from './views/overview.js';
import jobs from './views/jobs.js';
import scrapes from './views/scrapes.js';
import chat from './views/chat.js';
import streams from './views/streams.js';

const VIEWS = { overview, jobs, scrapes, chat, streams };
const main = document.getElementById('view');
const banner = document.getElementById('banner');
let current = null;
let admin = false;

/** What every view gets: where to draw, whether writes are allowed, and a way to report errors. */
function context(params) {
  return { root: main, params, admin, report, clearReport };
}

function report(error) {
  if (error instanceof ApiError && error.status === 401) {
    show(key() ? 'The key was refused (unknown or revoked). Paste another with "Admin key".'
      : 'This server needs an API key: paste one with "Admin key".', true);
  } else if (error instanceof ApiError && error.status === 429) {
    show(`Rate limited by the server; trying again in ${error.retryAfter || 'a few'} s.`, false);
  } else if (error instanceof ApiError) {
    show(error.message, true);
  } else if (error && error.name !== 'AbortError') {
    show('Cannot reach the server; retrying…', false);
  }
}

function show(text, isError) {
  banner.textContent = text;
  banner.classList.toggle('error', isError);
  banner.hidden = false;
}

function clearReport() {
  banner.hidden = true;
}

function route() {
  const [name = 'overview', ...rest] = location.hash.replace(/^#\/?/, '').split('/').filter(Boolean);
  const view = VIEWS[name] ? name : 'overview';
  if (current && current.stop) {
    current.stop();
  }
  clearReport();
  document.querySelectorAll('#nav a').forEach(a => a.classList.toggle('active', a.dataset.view === view));
  clear(main);
  document.title = `${view[0].toUpperCase()}${view.slice(1)} · Loopline console`;
  current = VIEWS[view](context(rest)) || null;
}

async function refreshIdentity() {
  const identity = document.getElementById('identity');
  try {
    admin = await isAdmin();
  } catch {
    admin = false;
  }
  identity.textContent = admin ? 'admin' : key() ? 'key (not admin)' : 'read-only';
  identity.classList.toggle('admin', admin);
}

function connectionChanged() {
  const up = isConnected();
  const badge = document.getElementById('connection');
  badge.textContent = up === null ? 'connecting' : up ? 'live' : 'offline';
  badge.classList.toggle('up', up === true);
  badge.classList.toggle('down', up === false);
  if (up) {
    if (banner.textContent.startsWith('Cannot reach')) {
      clearReport();
    }
  } else if (up === false) {
    show('Cannot reach the server; retrying…', false);
  }
}

function keyDialog() {
  const dialog = document.getElementById('key-dialog');
  const input = document.getElementById('key-input');
  const error = document.getElementById('key-error');
  document.getElementById('key-button').addEventListener('click', () => {
    input.value = '';
    error.hidden = true;
    dialog.showModal();
  });
  document.getElementById('key-cancel').addEventListener('click', () => dialog.close());
  document.getElementById('key-forget').addEventListener('click', async () => {
    setKey(null);
    dialog.close();
    await refreshIdentity();
    route();
  });
  document.getElementById('key-form').addEventListener('submit', async event => {
    event.preventDefault();
    const candidate = input.value.trim();
    if (!candidate) {
      return;
    }
    try {
      await api('/admin/api-keys?limit=1', { withKey: candidate });
    } catch (e) {
      if (!(e instanceof ApiError) || e.status !== 403) {
        error.textContent = e instanceof ApiError ? e.message : 'Cannot reach the server.';
        error.hidden = false;
        return;
      }
    }
    setKey(candidate);
    input.value = '';
    dialog.close();
    await refreshIdentity();
    route();
  });
}

keyDialog();
onChange(connectionChanged);
window.addEventListener('hashchange', route);
refreshIdentity().then(route);
api('/cluster').then(cluster => {
  document.getElementById('footer-node').textContent = `served by node ${cluster.self}`;
}).catch(() => {});
