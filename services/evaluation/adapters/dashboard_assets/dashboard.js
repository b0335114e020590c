// A dashboard page: sign-in, filters, then every figure table the caller may see, each with a
// chart, an accessible table and a CSV download. The audience comes from <body data-audience>.

import { barChart, lineChart } from "./charts.js";
import { download, readable, tableElement } from "./figures.js";
import { claimsOf, currentToken, forget, remember, takeTokenFromFragment } from "./session.js";

const audience = document.body.dataset.audience;
const $ = (id) => document.getElementById(id);

// Where each audience's figures come from (the evaluation service's JSON figure routes).
const SOURCES = {
  network: () => "/network/figures",
  organisation: (claims) => `/organisations/${encodeURIComponent(claims.org)}/figures`,
  programme: (_claims, filters) =>
    filters.programme_id ? `/programmes/${encodeURIComponent(filters.programme_id)}/figures` : null,
};
// Which filters each page offers (the scope the caller's rights allow is decided server-side).
const FILTERS = {
  network: ["organisation_id", "programme_id", "since", "until"],
  organisation: ["programme_id", "since", "until"],
  programme: ["programme_id", "organisation_id", "since", "until"],
};

class SignInNeeded extends Error {}

async function getJson(path, token) {
  const response = await fetch(path, {
    headers: { Authorization: `Bearer ${token}`, Accept: "application/json" },
  });
  if (response.status === 401) {
    throw new SignInNeeded("your sign-in has expired or is not valid; sign in again");
  }
  if (!response.ok) {
    let detail = `${response.status}`;
    try {
      const problem = await response.json();
      detail = problem.detail || problem.error || detail;
    } catch {
      // not JSON: keep the status
    }
    const error = new Error(
      response.status === 403 || response.status === 404
        ? "these figures are not yours to see with this sign-in"
        : `the figures could not be loaded (${detail})`,
    );
    error.status = response.status;
    throw error;
  }
  return response.json();
}

function filtersFromUrl() {
  const query = new URLSearchParams(window.location.search);
  const filters = {};
  for (const name of FILTERS[audience]) {
    const value = query.get(name);
    if (value) {
      filters[name] = value;
    }
  }
  return filters;
}

function queryOf(filters, allowed) {
  const query = new URLSearchParams();
  for (const name of allowed) {
    if (filters[name]) {
      query.set(name, filters[name]);
    }
  }
  const text = query.toString();
  return text ? `?${text}` : "";
}

// -- charts ---------------------------------------------------------------------------------

const PERIOD_HEADINGS = new Set(["month", "quarter", "week", "period", "year"]);

// How each table of the read model is best drawn (services/evaluation/domain/outcome_figures.py):
// "totals": one bar per column, from the total row (a funnel, endings by reason);
// "rows": bars per row, one per column (or per the columns named); "lines": a trend by period.
const CHARTS = {
  participation: { kind: "totals", caption: "the funnel from enrolment to completion" },
  relationships: { kind: "totals" },
  early_endings: { kind: "totals", caption: "early endings by reason" },
  meeting_cadence: { kind: "rows", columns: ["on_cadence", "behind_cadence"] },
  meetings_per_relationship: { kind: "rows", caption: "meetings held against the cadence" },
  ratings_by_month: { kind: "lines" },
  activity_by_month: { kind: "lines" },
};

function chartSpec(table) {
  if (CHARTS[table.id]) {
    return CHARTS[table.id];
  }
  if (PERIOD_HEADINGS.has(table.row_heading)) {
    return { kind: "lines" };
  }
  return table.rows.length === 0 ? { kind: "totals" } : { kind: "rows" };
}

/** The chart that suits a table, or null when there is nothing to draw. */
function chartOf(table) {
  const spec = chartSpec(table);
  const description =
    `${table.title}: a chart of the figures in the table below` +
    (spec.caption ? ` (${spec.caption})` : "") +
    ". Suppressed figures are not drawn.";
  const common = { title: table.title, description, measure: table.measure };
  if (table.columns.length === 0) {
    return null;
  }
  if (spec.kind === "lines" && table.rows.length > 1) {
    return lineChart({ ...common, periods: table.rows, series: table.columns.map(readable) });
  }
  if (spec.kind === "totals" || table.rows.length === 0) {
    const line = table.total || (table.rows.length === 1 ? table.rows[0] : null);
    if (line === null) {
      return null;
    }
    return barChart({
      ...common,
      categories: table.columns.map((column, i) => ({ label: readable(column), cells: [line.cells[i]] })),
      series: [line.label],
    });
  }
  const wanted = (spec.columns || table.columns).filter((c) => table.columns.includes(c));
  const indices = wanted.map((c) => table.columns.indexOf(c));
  return barChart({
    ...common,
    categories: table.rows.slice(0, 20).map((row) => ({
      label: row.label,
      cells: indices.map((i) => row.cells[i]),
    })),
    series: wanted.map(readable),
  });
}

// -- the page -------------------------------------------------------------------------------

