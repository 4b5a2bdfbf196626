/* Sportello agent UI: small progressive enhancements. Every page works without this file. */
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  function setMenu(toggle, open) {
    var nav = document.getElementById(toggle.getAttribute("aria-controls"));
    toggle.setAttribute("aria-expanded", String(open));
    if (nav) nav.classList.toggle("is-open", open);
  }

  document.addEventListener("click", function (event) {
    var toggle = event.target.closest("[data-menu-toggle]");
    if (toggle) setMenu(toggle, toggle.getAttribute("aria-expanded") !== "true");
  });

  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") {
      var open = document.querySelector("[data-menu-toggle][aria-expanded='true']");
      if (open) { setMenu(open, false); open.focus(); }
    }
    // Ctrl+Enter (Cmd+Enter on a Mac) sends the reply or note being written.
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      var form = event.target.closest && event.target.closest("form[data-composer]");
      // A reply box whose channel cannot deliver (Send disabled) does not send.
      if (form) { event.preventDefault(); if (!form.querySelector("button[data-send][disabled]")) form.requestSubmit(); }
    }
  });

  // Settings: a "Copy" button copies the field it names (a webhook URL, a snippet).
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy]");
    if (!button) return;
    var source = document.getElementById(button.getAttribute("data-copy"));
    if (!source || !navigator.clipboard) return;
    navigator.clipboard.writeText(source.value).then(function () {
      var label = button.textContent;
      button.textContent = button.getAttribute("data-copied") || label;
      setTimeout(function () { button.textContent = label; }, 1500);
    });
  });

  // A conversation opens at its latest entry (the thread reads oldest first, so the
  // history stays above); a link to one message (#m123) keeps its own place.
  function showLatest() {
    var thread = document.getElementById("thread");
    if (!thread || !thread.lastElementChild || window.location.hash) return;
    thread.lastElementChild.scrollIntoView({ block: "center" });
    thread.setAttribute("data-opened-at-latest", "");
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", showLatest);
  } else {
    showLatest();
  }

  // A message appended to the thread is scrolled into view.
  document.addEventListener("htmx:oobAfterSwap", function (event) {
    var target = event.detail && event.detail.target;
    if (target && target.id === "thread" && target.lastElementChild) {
      target.lastElementChild.scrollIntoView({ block: "nearest", behavior: "smooth" });
    }
  });
})();
