/* The article editor's toolbar: wraps the selected text of the body in simple HTML tags.
   Without JavaScript the toolbar stays hidden and the body is plain HTML to type. */
(function () {
  "use strict";
  var toolbar = document.querySelector("[data-kb-toolbar]");
  var box = document.querySelector("textarea[data-kb-body]");
  if (!toolbar || !box) return;
  toolbar.hidden = false;

  function replaceSelection(make) {
    var start = box.selectionStart, end = box.selectionEnd, value = box.value;
    var text = make(value.slice(start, end));
    box.value = value.slice(0, start) + text + value.slice(end);
    box.focus();
    box.setSelectionRange(start, start + text.length);
    box.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function escapeAttribute(value) {
    return value.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;");
  }

  toolbar.addEventListener("click", function (event) {
    var button = event.target.closest("button");
    if (!button) return;
    var tag = button.getAttribute("data-kb-wrap");
    if (tag) {
      replaceSelection(function (s) { return "<" + tag + ">" + s + "</" + tag + ">"; });
    } else if (button.hasAttribute("data-kb-list")) {
      replaceSelection(function (s) {
        var lines = s.split(/\n+/).filter(function (l) { return l.trim(); });
        if (!lines.length) lines = [""];
        return "<ul>\n" + lines.map(function (l) { return "  <li>" + l.trim() + "</li>"; }).join("\n") + "\n</ul>";
      });
    } else if (button.hasAttribute("data-kb-link")) {
      var address = window.prompt(button.getAttribute("data-kb-prompt") || "https://", "https://");
      if (!address || !/^(https?:\/\/|mailto:|\/)/i.test(address)) return;
      replaceSelection(function (s) {
        return '<a href="' + escapeAttribute(address) + '">' + (s || address) + "</a>";
      });
    }
  });
})();