function section(table, stem) {
  const wrapper = document.createElement("section");
  wrapper.className = "figure-table";
  wrapper.dataset.table = table.id;
  const heading = document.createElement("h2");
  heading.id = `heading-${table.id}`;
  heading.textContent = table.title;
  wrapper.setAttribute("aria-labelledby", heading.id);
  wrapper.append(heading);

  const chart = chartOf(table);
  if (chart) {
    const figure = document.createElement("figure");
    figure.className = "chart";
    figure.append(chart);
    const caption = document.createElement("figcaption");
    caption.textContent = `Chart: ${table.title}. The figures are in the table below.`;
    figure.append(caption);
    wrapper.append(figure);
  }
  const scroll = document.createElement("div");
  scroll.className = "table-wrap";
  scroll.append(tableElement(table));
  wrapper.append(scroll);

  const button = document.createElement("button");
  button.type = "button";
  button.className = "download";
  button.dataset.csv = table.id;
  button.textContent = `Download CSV: ${table.title}`;
  button.addEventListener("click", () => download(table, stem));
  wrapper.append(button);
  return wrapper;
}

function showSignIn(message) {
  $("figures").hidden = true;
  $("session").hidden = true;
  $("sign-in").hidden = false;
  $("token-error").textContent = message || "";
}

function fillSelect(select, options, chosen) {
  const first = select.options[0];
  select.replaceChildren(first);
  for (const { value, label } of options) {
    const option = document.createElement("option");
    option.value = value;
    option.textContent = label;
    select.append(option);
  }
  select.value = options.some((o) => o.value === chosen) ? chosen : "";
}

async function loadChoices(token, claims, filters) {
  const organisations = FILTERS[audience].includes("organisation_id")
    ? await getJson("/organisations", token).catch(() => [])
    : [];
  fillSelect(
    $("filter-organisation"),
    organisations.map((o) => ({ value: o.id, label: o.name })),
    filters.organisation_id,
  );
  const programmes = await getJson("/figures/programmes", token).catch(() => []);
  fillSelect(
    $("filter-programme"),
    programmes.map((p) => ({ value: p.id, label: p.name || p.id })),
    filters.programme_id,
  );
  $("organisation-field").hidden = !FILTERS[audience].includes("organisation_id");
  return { organisations, programmes };
}

async function render() {
  const token = currentToken();
  if (token === null) {
    showSignIn("");
    return;
  }
  const claims = claimsOf(token);
  $("sign-in").hidden = true;
  $("session").hidden = false;
  $("signed-in-as").textContent = `Signed in (${(claims.roles || []).join(", ") || "no roles"})`;
  $("figures").hidden = false;

  const filters = filtersFromUrl();
  $("filter-since").value = (filters.since || "").slice(0, 7);
  $("filter-until").value = (filters.until || "").slice(0, 7);
  const status = $("status");
  status.textContent = "Loading the figures…";
  try {
    const { programmes } = await loadChoices(token, claims, filters);
    if (audience === "programme" && !filters.programme_id && programmes.length > 0) {
      filters.programme_id = programmes[0].id;
      $("filter-programme").value = filters.programme_id;
    }
    const path = SOURCES[audience](claims, filters);
    if (path === null) {
      $("tables").replaceChildren();
      status.textContent = "You co-ordinate no programme yet: there are no figures to show.";
      return;
    }
    const allowed = FILTERS[audience].filter(
      (name) => !(audience === "programme" && name === "programme_id"),
    );
    const tables = await getJson(path + queryOf(filters, allowed), token);
    const stem = `mentornet-${audience}`;
    $("tables").replaceChildren(...tables.map((table) => section(table, stem)));
    status.textContent = `${tables.length} tables of figures.`;
    document.body.dataset.loaded = "true";
  } catch (error) {
    if (error instanceof SignInNeeded) {
      forget();
      showSignIn(error.message);
      return;
    }
    $("tables").replaceChildren();
    status.textContent = error.message;
    document.body.dataset.loaded = "error";
  }
}

// Periods are whole months: a filter of arbitrary days would let two overlapping periods be
// subtracted to isolate a single day's events (docs/security.md, limits of suppression).
function monthStart(month) {
  return month ? `${month}-01` : "";
}

function monthEnd(month) {
  if (!month) {
    return "";
  }
  const [year, number] = month.split("-").map(Number);
  const last = new Date(Date.UTC(year, number, 0)).getUTCDate();
  return `${month}-${String(last).padStart(2, "0")}`;
}

function applyFilters(event) {
  event.preventDefault();
  const form = new FormData($("filters"));
  const filters = {};
  for (const name of FILTERS[audience]) {
    let value = String(form.get(name) || "");
    if (name === "since") {
      value = monthStart(value);
    } else if (name === "until") {
      value = monthEnd(value);
    }
    if (value) {
      filters[name] = value;
    }
  }
  window.history.pushState(null, "", window.location.pathname + queryOf(filters, FILTERS[audience]));
  document.body.dataset.loaded = "";
  render();
}

function start() {
  for (const link of document.querySelectorAll("nav a")) {
    if (link.getAttribute("href") === window.location.pathname) {
      link.setAttribute("aria-current", "page");
    }
  }
  takeTokenFromFragment();
  $("token-form").addEventListener("submit", (event) => {
    event.preventDefault();
    if (!remember($("token").value)) {
      $("token-error").textContent = "that is not a network access token (three parts, dot-separated)";
      return;
    }
    $("token").value = "";
    render();
  });
  $("sign-out").addEventListener("click", () => {
    forget();
    showSignIn("Signed out.");
  });
  $("filters").addEventListener("submit", applyFilters);
  $("filters").addEventListener("reset", () => {
    window.history.pushState(null, "", window.location.pathname);
    setTimeout(render, 0);
  });
  window.addEventListener("popstate", render);
  render();
}

start();
