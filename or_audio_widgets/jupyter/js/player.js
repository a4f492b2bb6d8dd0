// LivePlayer front end: pcm16 chunks arrive as binary buffers on custom messages and are scheduled
// back to back with the Web Audio API; the transcript grows as text; the finished reply becomes a
// normal <audio controls> built here from the PCM already received (a WAV header plus the chunks).
//
// Protocol (Python -> JS): {t:"pcm", seq, ts?, replay?} + buffers, {t:"text", at, text},
// {t:"finish"|"fail", chunks, ...}, {t:"replace"} + [pcm], {t:"state", chunks, text_len, finished}.
// JS -> Python: {t:"ready", have, text_len}, {t:"need", from, text_from}.
// Model text only ever reaches the page through textContent.

// How far ahead of "now" the first buffer starts: room for network jitter between chunks, so
// later chunks still land before the previous one ends (no gap).
const LEAD_SECONDS = 0.15;
// A chunk that arrives with less than this left before its slot is late: restart the clock.
const MARGIN_SECONDS = 0.005;
// After a late chunk the lead doubles (up to this), so a slow connection stops stuttering.
const MAX_LEAD_SECONDS = 1.0;

function registry() {
  if (!window.__orAudio) window.__orAudio = { players: {}, recorders: {}, contexts: {} };
  return window.__orAudio;
}

// One AudioContext per sample rate for the whole page: browsers cap the number of contexts, and a
// context at the stream's own rate plays each chunk without resampling.
function sharedContext(rate) {
  const contexts = registry().contexts;
  let ctx = contexts[rate];
  if (!ctx || ctx.state === "closed") {
    try {
      ctx = new AudioContext({ sampleRate: rate, latencyHint: "interactive" });
    } catch (_err) {
      ctx = new AudioContext(); // AudioBuffers keep their own rate; the context resamples them
    }
    contexts[rate] = ctx;
  }
  return ctx;
}

// Wall-clock milliseconds, the clock the kernel's timestamps use (same machine in the tests).
function nowMs() {
  return Date.now();
}

function toBytes(view) {
  // Copy out of the message's buffer: it may be shared or unaligned.
  return new Uint8Array(view.buffer.slice(view.byteOffset, view.byteOffset + view.byteLength));
}

function wavBlob(chunks, rate, channels) {
  let size = 0;
  for (const c of chunks) size += c.byteLength;
  const header = new DataView(new ArrayBuffer(44));
  const ascii = (at, s) => { for (let i = 0; i < s.length; i++) header.setUint8(at + i, s.charCodeAt(i)); };
  ascii(0, "RIFF"); header.setUint32(4, 36 + size, true); ascii(8, "WAVE");
  ascii(12, "fmt "); header.setUint32(16, 16, true); header.setUint16(20, 1, true);
  header.setUint16(22, channels, true); header.setUint32(24, rate, true);
  header.setUint32(28, rate * channels * 2, true); header.setUint16(32, channels * 2, true);
  header.setUint16(34, 16, true); ascii(36, "data"); header.setUint32(40, size, true);
  return new Blob([header.buffer, ...chunks], { type: "audio/wav" });
}

function createState(model) {
  const state = {
    id: model.get("player_id"),
    rate: model.get("sample_rate") || 24000,
    channels: 1,
    chunks: [], have: 0, bytes: 0, text: "",
    end: null,          // the finish or fail message
    live: true,         // false once the reply is known finished before its audio arrived (replay)
    nextSeq: 0,         // first chunk not yet scheduled
    ctx: null, t0: null, frames: 0, sources: [], lead: LEAD_SECONDS,
    url: null, urlChunks: -1,
    views: new Set(),
    answered: false,    // Python answered "ready": a kernel holds this player
    orphan: false,      // no answer: a saved widget whose kernel session is gone
    debug: {
      schedule: [], underruns: 0, firstChunkKernelTs: null, firstChunkArrived: null,
      firstScheduled: null, firstLead: null, bytesReceived: 0, jsonBytes: 0, messages: 0,
      textUpdates: [], state: "waiting", contextRate: null, endedAt: null, replayedChunks: 0,
    },
  };
  registry().players[state.id] = state;
  return state;
}

