/* Sportello live updates: the agent pages' websocket (sportello/web/consumers.py).
 *
 * The socket only says what changed; the page fetches the changed part by URL through htmx,
 * with the agent's own permissions. A dropped socket reconnects with backoff and asks for
 * what happened after the last timeline id it saw. Every page works without this file. */
(function () {
  "use strict";

  var live = document.getElementById("live");
  if (!live || !window.WebSocket) return;
  live.hidden = false;

  var me = Number(live.dataset.agent);
  var status = document.getElementById("live-status");
  var presence = document.getElementById("presence");
  var conversation = presence ? Number(presence.dataset.conversation) : null;
  var seen = document.getElementById("reply-seen");
  // Where counting starts: the newest entry this page shows, or the server's at first hello.
  var lastId = seen && seen.value ? Number(seen.value) : null;
  var socket = null;
  var attempt = 0;
  var stopped = false;
  var viewers = {};
  var typists = {};
  var visitorTyping = "";
  var visitorTimer = null;

  function setState(state) {
    document.documentElement.setAttribute("data-live", state);
    status.textContent = state === "offline" ? live.dataset.offline : "";
  }

  function socketUrl() {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    var url = scheme + location.host + live.dataset.socket;
    return conversation ? url + "?conversation=" + conversation : url;
  }

  function connect() {
    socket = new WebSocket(socketUrl());
    socket.onopen = function () {
      attempt = 0;
      if (lastId !== null) send({ type: "resume", after: lastId });
    };
    socket.onmessage = function (message) {
      var data;
      try { data = JSON.parse(message.data); } catch (e) { return; }
      receive(data);
    };
    socket.onclose = function (event) {
      socket = null;
      viewers = {};
      typists = {};
      showPresence();
      // 4401/4403/4404: signed out, not an agent, no such conversation: retrying will not help.
      if (stopped || (event.code >= 4400 && event.code < 4500)) { setState("closed"); return; }
      setState("offline");
      var delay = Math.min(30000, 500 * Math.pow(2, attempt)) * (0.75 + Math.random() / 2);
      attempt += 1;
      setTimeout(connect, delay);
    };
  }

  function send(data) {
    if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(data));
  }

  function receive(data) {
    if (data.type === "hello") {
      if (lastId === null) lastId = data.last_id;
      setState("connected");
    } else if (data.type === "event" && data.event === "notification.added") {
      // A rule notified someone: only the bell may change, and only for them.
      if ((data.agents || []).indexOf(me) >= 0) {
        pending.nav = true;
        if (!timer) timer = setTimeout(flush, 150);
      }
    } else if (data.type === "event") {
      if (data.id && data.id > lastId) lastId = data.id;
      changed(data.conversation);
      if (data.conversation === conversation && (data.event === "message.sent" || data.event === "note.added")) {
        // Whoever was typing has most likely just sent it.
        Object.keys(typists).forEach(function (id) { clearTimeout(typists[id]); });
        typists = {};
        showPresence();
      }
      if (data.conversation === conversation && data.event === "message.received") {
        clearTimeout(visitorTimer);
        visitorTyping = "";
        showPresence();
      }
      if (data.event === "conversation.opened" && (data.assignee === null || data.assignee === me)) {
        notify(data);
      }
    } else if (data.type === "catchup") {
      lastId = data.last_id;
      if (data.conversations.length || !data.complete) changed(null);
      else if (conversation) refreshThread();  // a delivery's state may have moved meanwhile
    } else if (data.type === "presence") {
      if (data.state === "here") viewers[data.agent] = data.name;
      else { delete viewers[data.agent]; delete typists[data.agent]; }
      showPresence();
    } else if (data.type === "typing" && data.visitor) {
      // The web chat's visitor, typing in the widget.
      clearTimeout(visitorTimer);
      visitorTyping = data.name || presence.dataset.visitor;
      visitorTimer = setTimeout(function () { visitorTyping = ""; showPresence(); }, 6000);
      showPresence();
    } else if (data.type === "typing") {
      viewers[data.agent] = data.name;
      clearTimeout(typists[data.agent]);
      typists[data.agent] = setTimeout(function () {
        delete typists[data.agent];
        showPresence();
      }, 6000);
      showPresence();
    }
  }

  // --- what changed: fetched by URL, a few at a time ---------------------------------------
  var pending = { list: false, thread: false, nav: false };
  var timer = null;

  function changed(conversationId) {
    pending.nav = true;
    if (document.getElementById("inbox-results")) pending.list = true;
    if (conversation && (conversationId === null || conversationId === conversation)) pending.thread = true;
    if (!timer) timer = setTimeout(flush, 150);
  }

  function flush() {
    timer = null;
    if (!window.htmx) return;
    if (pending.list) {
      htmx.ajax("GET", location.pathname + location.search, { target: "#inbox-results", swap: "outerHTML" });
    }
    if (pending.thread) refreshThread();
    if (pending.nav) {
      var current = document.querySelector("#nav-views [aria-current='page']");
      var view = new URLSearchParams(current ? current.search : location.search).get("view") || "";
      htmx.ajax("GET", live.dataset.nav + "?current=" + encodeURIComponent(current ? view : ""), {
        target: "#nav-views", swap: "outerHTML"
      });
    }
    pending = { list: false, thread: false, nav: false };
  }

  function refreshThread() {
    var thread = document.getElementById("thread");
    if (!thread || !window.htmx) return;
    var atEnd = thread.getBoundingClientRect().bottom <= window.innerHeight + 80;
    htmx.ajax("GET", location.pathname, { target: "#thread", swap: "outerHTML" }).then(function () {
      var fresh = document.getElementById("thread");
      if (atEnd && fresh && fresh.lastElementChild) fresh.lastElementChild.scrollIntoView({ block: "nearest" });
    });
  }

  // --- who else is here ----------------------------------------------------------------------
  function showPresence() {
    if (!presence) return;
    var typing = Object.keys(typists).map(function (id) { return viewers[id]; }).filter(Boolean);
    if (visitorTyping) typing.unshift(visitorTyping);
    var names = Object.keys(viewers).map(function (id) { return viewers[id]; });
    var text = "";
    if (typing.length) {
      text = presence.dataset.typing.replace("%(name)s", typing.join(", "));
    } else if (names.length) {
      var template = names.length > 1 ? presence.dataset.viewingMany : presence.dataset.viewing;
      text = template.replace("%(names)s", names.join(", "));
    }
    presence.textContent = text;
    presence.hidden = !text;
    presence.classList.toggle("is-typing", typing.length > 0);
  }

  var lastTyping = 0;
  document.addEventListener("input", function (event) {
    if (!conversation || !event.target.closest || !event.target.closest("#reply-form")) return;
    var now = Date.now();
    if (now - lastTyping > 3000) { lastTyping = now; send({ type: "typing" }); }
  });

  // --- browser notification and sound, for new conversations for me or for nobody -------------
  var notifyButton = document.getElementById("live-notify");
  var sound = document.getElementById("live-sound");
  if ("Notification" in window && Notification.permission === "default") notifyButton.hidden = false;
  notifyButton.addEventListener("click", function () {
    Notification.requestPermission().then(function () { notifyButton.hidden = Notification.permission !== "default"; });
  });
  try { sound.checked = localStorage.getItem("sportello.sound") === "on"; } catch (e) { /* private mode */ }
  sound.addEventListener("change", function () {
    try { localStorage.setItem("sportello.sound", sound.checked ? "on" : "off"); } catch (e) { /* ignore */ }
    if (sound.checked) beep();
  });

  function notify(data) {
    if (sound.checked) beep();
    if (!("Notification" in window) || Notification.permission !== "granted" || !document.hidden) return;
    var note = new Notification(live.dataset.notifyTitle + " #" + data.number, {
      body: (data.customer ? data.customer + ": " : "") + (data.subject || ""),
      tag: "sportello-" + data.conversation
    });
    note.onclick = function () { window.focus(); location.href = "/c/" + data.number + "/"; };
  }

  var audio = null;
  function beep() {
    var Context = window.AudioContext || window.webkitAudioContext;
    if (!Context) return;
    audio = audio || new Context();
    var tone = audio.createOscillator();
    var gain = audio.createGain();
    tone.frequency.value = 880;
    gain.gain.setValueAtTime(0.08, audio.currentTime);
    gain.gain.exponentialRampToValueAtTime(0.0001, audio.currentTime + 0.25);
    tone.connect(gain).connect(audio.destination);
    tone.start();
    tone.stop(audio.currentTime + 0.25);
  }

  // A reply refused as stale comes back with a notice: bring it into view.
  document.addEventListener("htmx:afterSwap", function (event) {
    var notice = document.getElementById("stale-notice");
    var config = event.detail && event.detail.requestConfig;
    if (notice && config && /\/reply\/$/.test(config.path || "")) {
      notice.scrollIntoView({ block: "center" });
    }
  });

  window.addEventListener("pagehide", function () { stopped = true; if (socket) socket.close(); });
  setState("connecting");
  connect();
})();
