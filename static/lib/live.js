// The one live connection of the tab (docs/realtime.md): a websocket with the session
// cookie, falling back to server-sent events at /api/v1/stream when it cannot connect.
//
// A page subscribes *before* it fetches its snapshot:
//   const sub = live.subscribe("media:42", { message(data) {…}, resync() {…refetch…}, presence(n) {…} });
//   await sub.ready;          // subscribed (or live is down: the page still loads)
//   …fetch the snapshot, then apply what sub delivers…
//   sub.close();              // when the page goes
// Each channel's {offset, epoch} is kept, so a reconnect resumes it; when the gap cannot
// be filled (or the server says resync) the page's resync() refetches its snapshot.
import { ref } from "./vue.js";

const READY_TIMEOUT_MS = 4000;
const ACTION_TIMEOUT_MS = 5000;
const MAX_BACKOFF_MS = 30000;
const WEBSOCKET_FAILURES_BEFORE_SSE = 3;

// "connecting", "live" or "reconnecting", for the header's indicator.
export const liveState = ref("connecting");

const channels = new Map(); // name → {offset, epoch, listeners: Set, subscribed: bool, waiters: []}
const pending = new Map(); // action id → {resolve, reject, timer}
let socket = null;
let stream = null;
let attempts = 0;
let failuresBeforeOpen = 0;
let reconnectTimer = null;
let nextId = 1;
let mode = "websocket";

function channelState(name) {
  let state = channels.get(name);
  if (!state) {
    state = { offset: null, epoch: null, listeners: new Set(), subscribed: false, waiters: [] };
    channels.set(name, state);
  }
  return state;
}

function send(frame) {
  if (socket && socket.readyState === WebSocket.OPEN) {
    socket.send(JSON.stringify(frame));
    return true;
  }
  return false;
}

function subscribeFrame(name) {
  const state = channels.get(name);
  const frame = { type: "subscribe", id: `s:${name}`, channel: name };
  if (state.epoch !== null) frame.since = { offset: state.offset, epoch: state.epoch };
  return frame;
}

function markReady(state) {
  state.subscribed = true;
  for (const resolve of state.waiters.splice(0)) resolve(true);
}

function each(state, hook, ...args) {
  for (const listener of state.listeners) {
    try {
      listener[hook]?.(...args);
    } catch (error) {
      console.error(error);
    }
  }
}

function receive(frame) {
  const state = frame.channel ? channels.get(frame.channel) : null;
  switch (frame.type) {
    case "ping":
      send({ type: "pong" });
      break;
    case "subscribed": {
      if (!state) break;
      const wasResuming = state.epoch !== null;
      state.offset = frame.offset;
      state.epoch = frame.epoch;
      markReady(state);
      // A resume whose gap could not be filled: the pages refetch their snapshot.
      if (wasResuming && !frame.recovered) each(state, "resync");
      break;
    }
    case "publication":
      if (!state) break;
      if (state.epoch === frame.epoch && state.offset !== null && frame.offset <= state.offset) break;
      state.offset = frame.offset;
      state.epoch = frame.epoch;
      each(state, "message", frame.data, frame);
      break;
    case "presence":
      if (state) each(state, "presence", frame.count);
      break;
    case "resync":
      if (!state) break;
      state.offset = frame.offset;
      state.epoch = frame.epoch;
      each(state, "resync");
      break;
    case "reply":
    case "error": {
      const waiting = pending.get(frame.id);
      if (waiting) {
        pending.delete(frame.id);
        clearTimeout(waiting.timer);
        if (frame.type === "reply") waiting.resolve(frame.data);
        else waiting.reject(Object.assign(new Error(frame.message), { code: frame.code, fields: frame.fields }));
      } else if (frame.type === "error" && typeof frame.id === "string" && frame.id.startsWith("s:")) {
        // A channel refused (forbidden, unknown): the page loads without it.
        const refused = channels.get(frame.id.slice(2));
        if (refused) for (const resolve of refused.waiters.splice(0)) resolve(false);
      }
      break;
    }
    default:
      break;
  }
}

function scheduleReconnect() {
  clearTimeout(reconnectTimer);
  attempts += 1;
  // Jittered exponential backoff, so that a restarted server is not hit by every tab at once.
  const ceiling = Math.min(MAX_BACKOFF_MS, 500 * 2 ** Math.min(attempts, 6));
  const delay = ceiling / 2 + Math.random() * (ceiling / 2);
  liveState.value = "reconnecting";
  reconnectTimer = setTimeout(connect, delay);
}