function schedule(state) {
  if (!state.live || state.end) { state.nextSeq = state.have; return; }
  while (state.nextSeq < state.have) {
    const bytes = state.chunks[state.nextSeq];
    const frames = Math.floor(bytes.byteLength / 2 / state.channels);
    state.nextSeq += 1;
    if (frames === 0) continue;
    if (!state.ctx) {
      state.ctx = sharedContext(state.rate);
      state.debug.contextRate = state.ctx.sampleRate;
      state.ctx.addEventListener("statechange", () => refresh(state));
    }
    const ctx = state.ctx;
    if (ctx.state === "suspended") ctx.resume().catch(() => {}); // refused without a gesture: the button shows
    const samples = new Int16Array(bytes.buffer, bytes.byteOffset, frames * state.channels);
    const buffer = ctx.createBuffer(state.channels, frames, state.rate);
    for (let ch = 0; ch < state.channels; ch++) {
      const out = buffer.getChannelData(ch);
      for (let i = 0; i < frames; i++) out[i] = samples[i * state.channels + ch] / 32768;
    }
    let start = state.t0 === null ? null : state.t0 + state.frames / state.rate;
    if (start === null || start < ctx.currentTime + MARGIN_SECONDS) {
      if (start !== null) {
        state.debug.underruns += 1;
        state.lead = Math.min(MAX_LEAD_SECONDS, state.lead * 2);
      }
      state.t0 = ctx.currentTime + state.lead;
      state.frames = 0;
      start = state.t0;
    }
    const source = ctx.createBufferSource();
    source.buffer = buffer;
    source.connect(ctx.destination);
    source.start(start);
    source.addEventListener("ended", () => {
      state.sources = state.sources.filter((s) => s !== source);
    });
    state.sources.push(source);
    state.frames += frames;
    const duration = frames / state.rate;
    // slack: how long before its start the buffer was scheduled (0 or less would be a gap)
    state.debug.schedule.push({ seq: state.nextSeq - 1, start, duration, slack: start - ctx.currentTime, at: nowMs() });
    if (state.debug.firstScheduled === null) {
      state.debug.firstScheduled = nowMs();
      state.debug.firstLead = start - ctx.currentTime;
    }
  }
}

function stopLive(state) {
  for (const s of state.sources) {
    try { s.stop(); } catch (_err) { /* already stopped */ }
  }
  state.sources = [];
  state.live = false;
}

function addPcm(state, msg, buffers) {
  buffers.forEach((view, i) => {
    const seq = msg.seq + i;
    if (state.chunks[seq]) return; // a replayed duplicate
    const bytes = toBytes(view);
    state.chunks[seq] = bytes;
    state.bytes += bytes.byteLength;
  });
  while (state.chunks[state.have]) state.have += 1;
  if (state.debug.firstChunkArrived === null && buffers.length) {
    state.debug.firstChunkArrived = nowMs();
    state.debug.firstChunkKernelTs = msg.ts ?? null;
  }
  // A replay fills a gap (chunks sent before this page listened): while the reply is still live they
  // are played in order like any other; a finished reply (state.live false) only becomes the file.
  if (msg.replay) state.debug.replayedChunks += buffers.length;
  schedule(state);
}

function addText(state, at, text) {
  // `at` is the offset of this delta in the whole transcript: duplicates and overlaps are dropped.
  if (at > state.text.length) return false; // a gap: ask again
  if (at + text.length <= state.text.length) return true;
  state.text = state.text.slice(0, at) + text;
  state.debug.textUpdates.push({ at: nowMs(), length: state.text.length });
  return true;
}

function handle(state, model, msg, buffers) {
  const d = state.debug;
  d.messages += 1;
  d.jsonBytes += JSON.stringify(msg).length;
  for (const b of buffers) d.bytesReceived += b.byteLength;
  let inSync = true;
  if (msg.t === "pcm") addPcm(state, msg, buffers);
  else if (msg.t === "text") inSync = addText(state, msg.at, msg.text);
  else if (msg.t === "replace") {
    stopLive(state);
    state.chunks = buffers.map(toBytes);
    state.have = state.chunks.length;
    state.nextSeq = state.have;
    state.bytes = state.chunks.reduce((n, c) => n + c.byteLength, 0);
  } else if (msg.t === "finish" || msg.t === "fail") {
    state.end = msg;
    if (typeof msg.transcript === "string") state.text = msg.transcript;
    if (state.have < msg.chunks) inSync = false;
    if (!d.endedAt) d.endedAt = nowMs();
  } else if (msg.t === "state") {
    state.answered = true;
    state.orphan = false;
    if (msg.finished && !state.end) state.live = false;
    inSync = state.have >= msg.chunks && state.text.length >= msg.text_len;
  }
  if (!inSync) model.send({ t: "need", from: state.have, text_from: state.text.length });
  refresh(state);
}

function finalUrl(state) {
  if (state.urlChunks !== state.have) {
    if (state.url) URL.revokeObjectURL(state.url);
    const chunks = state.chunks.slice(0, state.have);
    state.url = state.have ? URL.createObjectURL(wavBlob(chunks, state.rate, state.channels)) : null;
    state.urlChunks = state.have;
  }
  return state.url;
}

