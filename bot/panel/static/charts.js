// Small SVG charts for the reports (no library, no CDN): a daily line and horizontal bars.
// Every value is also given as a <title>, so a hover or a screen reader can read it.

import { h, s } from "./dom.js";

const W = 640;

function niceMax(value) {
  if (!(value > 0)) return 1;
  const step = 10 ** Math.floor(Math.log10(value));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * step >= value) return m * step;
  return 10 * step;
}

/** A line over days: points = [{label, value}] (value null = no data that day). */
export function lineChart(points, { format = String, label = "" } = {}) {
  const height = 190;
  const left = 48;
  const right = 12;
  const top = 12;
  const bottom = 26;
  const values = points.map((p) => p.value).filter((v) => v !== null && v !== undefined);
  const max = niceMax(Math.max(0, ...values));
  const min = Math.min(0, ...values);
  const span = max - min || 1;
  const x = (i) => left + (points.length <= 1 ? (W - left - right) / 2 : (i * (W - left - right)) / (points.length - 1));
  const y = (v) => top + (1 - (v - min) / span) * (height - top - bottom);
  const svg = s("svg", { viewBox: `0 0 ${W} ${height}`, class: "report-chart line-chart", role: "img", "aria-label": label });
  for (let k = 0; k <= 4; k += 1) {
    const v = min + (span * k) / 4;
    svg.appendChild(s("line", { x1: left, x2: W - right, y1: y(v), y2: y(v), class: "grid" }));
    svg.appendChild(s("text", { x: left - 6, y: y(v) + 3, "text-anchor": "end", class: "chart-label" }, format(v)));
  }
  const every = Math.max(1, Math.ceil(points.length / 10));
  points.forEach((p, i) => {
    if (i % every === 0 || i === points.length - 1) {
      svg.appendChild(s("text", { x: x(i), y: height - 8, "text-anchor": "middle", class: "chart-label" }, p.label));
    }
  });
  let path = "";
  points.forEach((p, i) => {
    if (p.value === null || p.value === undefined) return;
    const prev = i > 0 ? points[i - 1].value : null;
    path += `${prev === null || prev === undefined || !path ? "M" : "L"}${x(i).toFixed(1)},${y(p.value).toFixed(1)} `;
  });
  if (path) svg.appendChild(s("path", { d: path.trim(), class: "line" }));
  points.forEach((p, i) => {
    if (p.value === null || p.value === undefined) return;
    svg.appendChild(s("circle", { cx: x(i), cy: y(p.value), r: 3.5, class: "dot", "data-value": p.value },
      s("title", {}, `${p.label}: ${format(p.value)}`)));
  });
  return svg;
}

/** Horizontal bars: rows = [{label, value}]. */
export function barChart(rows, { format = String, label = "" } = {}) {
  const rowH = 24;
  const left = 150;
  const right = 70;
  const height = Math.max(1, rows.length) * rowH + 8;
  const max = niceMax(Math.max(0, ...rows.map((r) => Number(r.value) || 0)));
  const svg = s("svg", { viewBox: `0 0 ${W} ${height}`, class: "report-chart bar-chart", role: "img", "aria-label": label });
  rows.forEach((r, i) => {
    const yTop = 4 + i * rowH;
    const value = Number(r.value) || 0;
    const width = r.value === null || r.value === undefined ? 0 : Math.max(1, (value / max) * (W - left - right));
    svg.appendChild(s("text", { x: left - 8, y: yTop + 15, "text-anchor": "end", class: "chart-label bar-label" }, r.label));
    svg.appendChild(s("rect", { x: left, y: yTop + 3, width, height: rowH - 8, rx: 3, class: "bar", "data-value": r.value ?? "" },
      s("title", {}, `${r.label}: ${r.value === null || r.value === undefined ? "—" : format(r.value)}`)));
    svg.appendChild(s("text", { x: left + width + 6, y: yTop + 15, class: "chart-total" },
      r.value === null || r.value === undefined ? "—" : format(r.value)));
  });
  return svg;
}

/** A chart that can switch to a table of the same numbers (and back). */
export function switchable({ chart, table, mode, onMode, labels }) {
  const toggle = h("button", {
    class: "btn btn-xs view-toggle", type: "button", "aria-pressed": String(mode === "table"),
    onclick: () => onMode(mode === "table" ? "chart" : "table"),
  }, mode === "table" ? labels.chart : labels.table);
  return { toggle, body: h("div", { class: `switchable mode-${mode}` }, mode === "table" ? table : chart) };
}
