// LivePlayer, what the page holds: the chunks by sequence number, the transcript by offset, the end of
// the reply, and letting go of all of it when the model or its last view goes away.
//
// Protocol (Python -> JS): {t:"pcm", seq, ts?, replay?} + buffers, {t:"opus", ...} + [packets] (see
// player_codec.js), {t:"text", at, text},
// {t:"finish"|"fail", chunks, complete, reason, stopped?, transcript?}, {t:"replace"} + [pcm],
// {t:"state", chunks, text_len, finished}, {t:"code", hash} + [the module] (player_loader.js).
// JS -> Python: {t:"ready", have, text_len, code}, {t:"link", codecs?, bps?}, {t:"need", from, text_from},
// {t:"stop"}, {t:"code", hash}.
// Transcript offsets and lengths count UTF-16 code units on both sides (a JavaScript string's length;
// Python counts the same units, not code points), so an emoji cannot shift the text.

function newDebug(id) {
  return {
    id, state: "waiting", have: 0, bytes: 0, text: "", textLength: 0, held: 0, sources: 0,
    contextRate: null, contextState: null, gain: null, released: false,
    schedule: [], scheduled: 0, scheduledSeconds: 0, underruns: 0, gaps: [],
    lead: null, jitter: 0, stretched: 0,
    firstChunkKernelTs: null, firstChunkArrived: null, firstScheduled: null, firstLead: null,
    bytesReceived: 0, jsonBytes: 0, messages: 0, textUpdates: [], endedAt: null, replayedChunks: 0,
    codec: "pcm", codecs: null, linkBps: null, decodedChunks: 0, decoding: 0, codecErrors: 0,
  };
}

function createState(model) {
  const id = model.get("player_id");
  const state = {
    id, model,
    rate: model.get("sample_rate") || 24000,
    channels: model.get("channels") || 1,
    chunks: [], stored: 0, have: 0, bytes: 0, text: "",
    end: null,          // the finish or fail message
    live: true,         // false once the reply is known finished before its audio arrived (replay)
    stopping: false,    // the person pressed Stop: silent now, the kernel is told
    nextSeq: 0,         // first chunk not yet scheduled
    // until: when the audio scheduled so far ends (the context's clock)
    ctx: null, gain: null, until: null, sources: [], lastDelay: null,
    opus: null, spareOpus: null, opusFailed: false, codecs: null, toldBps: null, // player_codec.js
    volume: 1, muted: false,
    url: null, urlChunks: -1, urlBytes: 0,
    views: new Set(),
    released: false,
    orphanTimer: null,
    answered: false,    // Python answered "ready": a kernel holds this player
    orphan: false,      // no answer: a saved widget whose kernel session is gone
    debug: debugRecord("players", id, newDebug(id)),
  };
  state.onContextState = () => refresh(state);
  // Any other media starting to play in the page (e.g. the saved <audio> that replaced this widget)
  // silences this live voice: one voice at a time.
  state.onPagePlay = () => { if (state.sources.length) { stopLive(state); refresh(state); } };
  document.addEventListener("play", state.onPagePlay, true);
  // A person speaking over a reply (hands-free, recorder_hands.js): silent now, and what still arrives
  // only becomes the file; the kernel cancels the stream.
  state.onBargeIn = () => {
    if (state.sources.length || !state.end) { stopLive(state); refresh(state); }
  };
  document.addEventListener(BARGE_IN, state.onBargeIn);
  noteOpening(state);
  announceCodecs(state);
  return state;
}

function toBytes(view) {
  // Copy out of the message's buffer: it may be shared or unaligned.
  return new Uint8Array(view.buffer.slice(view.byteOffset, view.byteOffset + view.byteLength));
}

function store(state, seq, bytes) {
  state.chunks[seq] = bytes;
  state.stored += bytes.byteLength;
  state.bytes += bytes.byteLength;
  hold(state.debug, bytes.byteLength);
}

function addPcm(state, msg, buffers) {
  buffers.forEach((view, i) => {
    const seq = msg.seq + i;
    if (seq < state.have || state.chunks[seq]) return; // a replayed duplicate
    store(state, seq, toBytes(view));
  });
  while (state.chunks[state.have]) state.have += 1;
  const d = state.debug;
  if (d.firstChunkArrived === null && buffers.length) {
    d.firstChunkArrived = nowMs();
    d.firstChunkKernelTs = msg.ts ?? null;
  }
  // A replay fills a gap (chunks sent before this page listened): while the reply is still live they
  // are played in order like any other; a finished reply (state.live false) only becomes the file.
  if (msg.replay) d.replayedChunks += buffers.length;
  schedule(state);
}

function replaceAudio(state, buffers) {
  stopLive(state);
  if (state.opus) closeOpus(state.opus);
  state.opus = null;
  dropUrl(state); // the same number of chunks may hold other audio: the file is made again
  hold(state.debug, -state.stored);
  state.chunks = [];
  state.stored = state.bytes = 0;
  buffers.forEach((view, seq) => store(state, seq, toBytes(view)));
  state.have = state.nextSeq = state.chunks.length;
}

// Python said what the chunks are (a speech reply at another rate, before its first chunk; or the
// reply's own layout with a "replace" at the end): the file to come is made with it.
function setLayout(state) {
  state.rate = state.model.get("sample_rate") || 24000;
  state.channels = state.model.get("channels") || 1;
  dropUrl(state);
  refresh(state);
}

