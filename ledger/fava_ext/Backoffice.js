// The review pages' script, served by the extension (no network, no build step).
// Fava imports it once and calls init(); the listeners are on the document, so
// they serve every page Fava renders after, however it was reached.
//
// - A click on a header of a table.backoffice-rows sorts its rows by that column,
//   again in the other direction. A cell's data-sort, else its text, is the key:
//   when every key of the column is a number ("-1,234.50", "12", "3 EUR"), the
//   column sorts as numbers, else as text (ISO dates sort as text). Empty cells go
//   last. A row of class backoffice-detail moves with the row above it.
// - Changing a control of a form.backoffice-filters submits it (a date once it
//   has its year); the empty arguments are left out of the address.

const NUMBER = /^[-+]?\d+(\.\d+)?(\s+\S+)?$/;

function key(cell) {
  if (!cell) return "";
  const text = cell.dataset.sort ?? cell.innerText;
  return text.trim().replace(/\u2212/g, "-");
}

function number(text) {
  const plain = text.replace(/,/g, "");
  return NUMBER.test(plain) ? Number.parseFloat(plain) : null;
}

function columnIndex(th) {
  let index = 0;
  for (const cell of th.parentElement.cells) {
    if (cell === th) return index;
    index += cell.colSpan || 1;
  }
  return index;
}

function sortTable(th) {
  const table = th.closest("table");
  const body = table.tBodies[0];
  if (!body) return;
  const index = columnIndex(th);
  const descending = th.getAttribute("aria-sort") === "ascending";
  // Groups of a row and the detail rows under it.
  const groups = [];
  for (const row of body.rows) {
    if (row.classList.contains("backoffice-detail") && groups.length) {
      groups[groups.length - 1].rows.push(row);
    } else {
      groups.push({ rows: [row], key: key(row.cells[index]) });
    }
  }
  const keys = groups.map((g) => g.key).filter((k) => k !== "");
  const numeric = keys.length > 0 && keys.every((k) => number(k) !== null);
  const sign = descending ? -1 : 1;
  groups.sort((a, b) => {
    if (a.key === "" || b.key === "") return (a.key === "") - (b.key === "");
    const order = numeric
      ? number(a.key) - number(b.key)
      : a.key.localeCompare(b.key, undefined, { numeric: true });
    return sign * order;
  });
  for (const group of groups) body.append(...group.rows);
  for (const cell of th.parentElement.cells) cell.removeAttribute("aria-sort");
  th.setAttribute("aria-sort", descending ? "descending" : "ascending");
}

function submitFilters(form) {
  const args = new URLSearchParams();
  for (const [name, value] of new FormData(form)) {
    if (typeof value === "string" && value !== "") args.append(name, value);
  }
  window.location.search = args.toString();
}

export default {
  init() {
    document.addEventListener("click", (event) => {
      const th = event.target.closest("table.backoffice-rows > thead > tr > th");
      if (th && !th.closest("[data-nosort]")) sortTable(th);
    });
    document.addEventListener("change", (event) => {
      const control = event.target.closest("form.backoffice-filters select, form.backoffice-filters input");
      // A date typed by hand is complete only with its year: not on "0002-11-27".
      if (control?.type === "date" && !(control.value >= "1900")) return;
      if (control) submitFilters(control.form);
    });
    document.addEventListener("submit", (event) => {
      const form = event.target.closest("form.backoffice-filters");
      if (form) {
        event.preventDefault();
        submitFilters(form);
      }
    });
  },
};
