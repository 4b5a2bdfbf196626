/* Canned replies in the reply box: "/" at the start of a word, or the button, opens a
   searchable listbox; up/down choose, Enter inserts the reply rendered for this
   conversation, Escape closes. Without this file the button stays hidden and the page
   works as before (the replies are kept on /canned/). */
(function () {
  "use strict";

  var state = null; // the open picker: {picker, textarea, mode, start, items, active, timer}

  function pickerOf(el) { return el && el.closest ? el.closest("form[data-composer]") : null; }
  function parts(form) {
    var picker = form.querySelector("[data-canned-picker]");
    if (!picker) return null;
    return {
      form: form,
      picker: picker,
      textarea: form.querySelector("textarea[name='text']"),
      popup: picker.querySelector(".canned-popup"),
      input: picker.querySelector(".canned-input"),
      list: picker.querySelector(".canned-list"),
      empty: picker.querySelector(".canned-empty"),
      button: picker.querySelector("[data-canned-open]"),
      status: picker.querySelector("[data-canned-status]"),
      note: form.querySelector("[data-canned-note]")
    };
  }

  function say(p, text) { if (p.status) p.status.textContent = text; }

  function open(p, mode, start) {
    close(false);
    state = { p: p, mode: mode, start: start, items: [], active: -1, timer: null, seq: 0 };
    p.popup.hidden = false;
    p.popup.classList.toggle("is-slash", mode === "slash");
    p.button.setAttribute("aria-expanded", "true");
    var owner = mode === "slash" ? p.textarea : p.input;
    owner.setAttribute("aria-expanded", "true");
    if (mode === "slash") {
      p.textarea.setAttribute("aria-controls", p.list.id);
      p.textarea.setAttribute("aria-autocomplete", "list");
    } else {
      p.input.value = "";
      p.input.focus();
    }
    search("");
  }

  function close(refocus) {
    if (!state) return;
    var p = state.p, mode = state.mode;
    clearTimeout(state.timer);
    p.popup.hidden = true;
    p.button.setAttribute("aria-expanded", "false");
    p.input.setAttribute("aria-expanded", "false");
    p.input.removeAttribute("aria-activedescendant");
    p.textarea.removeAttribute("aria-activedescendant");
    p.textarea.removeAttribute("aria-controls");
    p.textarea.removeAttribute("aria-expanded");
    p.textarea.removeAttribute("aria-autocomplete");
    state = null;
    if (refocus) (mode === "slash" ? p.textarea : p.button).focus();
  }

  function search(query) {
    if (!state) return;
    var s = state, seq = ++s.seq;
    clearTimeout(s.timer);
    s.timer = setTimeout(function () {
      var url = s.p.picker.getAttribute("data-search-url") + "?q=" + encodeURIComponent(query);
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : { items: [] }; })
        .then(function (data) { if (state === s && seq === s.seq) show(data.items || []); })
        .catch(function () { if (state === s) show([]); });
    }, query ? 120 : 0);
  }

  function show(items) {
    var p = state.p;
    state.items = items;
    state.active = items.length ? 0 : -1;
    p.list.textContent = "";
    items.forEach(function (item, i) {
      var li = document.createElement("li");
      li.id = "canned-option-" + item.id;
      li.setAttribute("role", "option");
      li.className = "canned-option";
      li.dataset.index = String(i);
      var head = document.createElement("span");
      head.className = "canned-option-head";
      var code = document.createElement("code");
      code.textContent = "/" + item.shortcut;
      var title = document.createElement("span");
      title.className = "canned-option-title";
      title.textContent = item.title;
      head.appendChild(code);
      head.appendChild(title);
      var preview = document.createElement("span");
      preview.className = "canned-option-preview";
      preview.textContent = item.preview;
      li.appendChild(head);
      li.appendChild(preview);
      p.list.appendChild(li);
    });
    p.empty.hidden = items.length > 0;
    highlight();
    // The list opens below the box, so what is typed stays visible: bring it into view.
    p.popup.scrollIntoView({ block: "nearest" });
    say(p, p.picker.getAttribute("data-says-count").replace("%(count)s", String(items.length)));
  }

  function highlight() {
    var p = state.p, owner = state.mode === "slash" ? p.textarea : p.input;
    Array.prototype.forEach.call(p.list.children, function (li, i) {
      var on = i === state.active;
      li.setAttribute("aria-selected", String(on));
      li.classList.toggle("is-active", on);
      if (on) {
        owner.setAttribute("aria-activedescendant", li.id);
        li.scrollIntoView({ block: "nearest" });
      }
    });
    if (state.active < 0) owner.removeAttribute("aria-activedescendant");
  }

  function move(step) {
    if (!state || !state.items.length) return;
    var n = state.items.length;
    state.active = (state.active + step + n) % n;
    highlight();
  }

  function choose(index) {
    if (!state || index < 0 || index >= state.items.length) return;
    var s = state, p = s.p, item = s.items[index];
    var url = p.picker.getAttribute("data-search-url") + item.id + "/";
    var textarea = p.textarea;
    // Where the text goes: over the "/word" typed, or at the caret.
    var from = s.mode === "slash" ? s.start : textarea.selectionStart;
    var to = textarea.selectionEnd;
    close(false);
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data) return;
        var before = textarea.value.slice(0, from), after = textarea.value.slice(to);
        textarea.value = before + data.text + after;
        var caret = before.length + data.text.length;
        textarea.focus();
        textarea.setSelectionRange(caret, caret);
        textarea.dispatchEvent(new Event("input", { bubbles: true }));
        var unfilled = (data.missing || []).concat(data.unknown || []);
        if (p.note) {
          p.note.hidden = unfilled.length === 0;
          p.note.textContent = unfilled.length
            ? p.picker.getAttribute("data-says-missing").replace(
                "%(names)s", unfilled.map(function (n) { return "{{ " + n + " }}"; }).join(", "))
            : "";
        }
      });
  }

  // "/" typed at the start of a word opens the list; the word after it searches.
  function slashWord(textarea) {
    var caret = textarea.selectionStart;
    if (caret !== textarea.selectionEnd) return null;
    var before = textarea.value.slice(0, caret);
    var match = /(^|\s)\/([^\s\/]{0,40})$/.exec(before);
    if (!match) return null;
    return { start: caret - match[2].length - 1, query: match[2] };
  }

  document.addEventListener("input", function (event) {
    var target = event.target;
    if (target.matches && target.matches("form[data-composer] textarea[name='text']")) {
      var p = parts(pickerOf(target));
      if (!p) return;
      var word = slashWord(target);
      if (word && !(state && state.mode === "slash" && state.p.form === p.form)) {
        open(p, "slash", word.start);
      } else if (!word && state && state.mode === "slash") {
        close(false);
      }
      if (word && state) { state.start = word.start; search(word.query); }
    } else if (target.classList && target.classList.contains("canned-input") && state) {
      search(target.value.trim());
    }
  });

  document.addEventListener("keydown", function (event) {
    if (!state) return;
    var target = event.target, p = state.p;
    var ours = target === p.input || (state.mode === "slash" && target === p.textarea);
    if (!ours) return;
    if (event.key === "ArrowDown") { event.preventDefault(); move(1); }
    else if (event.key === "ArrowUp") { event.preventDefault(); move(-1); }
    else if (event.key === "Enter" && !event.ctrlKey && !event.metaKey && !event.shiftKey) {
      if (state.active >= 0) { event.preventDefault(); choose(state.active); }
      else if (state.mode !== "slash") { event.preventDefault(); }
    } else if (event.key === "Escape") {
      event.preventDefault();
      event.stopPropagation();
      close(true);
    } else if (event.key === "Tab" && state.mode !== "slash") {
      close(false);
    }
  }, true);

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-canned-open]");
    if (button) {
      var p = parts(pickerOf(button));
      if (!p) return;
      if (state && state.p.form === p.form) close(true);
      else open(p, "button", 0);
      return;
    }
    var option = event.target.closest && event.target.closest(".canned-option");
    if (option && state) {
      event.preventDefault();
      if (state.mode === "slash") state.p.textarea.focus();
      choose(Number(option.dataset.index));
      return;
    }
    if (state && !state.p.picker.contains(event.target) && event.target !== state.p.textarea) {
      close(false);
    }
  });

  // Clicking an option must not take the caret out of the reply box first.
  document.addEventListener("mousedown", function (event) {
    if (event.target.closest && event.target.closest(".canned-option")) event.preventDefault();
  });

  // htmx swaps the reply form after a send: a picker open in it is gone. Other swaps (the
  // knowledge base's suggestions arriving after the page, a live refresh) leave it open.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail && event.detail.target;
    if (state && target && target.contains(state.p.picker)) close(false);
  });

  // A macro chosen closes its menu; Escape closes it too.
  document.addEventListener("submit", function (event) {
    var menu = event.target.closest && event.target.closest("[data-macro-menu]");
    if (menu) menu.removeAttribute("open");
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    var menu = event.target.closest && event.target.closest("[data-macro-menu][open]");
    if (menu) { menu.removeAttribute("open"); menu.querySelector("summary").focus(); }
  });
})();