function addText(state, at, text) {
  // `at` is the offset of this delta in the whole transcript: duplicates and overlaps are dropped.
  if (at > state.text.length) return false; // a gap: ask again
  if (at + text.length <= state.text.length) return true;
  setText(state, state.text.slice(0, at) + text);
  pushBounded(state.debug.textUpdates, { at: nowMs(), length: state.text.length });
  return true;
}

function setText(state, text) {
  state.text = text;
  state.debug.text = text.length <= DEBUG_TEXT ? text : text.slice(0, DEBUG_TEXT);
  state.debug.textLength = text.length;
}

function handle(state, msg, buffers) {
  const d = state.debug;
  if (!msg.replay) noteDelay(state, msg.ts); // a replay was held back on purpose: not the connection's delay
  d.messages += 1;
  d.jsonBytes += JSON.stringify(msg).length;
  let size = 0;
  for (const b of buffers) size += b.byteLength;
  d.bytesReceived += size;
  if (!msg.replay && !state.released) noteThroughput(state, size);
  if (state.released) return; // no view: a new one asks for everything again
  let inSync = true;
  if (msg.t === "pcm") addPcm(state, msg, buffers);
  else if (msg.t === "opus") addOpus(state, msg, buffers);
  else if (msg.t === "text") inSync = addText(state, msg.at, msg.text);
  else if (msg.t === "replace") replaceAudio(state, buffers);
  else if (msg.t === "finish" || msg.t === "fail") {
    state.end = msg;
    if (typeof msg.transcript === "string") setText(state, msg.transcript);
    if (arrived(state) < msg.chunks) inSync = false; // compressed chunks still decoding have arrived
    if (!d.endedAt) d.endedAt = nowMs();
  } else if (msg.t === "state") {
    state.answered = true;
    state.orphan = false;
    clearTimeout(state.orphanTimer);
    if (msg.finished && !state.end) state.live = false;
    inSync = arrived(state) >= msg.chunks && state.text.length >= msg.text_len;
  }
  if (!inSync) state.model.send({ t: "need", from: arrived(state), text_from: state.text.length });
  refresh(state);
}

// The finished reply as a WAV file. Once the whole reply is in it, the chunks are dropped: the page
// keeps one copy of the audio, not two.
function finalUrl(state) {
  if (state.urlChunks !== state.have) {
    dropUrl(state);
    if (state.have) {
      const blob = wavBlob(state.chunks.slice(0, state.have), state.rate, state.channels);
      state.url = URL.createObjectURL(blob);
      state.urlBytes = blob.size;
      hold(state.debug, blob.size);
    }
    state.urlChunks = state.have;
  }
  if (state.url && state.end && state.have >= state.end.chunks && state.stored) {
    hold(state.debug, -state.stored);
    state.chunks = [];
    state.stored = 0;
  }
  return state.url;
}

function dropUrl(state) {
  if (state.url) URL.revokeObjectURL(state.url);
  hold(state.debug, -state.urlBytes);
  state.url = null;
  state.urlBytes = 0;
  state.urlChunks = -1;
}

// No view and no model to show it: every byte goes, every listener and timer too.
function release(state) {
  if (state.released) return;
  state.released = state.debug.released = true;
  clearTimeout(state.orphanTimer);
  document.removeEventListener("play", state.onPagePlay, true);
  document.removeEventListener(BARGE_IN, state.onBargeIn);
  dropUrl(state);
  hold(state.debug, -state.stored);
  state.chunks = [];
  state.stored = 0;
  if (state.spareOpus) closeOpus(state.spareOpus);
  state.spareOpus = null;
  if (!playOutTail(state, () => releaseAudio(state))) releaseAudio(state);
  refresh(state);
}

// A new view of a model whose views had all gone: start empty and ask the kernel for everything. The
// audio of a reply still streaming is not played again from the start; it becomes the file at the end.
function revive(state) {
  Object.assign(state, {
    released: false, chunks: [], stored: 0, have: 0, bytes: 0, end: null, live: false, nextSeq: 0,
    stopping: false, opus: null,
  });
  setText(state, "");
  state.debug.released = false;
  document.addEventListener("play", state.onPagePlay, true);
  document.addEventListener(BARGE_IN, state.onBargeIn);
  if (state.ctx) state.ctx.addEventListener("statechange", state.onContextState);
  state.model.send({ t: "ready", have: 0, text_len: 0 });
}

function stopped(state) {
  return Boolean(state.end && (state.end.stopped || (state.stopping && state.end.complete === false)));
}

function phase(state) {
  // the end has come while compressed messages still decode: not done before their audio is in the file
  if (state.end && state.opus && state.opus.pending.length && !state.released) return "live";
  if (stopped(state)) return "stopped";
  if (state.end) return state.end.t === "fail" || state.end.complete === false ? "incomplete" : "done";
  return state.have ? "live" : "waiting";
}

function refresh(state) {
  const d = state.debug;
  Object.assign(d, { state: phase(state), have: state.have, bytes: state.bytes, sources: state.sources.length });
  Object.assign(d, { rate: state.rate, channels: state.channels });
  d.contextState = state.ctx ? state.ctx.state : null;
  d.gain = state.gain ? state.gain.gain.value : null; // what the GainNode really applies
  for (const view of state.views) view();
}
