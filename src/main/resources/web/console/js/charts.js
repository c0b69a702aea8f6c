// Time-series charts drawn as SVG by hand: a line chart with a time axis and a few series, and sparklines.
// No library: the console ships as plain files in the jar.

import { el, svg, number } from './dom.js';

export const COLORS = ['#3559e0', '#12a594', '#e8590c', '#ae3ec9', '#f59f00', '#1098ad', '#c01048', '#5c7cfa'];

/**
 * A line chart. `series`: [{name, values: [number|null], color?}], all as long as `times` (epoch ms).
 * `format` renders y values; `max` fixes the top of the y axis (e.g. 1 for ratios).
 */
export function lineChart({ times, series, format = v => number(v, 1), max = null, height = 170, area = true, width = 560 }) {
  const pad = { left: 46, right: 10, top: 10, bottom: 22 };
  const plotted = series.filter(s => s.values.some(v => v !== null && v !== undefined));
  const wrapper = el('div.chart-box');
  if (!times.length || !plotted.length) {
    wrapper.append(el('div.chart-empty', {}, 'No data yet: points arrive every sampling step.'));
    return wrapper;
  }
  const all = plotted.flatMap(s => s.values).filter(v => v !== null && v !== undefined && Number.isFinite(v));
  const top = max !== null ? max : niceCeiling(Math.max(...all, 0));
  const t0 = times[0];
  const t1 = times[times.length - 1] === t0 ? t0 + 1 : times[times.length - 1];
  const x = t => pad.left + ((t - t0) / (t1 - t0)) * (width - pad.left - pad.right);
  const y = v => pad.top + (1 - (top ? v / top : 0)) * (height - pad.top - pad.bottom);
  const chart = svg('svg', { class: 'chart', viewBox: `0 0 ${width} ${height}`, role: 'img', 'data-points': times.length });
  for (let i = 0; i <= 4; i++) {
    const v = (top * i) / 4;
    chart.append(svg('line', { class: 'grid-line', x1: pad.left, x2: width - pad.right, y1: y(v), y2: y(v) }),
      svg('text', { class: 'axis-label', x: pad.left - 6, y: y(v) + 3, 'text-anchor': 'end' }, format(v)));
  }
  const seconds = t1 - t0 < 10 * 60e3;
  for (const t of timeTicks(t0, t1)) {
    const at = x(t);
    const anchor = at < pad.left + 24 ? 'start' : at > width - pad.right - 24 ? 'end' : 'middle';
    chart.append(svg('text', { class: 'axis-label', x: at, y: height - 6, 'text-anchor': anchor }, clock(t, seconds)));
  }
  plotted.forEach((s, index) => {
    const color = s.color || COLORS[index % COLORS.length];
    const segments = segmentsOf(times, s.values);
    for (const segment of segments) {
      const d = segment.map(([t, v], i) => `${i ? 'L' : 'M'}${x(t).toFixed(1)},${y(v).toFixed(1)}`).join('');
      if (area && plotted.length <= 2 && segment.length > 1) {
        const last = segment[segment.length - 1];
        chart.append(svg('path', { class: 'area', fill: color,
          d: `${d}L${x(last[0]).toFixed(1)},${y(0)}L${x(segment[0][0]).toFixed(1)},${y(0)}Z` }));
      }
      chart.append(svg('path', { class: 'line', stroke: color, d, 'data-series': s.name }));
      if (segment.length === 1) {
        chart.append(svg('circle', { cx: x(segment[0][0]), cy: y(segment[0][1]), r: 2.5, fill: color }));
      }
    }
  });
  wrapper.append(chart, el('div.legend', {}, plotted.map((s, i) => {
    const latest = [...s.values].reverse().find(v => v !== null && v !== undefined);
    return el('span', {}, swatch(s.color || COLORS[i % COLORS.length]), `${s.name} `, el('strong', {}, format(latest)));
  })));
  return wrapper;
}

/** The drawing width that keeps a chart's text at its size in `panel` (its inner width, at least 320). */
export function widthOf(panel, columns = 1) {
  const inner = panel && panel.clientWidth ? panel.clientWidth : 0;
  return inner ? Math.max(320, Math.round((inner - 16 * (columns - 1)) / columns) - 34) : 560;
}

/** A small line without axes, for tables. */
export function sparkline(values, { color = COLORS[0], max = null } = {}) {
  const width = 120;
  const height = 26;
  const finite = values.filter(v => v !== null && v !== undefined && Number.isFinite(v));
  // Rates start from zero; other values (a device's readings) span their own range, so changes show.
  const low = max === null && finite.length && Math.min(...finite) > 0 && Math.min(...finite) > 0.5 * Math.max(...finite)
    ? Math.min(...finite) : 0;
  const top = max !== null ? max : Math.max(...finite, 0) || 1;
  const chart = svg('svg', { class: 'spark', viewBox: `0 0 ${width} ${height}`, 'aria-hidden': 'true' });
  if (values.length < 2 || !finite.length) {
    return chart;
  }
  const x = i => (i / (values.length - 1)) * (width - 2) + 1;
  const y = v => height - 2 - (top === low ? 0.5 : (v - low) / (top - low)) * (height - 4);
  const d = values.map((v, i) => `${i ? 'L' : 'M'}${x(i).toFixed(1)},${y(v ?? 0).toFixed(1)}`).join('');
  chart.append(svg('path', { d, fill: 'none', stroke: color, 'stroke-width': 1.5 }));
  return chart;
}

function swatch(color) {
  const s = el('span.swatch');
  s.style.background = color; // CSSOM, which a strict CSP allows (unlike style attributes)
  return s;
}

function segmentsOf(times, values) {
  const segments = [];
  let current = [];
  values.forEach((v, i) => {
    if (v === null || v === undefined || !Number.isFinite(v)) {
      if (current.length) {
        segments.push(current);
      }
      current = [];
    } else {
      current.push([times[i], v]);
    }
  });
  if (current.length) {
    segments.push(current);
  }
  return segments;
}

function niceCeiling(value) {
  if (value <= 0) {
    return 1;
  }
  const magnitude = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) {
    if (step * magnitude >= value) {
      return step * magnitude;
    }
  }
  return 10 * magnitude;
}

function timeTicks(t0, t1) {
  const span = t1 - t0;
  const step = [5e3, 10e3, 15e3, 30e3, 60e3, 120e3, 300e3, 600e3, 900e3].find(s => span / s <= 5) || 1800e3;
  const ticks = [];
  for (let t = Math.ceil(t0 / step) * step; t <= t1; t += step) {
    ticks.push(t);
  }
  if (!ticks.length) {
    ticks.push(t0, t1);
  }
  return ticks;
}

function clock(t, seconds) {
  const d = new Date(t);
  const two = n => String(n).padStart(2, '0');
  return `${two(d.getHours())}:${two(d.getMinutes())}${seconds ? `:${two(d.getSeconds())}` : ''}`;
}
