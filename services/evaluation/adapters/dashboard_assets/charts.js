// Small SVG charts, written here (no library, nothing fetched from elsewhere): horizontal bars
// (a funnel, early endings by reason, meetings against cadence) and lines (trends over time).
// A suppressed figure is drawn as no bar or a gap in the line, labelled "suppressed": a chart
// never shows a length or a point for it. The table under each chart holds the same figures.

import { SUPPRESSED } from "./figures.js";

const SVG = "http://www.w3.org/2000/svg";
const WIDTH = 720;
let nextId = 0;

function node(name, attributes = {}, text = null) {
  const element = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) {
    element.setAttribute(key, String(value));
  }
  if (text !== null) {
    element.textContent = text;
  }
  return element;
}

function frame(height, title, description) {
  const id = `chart-${++nextId}`;
  const svg = node("svg", {
    viewBox: `0 0 ${WIDTH} ${height}`,
    role: "img",
    "aria-labelledby": `${id}-title ${id}-desc`,
  });
  svg.append(node("title", { id: `${id}-title` }, title));
  svg.append(node("desc", { id: `${id}-desc` }, description));
  return svg;
}

function niceMax(values) {
  const top = Math.max(1, ...values.filter((v) => v !== null));
  const magnitude = 10 ** Math.floor(Math.log10(top));
  for (const step of [1, 2, 2.5, 5, 10]) {
    if (step * magnitude >= top) {
      return step * magnitude;
    }
  }
  return top;
}

function valueOf(cell) {
  return cell.suppressed || cell.value === null ? null : Number(cell.value);
}

function label(value, measure) {
  if (value === null) {
    return SUPPRESSED;
  }
  return measure === "mean" ? value.toFixed(2) : String(Math.round(value * 100) / 100);
}

function truncate(text, length) {
  return text.length > length ? text.slice(0, length - 1) + "…" : text;
}

/**
 * Horizontal bars: one group per category, one bar per series.
 * categories: [{label, cells: [cell per series]}], series: [names].
 */
export function barChart({ title, description, categories, series, measure }) {
  const left = 190;
  const right = 70;
  const barHeight = 18;
  const groupGap = 12;
  const legend = series.length > 1 ? 24 : 0;
  const groupHeight = series.length * barHeight + groupGap;
  const height = legend + 20 + categories.length * groupHeight + 24;
  const svg = frame(height, title, description);
  const values = categories.flatMap((c) => c.cells.map(valueOf));
  const max = niceMax(values);
  const span = WIDTH - left - right;
  const x = (v) => left + (v / max) * span;

  if (legend) {
    const keys = node("g", { class: "legend" });
    series.forEach((name, s) => {
      keys.append(node("rect", { x: left + s * 170, y: 4, width: 12, height: 12, class: `series-${s % 5}` }));
      keys.append(node("text", { x: left + s * 170 + 16, y: 14 }, truncate(name, 24)));
    });
    svg.append(keys);
  }
  const top = legend + 10;
  for (let tick = 0; tick <= 4; tick++) {
    const value = (max / 4) * tick;
    svg.append(node("line", { x1: x(value), x2: x(value), y1: top, y2: height - 22, class: "grid" }));
    svg.append(node("text", { x: x(value), y: height - 6, "text-anchor": "middle" }, label(value, measure)));
  }
  categories.forEach((category, c) => {
    const y0 = top + 10 + c * groupHeight;
    svg.append(
      node("text", { x: left - 8, y: y0 + (series.length * barHeight) / 2 + 4, "text-anchor": "end" },
        truncate(category.label, 28)),
    );
    category.cells.forEach((cell, s) => {
      const value = valueOf(cell);
      const y = y0 + s * barHeight;
      if (value === null) {
        svg.append(node("text", { x: left + 4, y: y + 13, class: "hidden-mark" }, SUPPRESSED));
        return;
      }
      svg.append(node("rect", {
        x: left, y, width: Math.max(1, x(value) - left), height: barHeight - 3,
        class: `series-${s % 5}`,
      }));
      svg.append(node("text", { x: x(value) + 4, y: y + 13 }, label(value, measure)));
    });
  });
  svg.append(node("line", { x1: left, x2: left, y1: top, y2: height - 22, class: "axis" }));
  return svg;
}

/**
 * Lines over time: one point per period (in order), one line per series; a suppressed
 * figure breaks its line. periods: [{label, cells: [cell per series]}].
 */
export function lineChart({ title, description, periods, series, measure }) {
  const left = 56;
  const right = 44; // room for the last period's label
  const top = series.length > 1 ? 34 : 14;
  const bottom = 40;
  const height = 280;
  const svg = frame(height, title, description);
  const max = niceMax(periods.flatMap((p) => p.cells.map(valueOf)));
  const span = WIDTH - left - right;
  const step = periods.length > 1 ? span / (periods.length - 1) : 0;
  const x = (i) => left + (periods.length > 1 ? i * step : span / 2);
  const y = (v) => height - bottom - (v / max) * (height - top - bottom);

  if (series.length > 1) {
    const keys = node("g", { class: "legend" });
    series.forEach((name, s) => {
      keys.append(node("rect", { x: left + s * 170, y: 6, width: 12, height: 12, class: `series-${s % 5}` }));
      keys.append(node("text", { x: left + s * 170 + 16, y: 16 }, truncate(name, 24)));
    });
    svg.append(keys);
  }
  for (let tick = 0; tick <= 4; tick++) {
    const value = (max / 4) * tick;
    svg.append(node("line", { x1: left, x2: WIDTH - right, y1: y(value), y2: y(value), class: "grid" }));
    svg.append(node("text", { x: left - 6, y: y(value) + 4, "text-anchor": "end" }, label(value, measure)));
  }
  const every = Math.max(1, Math.ceil(periods.length / 12));
  periods.forEach((period, i) => {
    if (i % every === 0) {
      svg.append(node("text", { x: x(i), y: height - bottom + 18, "text-anchor": "middle" },
        truncate(period.label, 12)));
    }
  });
  series.forEach((name, s) => {
    let run = [];
    const flush = () => {
      if (run.length > 1) {
        svg.append(node("polyline", { points: run.join(" "), class: `series-${s % 5}` }));
      }
      run = [];
    };
    periods.forEach((period, i) => {
      const value = valueOf(period.cells[s]);
      if (value === null) {
        flush();
        svg.append(node("text", { x: x(i), y: height - bottom - 4, "text-anchor": "middle", class: "hidden-mark" }, "×"));
        return;
      }
      run.push(`${x(i)},${y(value)}`);
      svg.append(node("circle", { cx: x(i), cy: y(value), r: 3.5, class: `series-${s % 5}` }));
    });
    flush();
  });
  svg.append(node("line", { x1: left, x2: WIDTH - right, y1: height - bottom, y2: height - bottom, class: "axis" }));
  return svg;
}
