// LivePlayer, the compressed path: Opus packets decoded with WebCodecs' AudioDecoder into the same pcm16
// chunks the raw path stores, so scheduling, the debug record and the finished file work as for raw.
// And what the page tells the kernel about itself: the codecs it decodes and the throughput it measured.
//
// A message {t:"opus", seq, ts, first, upto, g0, skip, sizes} + [packets end to end] completes the frames
// first..upto (at the reply's rate, counted from the encoder's start); frame i is the decoder's 48 kHz
// sample skip + i * 48000 / rate, and its first packet decodes from 48 kHz sample g0 on.

const OPUS_CONFIG = { codec: "opus", sampleRate: 48000, numberOfChannels: 2 };
// Messages smaller than this say little of the throughput (their delay is mostly latency and jitter).
const MEASURED_BYTES = 4096;
// How many recent throughput figures the page keeps; it reports their median.
const RATE_WINDOW = 8;
// A new figure is told the kernel when it differs this much from the last one told.
const RATE_CHANGE = 0.25;
// A first message this big says something of the throughput (the full module, not the loader) ...
const OPENING_BYTES = 16384;
// ... once this many small messages have shown the link's quickest delay.
const OPENING_AFTER = 3;

// What this page decodes, asked once per page: ["opus"] where WebCodecs takes Opus, else [] (no
// WebCodecs, or not a secure context: http from another machine).
function pageCodecs() {
  const root = orAudio();
  if (!root.codecs) {
    const probe = typeof AudioDecoder === "function" && typeof AudioDecoder.isConfigSupported === "function";
    root.codecs = probe
      ? AudioDecoder.isConfigSupported(OPUS_CONFIG).then((r) => (r.supported ? ["opus"] : []), () => [])
      : Promise.resolve([]);
  }
  return root.codecs;
}

// A big message's delay above the quickest recent one is mostly its time crossing the link: its size
// over that time is the link's throughput, or less (queueing counts too: the estimate errs slow).
function noteThroughput(state, bytes) {
  measureOpening(state);
  const delays = connection().delays;
  if (bytes < MEASURED_BYTES || state.lastDelay === null || delays.length < 2) return;
  const extra = Math.max(1, state.lastDelay - Math.min(...delays)) / 1000;
  const link = connection();
  link.rates = link.rates || [];
  link.rates.push(bytes / extra);
  if (link.rates.length > RATE_WINDOW) link.rates.splice(0, link.rates.length - RATE_WINDOW);
  tellLink(state);
}

// The player's first message, when it carried the player's code (about 40 kB, a page's first player):
// its delay above the quickest of the small messages that follow is its transfer, a measure of the link
// before any audio. Module import time counts too: the estimate errs slow (towards Opus).
function noteOpening(state) {
  const esm = state.model.get("_esm");
  const opened = state.model.get("opened_at");
  if (!opened || typeof esm !== "string" || esm.length < OPENING_BYTES) return;
  connection().opening = { delay: nowMs() - opened, bytes: esm.length };
}

function measureOpening(state) {
  const link = connection();
  if (!link.opening || link.delays.length < OPENING_AFTER) return;
  const extra = Math.max(1, link.opening.delay - Math.min(...link.delays)) / 1000;
  link.rates = link.rates || [];
  link.rates.push(link.opening.bytes / extra);
  link.opening = null;
  tellLink(state);
}

function measuredBps() {
  const rates = [...(connection().rates || [])].sort((a, b) => a - b);
  return rates.length ? rates[Math.floor(rates.length / 2)] : null;
}

function tellLink(state, force) {
  const bps = measuredBps();
  const told = state.toldBps;
  if (!force && (bps === null || (told && Math.abs(bps - told) <= RATE_CHANGE * told))) return;
  state.toldBps = bps;
  state.debug.linkBps = bps;
  const msg = { t: "link" };
  if (bps !== null) msg.bps = Math.round(bps);
  if (state.codecs) msg.codecs = state.codecs;
  state.model.send(msg);
}

// Once the page knows what it decodes, the kernel is told (with what it measured on earlier replies).
function announceCodecs(state) {
  pageCodecs().then((codecs) => {
    if (state.released) return;
    state.codecs = codecs;
    state.debug.codecs = codecs;
    tellLink(state, true);
    // A decoder made now is ready when the first packets come: its start is not on the way to the
    // first sound (tens of milliseconds, more on a busy page).
    if (codecs.includes("opus") && !state.opus && !state.spareOpus) {
      try { state.spareOpus = newOpus(state); } catch (_err) { state.spareOpus = null; }
    }
  });
}

// The decoder made ahead, when it still fits the reply's channels; else a new one.
function freshOpus(state) {
  const spare = state.spareOpus;
  state.spareOpus = null;
  if (spare && spare.channels === state.channels && spare.decoder.state === "configured") return spare;
  if (spare) closeOpus(spare);
  return newOpus(state);
}

function newOpus(state) {
  const opus = {
    decoder: null, base48: 0, held: [], heldStart: 0, heldLength: 0, outRate: 48000, pending: [],
    channels: state.channels,
  };
  opus.decoder = new AudioDecoder({
    output: (data) => decoded(state, opus, data),
    error: () => decoderFailed(state, opus),
  });
  opus.decoder.configure({ ...OPUS_CONFIG, numberOfChannels: state.channels });
  return opus;
}

function pendingSeq(state, seq) {
  return Boolean(state.opus && state.opus.pending.some((m) => m.seq === seq));
}

// How many chunks have arrived in order, decoded or still decoding: what the page need not ask again.
function arrived(state) {
  let n = state.have;
  while (state.chunks[n] || pendingSeq(state, n)) n += 1;
  return n;
}

