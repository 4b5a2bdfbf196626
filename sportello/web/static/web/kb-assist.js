/* Agent assist: "Insert" puts a suggested article's passage and link into the reply box. */
(function () {
  "use strict";
  if (window.sportelloKbAssist) return;
  window.sportelloKbAssist = true;

  function insert(box, text) {
    var start = box.selectionStart, end = box.selectionEnd, value = box.value;
    if (typeof start !== "number" || document.activeElement !== box) {
      start = end = value.length;
    }
    var before = value.slice(0, start), after = value.slice(end);
    var lead = before && !/\n\s*$/.test(before) ? "\n\n" : "";
    box.value = before + lead + text + after;
    var caret = (before + lead + text).length;
    box.focus();
    box.setSelectionRange(caret, caret);
    box.dispatchEvent(new Event("input", { bubbles: true }));
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-kb-insert]");
    if (!button) return;
    var box = document.querySelector("#reply-form textarea[name='text']");
    if (box) insert(box, button.getAttribute("data-kb-insert"));
  });
})();
