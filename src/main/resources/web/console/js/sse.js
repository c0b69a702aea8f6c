// Server-Sent Events over fetch, so the admin key can go in a header (EventSource cannot send one). Reconnects
// with backoff after the stream drops (a node restart), sending Last-Event-ID when the server gave event ids.

import { key, setConnected } from './api.js';

/**
 * Follows `path` until `stop()` is called or an `end` event arrives. `onEvent(name, data)` gets each event
 * with its JSON data; `onState(state)` gets 'open', 'retrying' or 'closed'.
 */
export function follow(path, { onEvent, onState = () => {} }) {
  let controller = null;
  let stopped = false;
  let lastId = null;
  let attempt = 0;

  const connect = async () => {
    controller = new AbortController();
    const headers = { Accept: 'text/event-stream' };
    if (key()) {
      headers.Authorization = `Bearer ${key()}`;
    }
    if (lastId !== null) {
      headers['Last-Event-ID'] = lastId;
    }
    let ended = false;
    try {
      const response = await fetch(path, { headers, signal: controller.signal, cache: 'no-store' });
      setConnected(true);
      if (!response.ok) {
        throw new Error(`HTTP ${response.status}`);
      }
      attempt = 0;
      onState('open');
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) {
          break;
        }
        buffer += value.replace(/\r\n?/g, '\n');
        let split;
        while ((split = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, split);
          buffer = buffer.slice(split + 2);
          const event = parse(block);
          if (event) {
            if (event.id !== null) {
              lastId = event.id;
            }
            onEvent(event.name, event.data);
            if (event.name === 'end') {
              ended = true;
            }
          }
        }
      }
    } catch (e) {
      if (stopped || e.name === 'AbortError') {
        return;
      }
      if (e instanceof TypeError) {
        setConnected(false);
      }
    }
    if (stopped || ended) {
      onState('closed');
      return;
    }
    attempt++;
    onState('retrying');
    setTimeout(() => !stopped && connect(), Math.min(15000, 500 * 2 ** Math.min(attempt, 5)));
  };

  connect();
  return () => {
    stopped = true;
    if (controller) {
      controller.abort();
    }
  };
}

function parse(block) {
  let name = 'message';
  let id = null;
  const data = [];
  for (const line of block.split('\n')) {
    if (!line || line.startsWith(':')) {
      continue;
    }
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'event') {
      name = value;
    } else if (field === 'data') {
      data.push(value);
    } else if (field === 'id') {
      id = value;
    }
  }
  if (!data.length) {
    return null;
  }
  let parsed;
  try {
    parsed = JSON.parse(data.join('\n'));
  } catch {
    parsed = data.join('\n');
  }
  return { name, id, data: parsed };
}
