// Figure tables (services/evaluation/domain/figures.py) as HTML tables and as CSV.
//
// Everything from the server is put on the page as text (textContent), never as markup: an
// organisation's name is data, not HTML. A suppressed cell shows the word "suppressed" and
// carries no number anywhere, not even in an attribute.

export const SUPPRESSED = "suppressed";

/** A name as people read it ("ended_early" → "ended early"). */
export function readable(name) {
  return String(name).replace(/_/g, " ");
}

/** A cell as people read it: the value (rounded for means), or the suppression marker. */
export function shown(table, cell) {
  if (cell.suppressed || cell.value === null) {
    return SUPPRESSED;
  }
  if (table.measure === "mean") {
    return Number(cell.value).toFixed(2); // the read model rounds means to two places
  }
  return String(cell.value);
}

/** The table's rows as CSV lines (RFC 4180), the heading row first. */
export function csvOf(table) {
  const lines = [[table.row_heading, ...table.columns]];
  for (const row of rowsWithTotal(table)) {
    lines.push([row.label, ...row.cells.map((cell) => csvValue(table, cell))]);
  }
  return lines.map((line) => line.map(csvField).join(",")).join("\r\n") + "\r\n";
}

function csvValue(table, cell) {
  if (cell.suppressed || cell.value === null) {
    return SUPPRESSED;
  }
  return String(cell.value);
}

function csvField(text) {
  let field = String(text);
  // A label starting like a formula must not run as one in a spreadsheet (CSV injection).
  if (/^[=+\-@\t\r]/.test(field)) {
    field = "'" + field;
  }
  return /[",\r\n]/.test(field) ? '"' + field.replace(/"/g, '""') + '"' : field;
}

/** The table's rows with its total row last (when it has one). */
export function rowsWithTotal(table) {
  return table.total ? [...table.rows, table.total] : [...table.rows];
}

/** Offer the CSV as a file download (built here, from the figures already on the page). */
export function download(table, filenameStem) {
  const blob = new Blob([csvOf(table)], { type: "text/csv;charset=utf-8" });
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = `${filenameStem}-${table.id}.csv`;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** An accessible HTML table: caption, column and row headers, the total row in a tfoot. */
export function tableElement(table) {
  const element = document.createElement("table");
  element.dataset.table = table.id;
  const caption = element.createCaption();
  caption.textContent = table.title;

  const head = element.createTHead().insertRow();
  head.append(header("col", readable(table.row_heading)));
  for (const column of table.columns) {
    const th = header("col", readable(column));
    th.dataset.column = column;
    head.append(th);
  }
  const body = element.createTBody();
  for (const row of table.rows) {
    body.append(rowElement(table, row, false));
  }
  if (table.total) {
    element.createTFoot().append(rowElement(table, table.total, true));
  }
  return element;
}

function header(scope, text) {
  const th = document.createElement("th");
  th.scope = scope;
  th.textContent = text;
  return th;
}

function rowElement(table, row, isTotal) {
  const tr = document.createElement("tr");
  tr.dataset.row = row.label;
  if (isTotal) {
    tr.dataset.total = "true";
  }
  tr.append(header("row", row.label));
  row.cells.forEach((cell, index) => {
    const td = document.createElement("td");
    td.dataset.column = table.columns[index];
    const text = shown(table, cell);
    if (text === SUPPRESSED) {
      td.className = "suppressed";
      td.title = "fewer than 5 people, or would reveal such a figure";
    }
    td.textContent = text;
    tr.append(td);
  });
  return tr;
}
