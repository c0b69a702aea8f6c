// Chat: rooms active in the last 15 minutes, who is connected to each, and messages per minute.

import { api, every } from '../api.js';
import { el, clear, number, ago, time, tile } from '../dom.js';
import { lineChart, sparkline, widthOf } from '../charts.js';

export default function chat({ root, report, clearReport }) {
  const tiles = el('div.tiles');
  const chart = el('section.panel', { id: 'chat-rate' }, el('h2', {}, 'Messages per minute, all rooms'));
  const table = el('table', { id: 'rooms' });
  root.append(el('div.view', {}, el('header', {}, el('div', {}, el('h1', {}, 'Chat'),
    el('p', {}, 'Rooms with messages in the last 15 minutes, from history; members are who is connected now.'))),
  tiles, chart, el('section.panel', {}, el('h2', {}, 'Rooms'), table)));

  const load = async () => {
    try {
      const answer = await api('/chat/rooms');
      clearReport();
      const rooms = answer.rooms;
      const minutes = answer.windowMinutes;
      const now = Date.now();
      const times = Array.from({ length: minutes }, (_, i) => now - (minutes - 1 - i) * 60000);
      const total = times.map((_, i) => rooms.reduce((s, r) => s + r.perMinute[i], 0));
      const members = rooms.reduce((s, r) => s + (r.members ? r.members.length : 0), 0);
      clear(tiles,
        tile('Active rooms', number(rooms.length)), tile('Members online', number(members)),
        tile('Messages, 15 min', number(rooms.reduce((s, r) => s + r.messages, 0))),
        tile('This minute', number(total.at(-1) || 0)));
      clear(chart, el('h2', {}, 'Messages per minute, all rooms'), lineChart({ width: widthOf(chart), times, series: [{ name: 'messages/min', values: total }] }));
      clear(table, el('thead', {}, el('tr', {}, ['Room', 'Members', 'Messages (15 min)', 'Per minute', 'Last message', 'Last seq'].map(h => el('th', {}, h)))),
        el('tbody', {}, rooms.length ? rooms.map(r => el('tr', { dataset: { room: r.room } },
          el('td', {}, el('strong', {}, r.room)),
          el('td', { title: r.members ? r.members.map(m => m.name).join(', ') : 'the sequencer did not answer' },
            r.members ? `${r.members.length}` : '?', r.members && r.members.length ? el('span.muted', {}, ` ${names(r.members)}`) : null),
          el('td.num', {}, number(r.messages)), el('td', {}, sparkline(r.perMinute)),
          el('td', { title: time(r.lastAt) }, ago(r.lastAt)), el('td.num.mono', {}, String(r.lastSeq))))
          : el('tr', {}, el('td.empty', { colspan: 6 }, 'No messages in the last 15 minutes.'))));
    } catch (e) {
      report(e);
      throw e;
    }
  };
  return { stop: every(5000, load) };
}

function names(members) {
  const shown = members.slice(0, 4).map(m => m.name).join(', ');
  return members.length > 4 ? `${shown} +${members.length - 4}` : shown;
}
