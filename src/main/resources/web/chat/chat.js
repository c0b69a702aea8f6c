// Loopline chat page: one WebSocket to /chat/rooms/{room}/ws, history over HTTP. No build step.
// When the socket drops (a node stopped or died), the page reconnects with ?since= the last seq it saw,
// and the server sends what it missed before going live.
"use strict";

(function () {
  const $ = (id) => document.getElementById(id);
  let socket = null;
  let room = null;
  let name = null;
  let oldest = null; // the `next` cursor of the last history page read
  let lastSeq = null; // the seq of the last event seen: where a reconnection resumes
  let leaving = false; // the person left: no reconnection
  let retries = 0;
  let retryTimer = null;
  const members = new Map();
  const shown = new Set(); // seqs on screen: history and the socket may both bring a message

  function setStatus(text, connected) {
    $("status").textContent = text;
    $("status").className = connected ? "connected" : "";
    $("text").disabled = !connected;
    $("send").disabled = !connected;
    $("leave").disabled = !connected;
    $("join").disabled = connected;
  }

  function line(cls, parts, prepend) {
    const li = document.createElement("li");
    li.className = cls;
    for (const [tag, text, partCls] of parts) {
      const el = document.createElement(tag);
      el.textContent = text;
      if (partCls) el.className = partCls;
      li.appendChild(el);
    }
    const log = $("log");
    if (prepend) {
      log.insertBefore(li, log.firstChild);
    } else {
      log.appendChild(li);
      log.scrollTop = log.scrollHeight;
    }
    return li;
  }

  function time(iso) {
    return new Date(iso).toLocaleTimeString();
  }

  function showMessage(m, prepend) {
    if (shown.has(m.seq)) return;
    shown.add(m.seq);
    const li = line("message", [["time", time(m.time)], ["span", m.sender, "sender"], ["span", m.text, "text"]], prepend);
    li.dataset.seq = m.seq;
  }

  function renderMembers() {
    const ul = $("members");
    ul.replaceChildren();
    for (const name of members.values()) {
      const li = document.createElement("li");
      li.textContent = name;
      ul.appendChild(li);
    }
  }

  function onEvent(e) {
    if (typeof e.seq === "number" && e.type !== "ack" && (lastSeq === null || e.seq > lastSeq)) lastSeq = e.seq;
    switch (e.type) {
      case "welcome":
        members.clear();
        for (const m of e.members) members.set(m.id, m.name);
        renderMembers();
        setStatus("Connected to " + e.room + " as " + e.member.name, true);
        retries = 0;
        break;
      case "resumed":
        if (e.truncated) line("event", [["span", "Reconnected; older missed messages are in the history"]]);
        break;
      case "message":
        showMessage(e, false);
        break;
      case "join":
        members.set(e.member.id, e.member.name);
        renderMembers();
        line("event", [["span", e.member.name + " joined"]]);
        break;
      case "leave":
        members.delete(e.member.id);
        renderMembers();
        line("event", [["span", e.member.name + " left"]]);
        break;
      case "error":
        line("error", [["span", e.detail]]);
        break;
    }
  }

  async function loadHistory(initial) {
    const params = new URLSearchParams({ limit: "50" });
    if (!initial && oldest !== null) params.set("before", String(oldest));
    const response = await fetch("/chat/rooms/" + encodeURIComponent(room) + "/messages?" + params);
    if (!response.ok) return;
    const page = await response.json();
    const list = page.messages.slice().reverse();
    for (const m of list) showMessage(m, true);
    oldest = page.next;
    $("older").hidden = page.next === null;
  }

  function join(event) {
    event.preventDefault();
    name = $("name").value.trim();
    room = $("room").value.trim();
    if (!name || !room) return;
    $("log").replaceChildren();
    shown.clear();
    oldest = null;
    lastSeq = null;
    leaving = false;
    retries = 0;
    connect(false);
  }

  // A first connection loads the latest history page; a reconnection asks for what it missed (?since=).
  function connect(resume) {
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    let url = scheme + location.host + "/chat/rooms/" + encodeURIComponent(room) + "/ws?name=" + encodeURIComponent(name);
    if (resume && lastSeq !== null) url += "&since=" + lastSeq;
    setStatus(resume ? "Reconnecting…" : "Connecting…", false);
    $("join").disabled = true;
    socket = new WebSocket(url);
    if (!resume) socket.addEventListener("open", () => loadHistory(true));
    socket.addEventListener("message", (m) => {
      try {
        onEvent(JSON.parse(m.data));
      } catch (err) {
        console.error(err);
      }
    });
    socket.addEventListener("close", (c) => {
      socket = null;
      members.clear();
      renderMembers();
      const why = c.code && c.code !== 1000 ? " (" + c.code + (c.reason ? ": " + c.reason : "") + ")" : "";
      if (leaving || c.code === 1008) {
        setStatus("Disconnected" + why, false);
        return;
      }
      // Dropped: try again, waiting 1, 2, 4 ... up to 10 s, from the last seq seen.
      const wait = Math.min(10000, 1000 * Math.pow(2, retries++));
      setStatus("Disconnected" + why + "; reconnecting in " + Math.round(wait / 1000) + " s", false);
      $("join").disabled = true;
      $("leave").disabled = false;
      retryTimer = setTimeout(() => connect(true), wait);
    });
  }

  function leave() {
    leaving = true;
    clearTimeout(retryTimer);
    if (socket) {
      socket.close(1000, "bye");
    } else {
      setStatus("Disconnected", false);
    }
  }

  function send(event) {
    event.preventDefault();
    const text = $("text").value;
    if (!socket || !text.trim()) return;
    socket.send(JSON.stringify({ type: "message", text: text }));
    $("text").value = "";
    $("text").focus();
  }

  document.addEventListener("DOMContentLoaded", () => {
    $("join-form").addEventListener("submit", join);
    $("send-form").addEventListener("submit", send);
    $("leave").addEventListener("click", leave);
    $("older").addEventListener("click", () => loadHistory(false));
    const params = new URLSearchParams(location.search);
    if (params.get("room")) $("room").value = params.get("room");
    if (params.get("name")) $("name").value = params.get("name");
  });
})();