function addOpus(state, msg, buffers) {
  const d = state.debug;
  d.codec = "opus";
  if (d.firstChunkArrived === null) {
    d.firstChunkArrived = nowMs();
    d.firstChunkKernelTs = msg.ts ?? null;
  }
  if (msg.seq < state.have || state.chunks[msg.seq] || pendingSeq(state, msg.seq) || state.opusFailed) return;
  if (typeof AudioDecoder !== "function") return decoderFailed(state, null);
  let opus = state.opus;
  const last = opus && opus.pending.length ? opus.pending[opus.pending.length - 1].seq : state.have - 1;
  if (!opus || msg.seq !== last + 1) {
    // A first message, or one after a gap (a view that came late): decoding starts again here, and
    // what came before arrives raw, asked for.
    if (opus) closeOpus(opus);
    opus = state.opus = freshOpus(state);
    opus.base48 = msg.g0;
  }
  opus.pending.push({ seq: msg.seq, first: msg.first, upto: msg.upto, skip: msg.skip });
  d.decoding = opus.pending.length;
  const bytes = buffers[0] ? toBytes(buffers[0]) : new Uint8Array(0);
  let at = 0;
  let ts = msg.g0;
  for (const size of msg.sizes || []) {
    const data = bytes.subarray(at, at + size);
    at += size;
    opus.decoder.decode(new EncodedAudioChunk({ type: "key", timestamp: Math.round((ts * 1e6) / 48000), data }));
    ts += 960;
  }
}

// Decoded samples are held (float, per channel) until they complete the oldest message waiting.
function decoded(state, opus, data) {
  try {
    // a released player's last messages still play out (playOutTail); a revived one starts again
    if (opus.tail ? !state.released : state.opus !== opus) return;
    opus.outRate = data.sampleRate;
    const frames = data.numberOfFrames;
    for (let ch = 0; ch < state.channels; ch++) {
      const plane = new Float32Array(frames);
      data.copyTo(plane, { planeIndex: Math.min(ch, data.numberOfChannels - 1), format: "f32-planar" });
      opus.held[ch] = concatFloats(opus.held[ch], opus.heldLength, plane);
    }
    opus.heldLength += frames;
    completeMessages(state, opus);
  } finally {
    data.close();
  }
}

function concatFloats(old, length, more) {
  const out = new Float32Array(length + more.length);
  if (old) out.set(old.subarray(0, length));
  out.set(more, length);
  return out;
}

// The decoder's output index of frame i (the reply's rate) of a message.
function outIndex(opus, m, i, rate) {
  return Math.round(((m.skip + (i * 48000) / rate - opus.base48) * opus.outRate) / 48000);
}

function completeMessages(state, opus) {
  let stored = false;
  while (opus.pending.length) {
    const m = opus.pending[0];
    const end = outIndex(opus, m, m.upto - 1, state.rate);
    if (end >= opus.heldStart + opus.heldLength) break;
    const frames = m.upto - m.first;
    const samples = new Int16Array(frames * state.channels);
    for (let i = 0; i < frames; i++) {
      const k = outIndex(opus, m, m.first + i, state.rate) - opus.heldStart;
      for (let ch = 0; ch < state.channels; ch++) {
        const v = k >= 0 ? opus.held[ch][k] : 0;
        samples[i * state.channels + ch] = Math.max(-32768, Math.min(32767, Math.round(v * 32768)));
      }
    }
    opus.pending.shift();
    state.debug.decoding = opus.pending.length;
    const drop = Math.max(0, Math.min(opus.heldLength, end + 1 - opus.heldStart));
    for (let ch = 0; ch < state.channels; ch++) opus.held[ch] = opus.held[ch].slice(drop, opus.heldLength);
    opus.heldStart += drop;
    opus.heldLength -= drop;
    if (!state.chunks[m.seq] && m.seq >= state.have) {
      store(state, m.seq, new Uint8Array(samples.buffer));
      state.debug.decodedChunks += 1;
      stored = true;
    }
  }
  if (!stored) return;
  while (state.chunks[state.have]) state.have += 1;
  schedule(state, true); // they came live: they play even when the end came while they were decoding
  refresh(state);
}

// The view went away while the last messages were decoding (the magics close the live player as the
// reply ends): they still play, on a running context, then the decoder and their chunks go and
// `then` lets go of the audio. False when there is nothing to play out.
function playOutTail(state, then) {
  const opus = state.opus;
  state.opus = null;
  if (!opus) return false;
  const running = state.ctx !== null && state.ctx.state === "running";
  if (!opus.pending.length || !running || state.stopping || !state.live) {
    closeOpus(opus);
    return false;
  }
  opus.tail = true;
  const done = () => {
    closeOpus(opus);
    state.debug.decoding = 0;
    if (!state.released) return; // revived meanwhile: its chunks are new ones
    hold(state.debug, -state.stored);
    state.chunks = [];
    state.stored = 0;
    then();
  };
  opus.decoder.flush().then(done, done);
  return true;
}

// The decoder refused the packets: the kernel sends raw from now on, and what was waiting comes again.
function decoderFailed(state, opus) {
  if (opus && state.opus !== opus) return;
  state.opusFailed = true;
  state.debug.codecErrors += 1;
  if (state.opus) closeOpus(state.opus);
  state.opus = null;
  state.codecs = [];
  tellLink(state, true);
  state.model.send({ t: "need", from: state.have, text_from: state.text.length });
}

function closeOpus(opus) {
  opus.pending = [];
  opus.held = [];
  opus.heldLength = 0;
  if (opus.decoder.state !== "closed") opus.decoder.close();
}