function connectWebSocket() {
  const url = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws`;
  let opened = false;
  let heard = false;
  const ws = new WebSocket(url);
  socket = ws;
  ws.onopen = () => {
    opened = true;
    attempts = 0;
    liveState.value = "live";
    for (const name of channels.keys()) send(subscribeFrame(name));
  };
  ws.onmessage = (event) => {
    heard = true;
    failuresBeforeOpen = 0;
    try {
      receive(JSON.parse(event.data));
    } catch (error) {
      console.error(error);
    }
  };
  ws.onclose = (event) => {
    if (socket !== ws) return;
    socket = null;
    for (const state of channels.values()) state.subscribed = false;
    for (const [id, waiting] of pending) {
      clearTimeout(waiting.timer);
      waiting.reject(Object.assign(new Error("disconnected"), { code: "disconnected" }));
      pending.delete(id);
    }
    // A socket that never opened, or was closed before a single frame (a proxy that
    // refuses websockets), counts towards giving up on websockets for this tab.
    if (!opened || !heard) failuresBeforeOpen += 1;
    if (failuresBeforeOpen >= WEBSOCKET_FAILURES_BEFORE_SSE && window.EventSource) {
      mode = "sse";
      attempts = 0;
      connect();
      return;
    }
    scheduleReconnect();
  };
}

function lastEventId() {
  return [...channels.entries()]
    .filter(([, state]) => state.epoch !== null)
    .map(([name, state]) => `${name}@${state.epoch}.${state.offset}`)
    .join(",");
}

function connectStream() {
  stream?.close();
  stream = null;
  if (channels.size === 0) {
    liveState.value = "live";
    return;
  }
  const query = new URLSearchParams({ channels: [...channels.keys()].join(",") });
  const resume = lastEventId();
  if (resume) query.set("last_event_id", resume);
  const source = new EventSource(`/api/v1/stream?${query}`);
  stream = source;
  const handle = (event) => receive(JSON.parse(event.data));
  for (const type of ["subscribed", "publication", "presence", "resync", "error"]) {
    source.addEventListener(type, (event) => event.data && handle(event));
  }
  source.onopen = () => {
    attempts = 0;
    liveState.value = "live";
  };
  source.onerror = () => {
    if (stream !== source) return;
    liveState.value = "reconnecting";
  };
}

function connect() {
  clearTimeout(reconnectTimer);
  if (mode === "sse") connectStream();
  else connectWebSocket();
}

export const live = {
  start() {
    connect();
  },

  // Reopens the connection (after sign-in or sign-out: the cookie changed who we are).
  reconnect() {
    mode = "websocket";
    failuresBeforeOpen = 0;
    if (socket) {
      const old = socket;
      socket = null;
      old.close(1000);
    }
    for (const state of channels.values()) state.subscribed = false;
    connect();
  },

  subscribe(name, listener) {
    const state = channelState(name);
    state.listeners.add(listener);
    const ready = new Promise((resolve) => {
      if (state.subscribed) return resolve(true);
      state.waiters.push(resolve);
      setTimeout(() => resolve(false), READY_TIMEOUT_MS);
    });
    if (state.listeners.size === 1) {
      if (mode === "sse") connectStream();
      else send(subscribeFrame(name));
    }
    return {
      ready,
      close() {
        state.listeners.delete(listener);
        if (state.listeners.size > 0) return;
        channels.delete(name);
        if (mode === "sse") connectStream();
        else send({ type: "unsubscribe", id: `u:${name}`, channel: name });
      },
    };
  },

  get connected() {
    return Boolean(socket && socket.readyState === WebSocket.OPEN);
  },

  // An action over the websocket (e.g. duel.vote); rejects when not connected, so the
  // caller uses the REST endpoint instead.
  action(action, data) {
    return new Promise((resolve, reject) => {
      const id = `a${nextId++}`;
      if (!send({ type: "action", id, action, data })) {
        reject(Object.assign(new Error("not connected"), { code: "disconnected" }));
        return;
      }
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(Object.assign(new Error("timeout"), { code: "disconnected" }));
      }, ACTION_TIMEOUT_MS);
      pending.set(id, { resolve, reject, timer });
    });
  },
};
