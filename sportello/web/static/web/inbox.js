/* The inbox's bulk bar: rows selected with their checkboxes (which belong to #bulk-form),
   "select all on page", the count, and the selection kept when the list is refreshed
   (a live update or a filter swaps #inbox-results). Without this file the bar still
   works: tick rows, choose, apply. */
(function () {
  "use strict";

  function form() { return document.getElementById("bulk-form"); }
  function boxes() { return Array.prototype.slice.call(document.querySelectorAll("#conversation-rows .conv-select")); }

  function update() {
    var bulk = form();
    if (!bulk) return;
    var all = boxes();
    var checked = all.filter(function (box) { return box.checked; });
    var count = bulk.querySelector("[data-bulk-count]");
    var n = checked.length;
    count.textContent = n === 0 ? count.dataset.none
      : n === 1 ? count.dataset.one : count.dataset.many.replace("%(count)s", String(n));
    var toggle = bulk.querySelector("[data-bulk-all]");
    toggle.checked = n > 0 && n === all.length;
    toggle.indeterminate = n > 0 && n < all.length;
    bulk.querySelector("[data-bulk-controls]").disabled = n === 0;
    bulk.classList.toggle("has-selection", n > 0);
    all.forEach(function (box) {
      var row = box.closest(".conv-row");
      if (row) row.classList.toggle("is-selected", box.checked);
    });
  }

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.matches && target.matches("[data-bulk-all]")) {
      boxes().forEach(function (box) { box.checked = target.checked; });
      update();
    } else if (target.classList && target.classList.contains("conv-select")) {
      update();
    }
  });

  document.addEventListener("submit", function (event) {
    var bulk = form();
    if (event.target !== bulk) return;
    // Back to the inbox as it is now (filters changed since the page loaded are in the URL).
    bulk.querySelector("[data-bulk-next]").value = location.pathname + location.search;
  });

  // A refreshed list keeps what was selected (rows still listed stay ticked).
  var kept = [];
  document.addEventListener("htmx:beforeSwap", function () {
    kept = boxes().filter(function (box) { return box.checked; }).map(function (box) { return box.value; });
  });
  document.addEventListener("htmx:afterSettle", function () {
    boxes().forEach(function (box) { if (kept.indexOf(box.value) !== -1) box.checked = true; });
    update();
  });

  // Shortcuts (shortcuts.js) tick a row with "x": it says so with this event.
  document.addEventListener("sportello:selection", update);

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", update);
  else update();
})();
