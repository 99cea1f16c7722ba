// Sorts a table by the column whose header button is clicked: numbers by
// value (data-v when a cell has one), text alphabetically; a second click
// reverses the order.
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  function key(cell, numeric) {
    var v = cell.getAttribute("data-v");
    if (v === null) {
      v = cell.textContent.trim();
    }
    if (numeric) {
      var n = parseFloat(v);
      return isNaN(n) ? -Infinity : n;
    }
    return v.toLowerCase();
  }
  document.querySelectorAll("table.sortable").forEach(function (table) {
    var heads = table.tHead.rows[0].cells;
    Array.prototype.forEach.call(heads, function (th, col) {
      var button = th.querySelector("button");
      if (!button) {
        return;
      }
      button.addEventListener("click", function () {
        var numeric = th.classList.contains("num") || th.getAttribute("data-sort") === "num";
        var current = th.getAttribute("aria-sort");
        // A new column sorts numbers largest first, text from A; the
        // same column again reverses.
        var asc = current === null ? !numeric : current === "descending";
        Array.prototype.forEach.call(heads, function (h) { h.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", asc ? "ascending" : "descending");
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.forEach(function (r, i) { r.dataset.i = i; });
        rows.sort(function (a, b) {
          var x = key(a.cells[col], numeric), y = key(b.cells[col], numeric);
          var c = x < y ? -1 : x > y ? 1 : a.dataset.i - b.dataset.i;
          return asc ? c : -c;
        });
        rows.forEach(function (r) { body.appendChild(r); });
      });
    });
  });
})();
