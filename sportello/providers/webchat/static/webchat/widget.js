/* Sportello web chat widget: <script src=".../static/webchat/widget.js" data-channel="KEY" async>
   Plain JavaScript, no build step. Renders in a shadow DOM so the host page's CSS stays out.
   Talks to /hooks/webchat/KEY/ over HTTP and /ws/webchat/KEY/ over a websocket; when the
   socket cannot open it polls. docs/architecture/webchat.md */
(function () {
  "use strict";
  var script = document.currentScript || document.querySelector("script[data-channel]");
  if (!script || window.__sportelloChat) return;
  window.__sportelloChat = true;
  var key = script.getAttribute("data-channel");
  var server = new URL(script.src).origin;
  var base = server + "/hooks/webchat/" + encodeURIComponent(key) + "/";
  var lang = (document.documentElement.lang || navigator.language || "it").slice(0, 2).toLowerCase();
  if (lang !== "en") lang = "it";
  var T = {
    it: { open: "Apri la chat", close: "Chiudi la chat", title: "Chatta con noi", send: "Invia",
      placeholder: "Scrivi un messaggio…", attach: "Allega un'immagine o un PDF", name: "Nome (facoltativo)",
      email: "Email", typing: " sta scrivendo…", you: "Tu", offline: "Siamo fuori orario.",
      replyAt: "Risposta prevista: ", leave: "Lasciaci la tua email: la risposta arriverà lì.",
      save: "Salva", saved: "Grazie! Ti risponderemo anche per email.", failed: "Non inviato, riprovo…",
      read: "Letto", file: "Allegato: ", log: "Messaggi della chat", refused: "La chat non è disponibile su questo sito.",
      search: "Cerca nelle nostre guide", find: "Cerca", none: "Nessun articolo trovato: scrivici.", chat: "Chatta con noi" },
    en: { open: "Open the chat", close: "Close the chat", title: "Chat with us", send: "Send",
      placeholder: "Write a message…", attach: "Attach an image or a PDF", name: "Name (optional)",
      email: "Email", typing: " is typing…", you: "You", offline: "We are away right now.",
      replyAt: "Expected reply: ", leave: "Leave your email: the answer will reach you there.",
      save: "Save", saved: "Thanks! We will also answer by email.", failed: "Not sent, retrying…",
      read: "Read", file: "Attached: ", log: "Chat messages", refused: "The chat is not available on this site.",
      search: "Search our help center", find: "Search", none: "No article found: write to us.", chat: "Chat with us" }
  }[lang];

  var store = window.localStorage;
  var state = { token: store.getItem("sportello-chat:" + key) || "", last: 0, seen: {}, settings: null,
    email: store.getItem("sportello-chat-email:" + key) || "", name: "", ws: null, polling: null, open: false };

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    for (var name in attrs || {}) node.setAttribute(name, attrs[name]);
    if (text) node.textContent = text;
    return node;
  }
  function call(method, path, body, isForm) {
    // The settings are a simple request (no preflight), so a refused site learns why.
    var headers = {};
    if (state.token && path !== "config") headers["X-Visitor-Token"] = state.token;
    if (body && !isForm) headers["Content-Type"] = "application/json";
    var url = base + path + (path.indexOf("?") < 0 ? "?" : "&") + "lang=" + lang;
    return fetch(url, { method: method, headers: headers, mode: "cors",
      body: body ? (isForm ? body : JSON.stringify(body)) : undefined })
      .then(function (r) { return r.json().then(function (j) { if (!r.ok) { j.status = r.status; throw j; } return j; }); });
  }

  var host = el("div", { id: "sportello-chat" });
  var root = host.attachShadow ? host.attachShadow({ mode: "open" }) : host;
  var css = ":host{all:initial}*{box-sizing:border-box;font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif}" +
    ".launch{position:fixed;bottom:20px;width:56px;height:56px;border-radius:50%;border:0;color:#fff;cursor:pointer;box-shadow:0 4px 14px rgba(0,0,0,.25);z-index:2147483646}" +
    ".launch svg{width:28px;height:28px;fill:currentColor}.launch:focus-visible,button:focus-visible,input:focus-visible,textarea:focus-visible{outline:3px solid #ffbf47;outline-offset:2px}" +
    ".panel{position:fixed;bottom:88px;width:370px;max-width:calc(100vw - 24px);height:560px;max-height:calc(100vh - 110px);background:#fff;color:#1b1b1b;border-radius:14px;box-shadow:0 8px 30px rgba(0,0,0,.25);display:flex;flex-direction:column;overflow:hidden;z-index:2147483647;font-size:15px}" +
    ".panel[hidden]{display:none}header{color:#fff;padding:14px 16px;display:flex;align-items:center;justify-content:space-between}" +
    "header h2{margin:0;font-size:17px;font-weight:600}header p{margin:2px 0 0;font-size:13px;opacity:.92}" +
    ".x{background:transparent;border:0;color:#fff;font-size:24px;line-height:1;cursor:pointer;width:36px;height:36px;border-radius:6px}" +
    ".log{flex:1;overflow-y:auto;padding:12px;display:flex;flex-direction:column;gap:8px;background:#f6f7f9}" +
    ".m{max-width:82%;padding:8px 11px;border-radius:12px;white-space:pre-wrap;word-wrap:break-word;line-height:1.35}" +
    ".m.visitor{align-self:flex-end;color:#fff;border-bottom-right-radius:4px}.m.agent{align-self:flex-start;background:#fff;border:1px solid #dde1e6;border-bottom-left-radius:4px}" +
    ".m .who{display:flex;align-items:center;gap:6px;font-size:12px;font-weight:600;margin-bottom:3px;color:#444}.av{width:22px;height:22px;border-radius:50%;object-fit:cover;flex:none;display:inline-flex;align-items:center;justify-content:center;font-size:10px;color:#fff}" +
    ".help{flex:1;overflow-y:auto;padding:12px;display:flex;flex-direction:column;gap:10px;background:#f6f7f9}.help form{display:flex;gap:6px}.help input{flex:1;min-width:0;padding:9px;border:1px solid #b9b9b9;border-radius:10px;font-size:15px}" +
    ".help ul{list-style:none;margin:0;padding:0;display:flex;flex-direction:column;gap:8px}.help li a{display:block;background:#fff;border:1px solid #dde1e6;border-radius:10px;padding:9px 11px;color:#1b1b1b;text-decoration:none}.help li a:hover{border-color:#8c96a5}.help li b{display:block;margin-bottom:2px}.help li span{font-size:13px;color:#444}.help .btn.wide{height:46px;width:100%}" +
    ".m a{color:inherit}.m .meta{display:block;font-size:11px;opacity:.75;margin-top:3px;text-align:right}" +
    ".note{font-size:13px;color:#444;padding:4px 2px}.off{background:#fff8e1;border:1px solid #f0d77a;border-radius:10px;padding:10px;font-size:14px;color:#3d3200}" +
    ".off form{display:flex;gap:6px;margin-top:8px}.off input{flex:1;min-width:0;padding:8px;border:1px solid #b9b9b9;border-radius:8px;font-size:14px}" +
    "form.compose{display:flex;gap:6px;align-items:flex-end;padding:10px;border-top:1px solid #e3e5e8;background:#fff}" +
    "textarea{flex:1;resize:none;border:1px solid #b9b9b9;border-radius:10px;padding:9px;font-size:15px;max-height:120px;min-height:42px}" +
    ".btn{border:0;color:#fff;border-radius:10px;padding:0 14px;height:42px;font-size:15px;cursor:pointer;font-weight:600}" +
    ".clip{background:#eef0f3;color:#222;width:42px;padding:0;display:flex;align-items:center;justify-content:center}.typing{font-size:12px;color:#555;padding:0 14px 4px;min-height:16px;background:#f6f7f9}" +
    "[hidden]{display:none!important}.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}" +
    "@media (max-width:480px){.panel{inset:0;width:100vw;max-width:100vw;height:100%;max-height:100%;border-radius:0;bottom:0}}";
  root.appendChild(el("style", {}, css));
  var side = "right";
  var launch = el("button", { "class": "launch", type: "button", hidden: "", "aria-label": T.open, "aria-expanded": "false", "aria-controls": "panel" });
  launch.innerHTML = '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H8l-5 4V5a2 2 0 0 1 1-2z"/></svg>';
  var panel = el("div", { "class": "panel", id: "panel", role: "dialog", "aria-modal": "true", "aria-labelledby": "title", hidden: "" });
  var header = el("header");
  var heading = el("div");
  heading.appendChild(el("h2", { id: "title" }, T.title));
  var status = el("p", { id: "status" });
  heading.appendChild(status);
  var closeBtn = el("button", { "class": "x", type: "button", "aria-label": T.close }, "×");
  header.appendChild(heading); header.appendChild(closeBtn);
  var log = el("div", { "class": "log", role: "log", "aria-live": "polite", "aria-label": T.log, tabindex: "0" });
  var typing = el("div", { "class": "typing", "aria-live": "polite" });
  var form = el("form", { "class": "compose" });
  var fileLabel = el("label", { "class": "btn clip", title: T.attach });
  fileLabel.appendChild(el("span", { "class": "sr" }, T.attach));
  var clip = el("span", { "aria-hidden": "true" });
  clip.innerHTML = '<svg viewBox="0 0 24 24" width="20" height="20"><path fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" d="M21 11.5l-8.5 8.5a5 5 0 0 1-7-7l9-9a3.3 3.3 0 0 1 4.7 4.7l-9 9a1.7 1.7 0 0 1-2.4-2.4l8.3-8.3"/></svg>';
  fileLabel.appendChild(clip);
  var file = el("input", { type: "file", accept: "image/png,image/jpeg,image/gif,image/webp,application/pdf", "class": "sr" });
  fileLabel.appendChild(file);
  var textLabel = el("label", { "for": "text", "class": "sr" }, T.placeholder);
  var text = el("textarea", { id: "text", rows: "1", placeholder: T.placeholder, maxlength: "4000" });
  var sendBtn = el("button", { "class": "btn", type: "submit" }, T.send);
  form.appendChild(fileLabel); form.appendChild(textLabel); form.appendChild(text); form.appendChild(sendBtn);
  // The help center's search, first when the channel turns it on; "Chat with us" below.
  var help = el("div", { "class": "help", hidden: "" });
  var helpForm = el("form", { role: "search" });
  var question = el("input", { type: "search", "aria-label": T.search, placeholder: T.search, maxlength: "200" });
  var findBtn = el("button", { "class": "btn", type: "submit" }, T.find);
  var results = el("ul", { "aria-live": "polite" });
  var toChat = el("button", { "class": "btn wide", type: "button" }, T.chat);
  helpForm.appendChild(question); helpForm.appendChild(findBtn);
  help.appendChild(helpForm); help.appendChild(results); help.appendChild(toChat);
  panel.appendChild(header); panel.appendChild(help); panel.appendChild(log); panel.appendChild(typing); panel.appendChild(form);
  root.appendChild(launch); root.appendChild(panel);

  function paint(settings) {
    var color = settings.color || "#1f6feb";
    side = settings.position === "left" ? "left" : "right";
    [launch, panel].forEach(function (n) { n.style[side] = "20px"; });
    launch.style.background = color; header.style.background = color;
    sendBtn.style.background = findBtn.style.background = toChat.style.background = color;
    status.textContent = settings.online ? settings.greeting : T.offline;
  }
  function linkify(node, value) {
    var parts = String(value).split(/(https?:\/\/[^\s<>"]+)/g);
    parts.forEach(function (part, i) {
      if (i % 2) { var a = el("a", { href: part, target: "_blank", rel: "noopener noreferrer" }, part); node.appendChild(a); }
      else if (part) node.appendChild(document.createTextNode(part));
    });
  }
  function show(message) {
    if (!message || !message.id || state.seen[message.id]) return;
    state.seen[message.id] = true;
    var box = el("div", { "class": "m " + (message.author === "agent" ? "agent" : "visitor"), "data-id": String(message.id) });
    if (message.author === "visitor") box.style.background = (state.settings && state.settings.color) || "#1f6feb";
    box.appendChild(message.author === "agent" ? who(message) : el("span", { "class": "sr" }, T.you));
    linkify(box, message.text || "");
    (message.attachments || []).forEach(function (a) { box.appendChild(el("span", { "class": "meta" }, T.file + a.filename)); });
    var pending = log.querySelector('[data-client="' + message.client_id + '"]');
    if (pending) pending.remove();
    log.appendChild(box);
    log.scrollTop = log.scrollHeight;
    if (message.id > state.last) state.last = message.id;
    if (message.author === "agent") { typing.textContent = ""; if (!state.open) launch.setAttribute("aria-label", T.open + " (1+)"); }
  }
  function who(message) {
    // The agent's display name and picture (or initials): all the widget knows of them.
    var line = el("span", { "class": "who" }), name = message.name || "", pic;
    if (/^\/hooks\/webchat\/avatars\/[\w-]+$/.test(message.avatar || "")) pic = el("img", { "class": "av", src: server + message.avatar, alt: "" });
    else {
      pic = el("span", { "class": "av", "aria-hidden": "true" }, name.split(/\s+/).slice(0, 2).map(function (w) { return w.charAt(0); }).join("").toUpperCase());
      pic.style.background = (state.settings && state.settings.color) || "#1f6feb";
    }
    line.appendChild(pic); line.appendChild(document.createTextNode(name));
    return line;
  }
  function chatMode(on) {
    state.chatting = on;
    help.hidden = on; log.hidden = typing.hidden = form.hidden = !on;
    (on ? text : question).focus();
    if (on) offlineForm();
  }
  helpForm.addEventListener("submit", function (e) {
    e.preventDefault();
    if (!question.value.trim()) return;
    call("GET", "search?q=" + encodeURIComponent(question.value.trim())).then(function (answer) {
      results.replaceChildren();
      (answer.results || []).forEach(function (r) {
        var a = el("a", { href: server + r.path, target: "_blank", rel: "noopener noreferrer" });
        a.appendChild(el("b", {}, r.title)); a.appendChild(el("span", {}, r.snippet));
        var li = el("li"); li.appendChild(a); results.appendChild(li);
      });
      if (!results.firstChild) results.appendChild(el("li", { "class": "note" }, T.none));
    }).catch(function () {});
  });
  toChat.addEventListener("click", function () { chatMode(true); });
  function showAll(answer) {
    (answer.messages || []).forEach(show);
    if (answer.typing !== undefined) typing.textContent = answer.typing ? answer.typing + T.typing : "";
    markRead();
  }
  function markRead() {
    if (!state.open || !state.last) return;
    if (state.ws && state.ws.readyState === 1) state.ws.send(JSON.stringify({ type: "read", until: state.last }));
    else call("POST", "read", { until: state.last }).catch(function () {});
  }
  function offlineForm() {
    if (!state.settings || state.settings.online || log.querySelector(".off")) return;
    var box = el("div", { "class": "off" });
    var when = state.settings.reply_expected_at ? new Date(state.settings.reply_expected_at) : null;
    box.appendChild(el("div", {}, state.settings.offline_text));
    if (when) box.appendChild(el("div", {}, T.replyAt + when.toLocaleString(lang === "it" ? "it-IT" : "en-GB", { weekday: "long", hour: "2-digit", minute: "2-digit" }) + "."));
    var f = el("form", {});
    var email = el("input", { type: "email", required: "", autocomplete: "email", "aria-label": T.email, placeholder: T.email, value: state.email });
    f.appendChild(email); f.appendChild(el("button", { "class": "btn", type: "submit", style: "background:" + state.settings.color }, T.save));
    f.addEventListener("submit", function (e) { e.preventDefault(); state.email = email.value.trim(); store.setItem("sportello-chat-email:" + key, state.email); box.replaceChildren(el("div", {}, T.saved)); });
    box.appendChild(f);
    log.insertBefore(box, log.firstChild);
  }

  function poll() {
    if (state.polling) return;
    var wait = function () { return state.open ? 3000 : 15000; };
    var tick = function () {
      call("GET", "messages?after=" + state.last).then(showAll).catch(function () {}).then(function () {
        state.polling = setTimeout(tick, wait());
      });
    };
    state.polling = setTimeout(tick, wait());
  }
  var retries = 0;
  function connect() {
    if (!window.WebSocket) return poll();
    var ws = new WebSocket(server.replace(/^http/, "ws") + "/ws/webchat/" + encodeURIComponent(key) + "/?token=" + encodeURIComponent(state.token));
    var opened = false;
    ws.onopen = function () { opened = true; retries = 0; state.ws = ws; clearTimeout(state.polling); state.polling = null; ws.send(JSON.stringify({ type: "hello", after: state.last })); };
    ws.onmessage = function (e) {
      var ev = JSON.parse(e.data);
      if (ev.type === "messages") showAll(ev);
      else if (ev.type === "message" || ev.type === "sent") { show(ev.message); markRead(); }
      else if (ev.type === "typing") {
        typing.textContent = ev.name ? ev.name + T.typing : "";
        clearTimeout(state.typingTimer);
        state.typingTimer = setTimeout(function () { typing.textContent = ""; }, 6000);
      }
    };
    ws.onclose = function () {
      state.ws = null;
      // Blocked sockets (a proxy, a firewall) never open: poll instead; a dropped one comes back.
      poll();
      if (opened || retries < 3) { retries += 1; setTimeout(connect, Math.min(30000, 1000 * Math.pow(2, retries))); }
    };
  }

  function uid() { return Date.now().toString(36) + Math.random().toString(36).slice(2, 10); }
  function submit(body, isForm, clientId, label) {
    var pending = el("div", { "class": "m visitor", "data-client": clientId, style: "opacity:.6;background:" + ((state.settings && state.settings.color) || "#1f6feb") }, label);
    log.appendChild(pending); log.scrollTop = log.scrollHeight;
    var attempt = function (n) {
      call("POST", "messages", body, isForm).then(function (line) { line.client_id = clientId; show(line); if (!state.ws) { poll(); } })
        .catch(function (err) {
          if (err && err.status && err.status < 500 && err.status !== 429) { pending.textContent = label + " — " + (err.detail || ""); return; }
          pending.setAttribute("title", T.failed);
          setTimeout(function () { attempt(n + 1); }, Math.min(30000, 1000 * Math.pow(2, n)));
        });
    };
    attempt(0);
  }
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var value = text.value.trim();
    var chosen = file.files && file.files[0];
    if (!value && !chosen) return;
    var clientId = uid();
    if (chosen) {
      var data = new FormData();
      data.append("text", value); data.append("client_id", clientId); data.append("file", chosen);
      if (state.email) data.append("email", state.email);
      submit(data, true, clientId, (value ? value + " " : "") + T.file + chosen.name);
      file.value = "";
    } else {
      var body = { text: value, client_id: clientId };
      if (state.email) body.email = state.email;
      submit(body, false, clientId, value);
    }
    text.value = "";
  });
  var lastTyping = 0;
  text.addEventListener("input", function () {
    var now = Date.now();
    if (now - lastTyping < 3000 || !state.last) return;
    lastTyping = now;
    if (state.ws && state.ws.readyState === 1) state.ws.send(JSON.stringify({ type: "typing" }));
    else call("POST", "typing", {}).catch(function () {});
  });
  text.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); form.requestSubmit ? form.requestSubmit() : form.dispatchEvent(new Event("submit")); }
  });

  function toggle(open) {
    state.open = open;
    panel.hidden = !open;
    launch.setAttribute("aria-expanded", String(open));
    launch.setAttribute("aria-label", open ? T.close : T.open);
    if (open) { chatMode(state.chatting || !!state.last || !(state.settings && state.settings.help_search)); markRead(); } else launch.focus();
  }
  launch.addEventListener("click", function () { toggle(panel.hidden); });
  closeBtn.addEventListener("click", function () { toggle(false); });
  panel.addEventListener("keydown", function (e) {
    if (e.key === "Escape") { toggle(false); return; }
    if (e.key !== "Tab") return;
    // Focus stays inside the open panel (a modal dialog).
    var items = Array.prototype.filter.call(panel.querySelectorAll("button,input,textarea,a[href],[tabindex='0']"), function (n) { return !n.disabled && n.offsetParent !== null || n === file; });
    items = items.filter(function (n) { return n !== file; });
    var first = items[0], last = items[items.length - 1], active = root.activeElement;
    if (e.shiftKey && active === first) { e.preventDefault(); last.focus(); }
    else if (!e.shiftKey && active === last) { e.preventDefault(); first.focus(); }
  });

  function start() {
    document.body.appendChild(host);
    call("GET", "config").then(function (settings) {
      state.settings = settings; paint(settings);
      return call("POST", "session", null);
    }).then(function (session) {
      state.token = session.token; store.setItem("sportello-chat:" + key, state.token);
      showAll(session); launch.hidden = false; connect();
    }).catch(function (err) {
      host.setAttribute("data-refused", String(err && err.status || "error"));
      launch.hidden = true;
      if (window.console) console.warn("Sportello chat:", T.refused, err && err.detail);
    });
  }
  if (document.body) start(); else document.addEventListener("DOMContentLoaded", start);
})();