function phase(state) {
  if (state.end) return state.end.t === "fail" || state.end.complete === false ? "incomplete" : "done";
  return state.have ? "live" : "waiting";
}

function refresh(state) {
  state.debug.state = phase(state);
  for (const view of state.views) view();
}

function el(tag, cls, text) {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  if (text !== undefined) node.textContent = text;
  return node;
}

function seconds(state) {
  return state.bytes / 2 / state.channels / state.rate;
}

function statusText(state, p) {
  if (p === "waiting" && state.orphan) {
    return "No audio yet, and no answer from the kernel: if this notebook was reopened, the live audio is gone.";
  }
  if (p === "waiting") return "Waiting for audio…";
  if (p === "live") return `Streaming · ${seconds(state).toFixed(1)} s received`;
  const dur = state.bytes ? `${seconds(state).toFixed(2)} s` : "no audio";
  return p === "done" ? `Complete · ${dur}` : `Incomplete · ${state.bytes ? dur + " kept" : dur}`;
}

function buildView(state, root) {
  root.classList.add("ora-player");
  root.dataset.playerId = state.id;
  const status = el("span", "ora-status");
  const listen = el("button", "ora-listen", "▶ Click to listen");
  listen.type = "button";
  listen.hidden = true;
  listen.addEventListener("click", () => {
    const ctx = state.ctx || sharedContext(state.rate);
    ctx.resume().then(() => refresh(state)).catch(() => {});
  });
  const transcript = el("div", "ora-transcript");
  const marker = el("div", "ora-incomplete");
  marker.hidden = true;
  const final = el("div", "ora-final");
  final.hidden = true;
  const audio = el("audio");
  audio.controls = true;
  audio.preload = "metadata";
  const link = el("a", "ora-download", "Download WAV");
  link.download = "reply.wav";
  final.append(audio, link);
  const head = el("div", "ora-head");
  head.append(status, listen);
  root.replaceChildren(head, transcript, final, marker);
  let shown = "";
  return () => {
    const p = phase(state);
    root.dataset.state = p;
    root.dataset.chunks = String(state.have);
    status.textContent = statusText(state, p);
    if (state.text !== shown) {
      // Append only the new tail as a text node: linear in the transcript, and never parsed as HTML.
      if (state.text.startsWith(shown)) transcript.append(document.createTextNode(state.text.slice(shown.length)));
      else transcript.textContent = state.text;
      shown = state.text;
    }
    const suspended = state.ctx !== null && state.ctx.state === "suspended" && state.sources.length > 0;
    listen.hidden = !suspended;
    if (state.end) {
      const url = finalUrl(state);
      final.hidden = !url;
      if (url && audio.getAttribute("src") !== url) { audio.src = url; link.href = url; }
      marker.hidden = p !== "incomplete";
      const reason = state.end.reason || "the stream ended early";
      marker.textContent = `⚠ Incomplete reply: ${reason}. What arrived is kept.`;
    }
  };
}

// Any other media starting to play in the page (e.g. the saved <audio> that replaced this widget)
// silences the live voices: one voice at a time.
function stopAllLiveOnPlay() {
  const root = registry();
  if (root.playListener) return;
  root.playListener = true;
  document.addEventListener("play", () => {
    for (const state of Object.values(registry().players)) if (state.sources.length) stopLive(state);
  }, true);
}

function initialize({ model }) {
  stopAllLiveOnPlay();
  const state = createState(model);
  const onMsg = (msg, buffers) => handle(state, model, msg, buffers || []);
  model.on("msg:custom", onMsg);
  // Tell Python what is here; it answers with its counts, and anything missing is asked for.
  model.send({ t: "ready", have: state.have, text_len: state.text.length });
  // A busy kernel answers late (e.g. while a cell streams), so only a long silence with nothing
  // received means there is no kernel behind this widget (a notebook reopened with saved state).
  setTimeout(() => {
    if (!state.answered && !state.have && !state.text && !state.end) { state.orphan = true; refresh(state); }
  }, 10000);
  // Closing the model (the magics swap the widget for static HTML) lets audio already scheduled
  // finish playing: cutting the reply's last words would be worse than a short overlap.
  return () => model.off("msg:custom", onMsg);
}

function render({ model, el: root }) {
  if (!registry().players[model.get("player_id")]) initialize({ model }); // a host without initialize()
  const state = registry().players[model.get("player_id")];
  const update = buildView(state, root);
  state.views.add(update);
  update();
  return () => state.views.delete(update);
}

export default { initialize, render };
