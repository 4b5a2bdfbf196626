/* Keyboard shortcuts of the agent UI. In a list: j/k move between rows, Enter or o opens
   the row, x selects it; / goes to the search box; in a conversation: r goes to the reply
   box, e resolves; ? lists them all in a dialog. Nothing fires while the agent types in a
   field, or with Ctrl, Alt or Cmd held. The dialog's words come translated on this file's
   <script> tag (data-title, data-close, data-help). */
(function () {
  "use strict";

  var script = document.currentScript;

  var NOT_TYPED = ["checkbox", "radio", "button", "submit", "reset"];

  function typing(target) {
    if (!target || !target.tagName) return false;
    if (target.isContentEditable) return true;
    if (target.tagName === "TEXTAREA" || target.tagName === "SELECT") return true;
    return target.tagName === "INPUT" && NOT_TYPED.indexOf(target.type) === -1;
  }

  function rows() {
    return Array.prototype.slice.call(document.querySelectorAll("[data-shortcut-row]"));
  }

  function currentRow() {
    var active = document.activeElement;
    return active && active.closest ? active.closest("[data-shortcut-row]") : null;
  }

  function move(step) {
    var all = rows();
    if (!all.length) return false;
    var index = all.indexOf(currentRow());
    var next = index === -1 ? (step > 0 ? 0 : all.length - 1)
      : Math.min(all.length - 1, Math.max(0, index + step));
    var link = all[next].querySelector(".conv-link, a");
    if (!link) return false;
    link.focus();
    link.scrollIntoView({ block: "nearest" });
    return true;
  }

  function open() {
    var row = currentRow();
    var link = row && row.querySelector(".conv-link, a");
    if (!link) return false;
    link.click();
    return true;
  }

  function select() {
    var row = currentRow();
    var box = row && row.querySelector("input[type=checkbox]");
    if (!box) return false;
    box.checked = !box.checked;
    box.dispatchEvent(new Event("change", { bubbles: true }));
    return true;
  }

  function focusFirst(selectors) {
    for (var i = 0; i < selectors.length; i++) {
      var found = document.querySelector(selectors[i]);
      if (found) { found.focus(); return true; }
    }
    return false;
  }

  function resolve() {
    var button = document.querySelector("[data-shortcut='resolve']");
    if (button) { button.click(); return true; }
    // The conversation header's one-click "Resolve" form.
    var input = document.querySelector("form.quick-status input[name=status][value=resolved]");
    if (input && input.form) { input.form.requestSubmit(); return true; }
    return false;
  }

  var dialog = null;

  function help() {
    if (!dialog) dialog = buildDialog();
    if (!dialog) return false;
    if (!dialog.open) dialog.showModal();
    return true;
  }

  function buildDialog() {
    if (!script || typeof HTMLDialogElement === "undefined") return null;
    var entries;
    try { entries = JSON.parse(script.dataset.help || "[]"); } catch (error) { return null; }
    var box = document.createElement("dialog");
    box.className = "shortcuts-dialog";
    box.id = "shortcuts-dialog";
    box.setAttribute("aria-labelledby", "shortcuts-title");
    var title = document.createElement("h2");
    title.id = "shortcuts-title";
    title.textContent = script.dataset.title || "";
    box.appendChild(title);
    var list = document.createElement("dl");
    list.className = "shortcuts-list";
    entries.forEach(function (entry) {
      var keys = document.createElement("dt");
      entry[0].split(" / ").forEach(function (key, n) {
        if (n) keys.appendChild(document.createTextNode(" / "));
        var kbd = document.createElement("kbd");
        kbd.textContent = key;
        keys.appendChild(kbd);
      });
      var what = document.createElement("dd");
      what.textContent = entry[1];
      list.appendChild(keys);
      list.appendChild(what);
    });
    box.appendChild(list);
    var form = document.createElement("form");
    form.method = "dialog";
    var close = document.createElement("button");
    close.type = "submit";
    close.className = "button button-small";
    close.textContent = script.dataset.close || "OK";
    form.appendChild(close);
    box.appendChild(form);
    // A click on the backdrop closes it too.
    box.addEventListener("click", function (event) { if (event.target === box) box.close(); });
    document.body.appendChild(box);
    return box;
  }

  var actions = {
    j: function () { return move(1); },
    k: function () { return move(-1); },
    o: open,
    x: select,
    "/": function () { return focusFirst(["[data-shortcut='search']", "input[type=search]"]); },
    r: function () {
      return focusFirst(["[data-shortcut='reply']", "form[data-composer][action$='/reply/'] textarea", "form[data-composer] textarea"]);
    },
    e: resolve,
    "?": help
  };

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
    if (typing(event.target)) return;
    if (dialog && dialog.open) return;
    var action = actions[event.key];
    if (!action) return;
    if (action()) event.preventDefault();
  });
})();
