// Requests to this origin's API: the admin key (if any) as Authorization: Bearer, problem+json errors as
// ApiError, and the connection state for the header. The key lives in sessionStorage only: it leaves with the tab.

const KEY = 'loopline.console.key';
const listeners = new Set();
let connected = null;

export class ApiError extends Error {
  constructor(status, problem) {
    super((problem && (problem.detail || problem.title)) || `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
  }
}

export function key() {
  return sessionStorage.getItem(KEY);
}

export function setKey(value) {
  if (value) {
    sessionStorage.setItem(KEY, value);
  } else {
    sessionStorage.removeItem(KEY);
  }
  notify();
}

/** Calls the API; resolves to the parsed JSON (or null for 204), rejects with ApiError or a network TypeError. */
export async function api(path, { method = 'GET', body, headers = {}, signal, withKey = key() } = {}) {
  const request = { method, headers: { Accept: 'application/json', ...headers }, signal, cache: 'no-store' };
  if (withKey) {
    request.headers.Authorization = `Bearer ${withKey}`;
  }
  if (body !== undefined) {
    request.headers['Content-Type'] = 'application/json';
    request.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, request);
  } catch (e) {
    if (e.name !== 'AbortError') {
      setConnected(false);
    }
    throw e;
  }
  setConnected(true);
  const text = await response.text();
  const json = text ? safeJson(text) : null;
  if (!response.ok) {
    const error = new ApiError(response.status, json);
    error.retryAfter = Number(response.headers.get('Retry-After')) || null;
    throw error;
  }
  return json;
}

function safeJson(text) {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

export function setConnected(up) {
  if (connected !== up) {
    connected = up;
    notify();
  }
}

export function isConnected() {
  return connected;
}

/** Called on every change of the key or of the connection. */
export function onChange(listener) {
  listeners.add(listener);
}

function notify() {
  listeners.forEach(l => l());
}

/** Whether the current key is an admin key: asks an admin route once per key. */
let adminCache = { key: undefined, admin: false };
export async function isAdmin() {
  const current = key();
  if (!current) {
    return false;
  }
  if (adminCache.key === current) {
    return adminCache.admin;
  }
  try {
    await api('/admin/api-keys?limit=1');
    adminCache = { key: current, admin: true };
  } catch (e) {
    if (e instanceof ApiError) {
      adminCache = { key: current, admin: false };
    } else {
      throw e;
    }
  }
  return adminCache.admin;
}

/**
 * Runs `task` now and then every `ms` until stopped; a failed run waits longer (up to 15 s, or the server's
 * Retry-After), so a node that restarts is found again without a reload.
 */
export function every(ms, task) {
  let timer = null;
  let stopped = false;
  let failures = 0;
  const run = async () => {
    if (stopped) {
      return;
    }
    let wait = ms;
    try {
      await task();
      failures = 0;
    } catch (e) {
      failures++;
      wait = Math.min(15000, ms * 2 ** Math.min(failures, 3));
      if (e instanceof ApiError && e.retryAfter) {
        wait = Math.max(wait, e.retryAfter * 1000);
      }
    }
    if (!stopped) {
      timer = setTimeout(run, wait);
    }
  };
  run();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
