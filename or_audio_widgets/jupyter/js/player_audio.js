// LivePlayer, the sound: pcm16 chunks scheduled back to back with the Web Audio API through the
// player's own GainNode (mute and volume), and the WAV file made from the chunks when the reply ends.

// How far ahead of "now" the first buffer starts: room for network jitter between chunks, so
// later chunks still land before the previous one ends (no gap).
const LEAD_SECONDS = 0.15;
// A chunk that arrives with less than this left before its slot is late: restart the clock.
const MARGIN_SECONDS = 0.005;
// After a late chunk the lead doubles (up to this), so a slow connection stops stuttering.
const MAX_LEAD_SECONDS = 1.0;

function gainLevel(state) {
  return state.muted ? 0 : state.volume;
}

// The player's way out: the shared context for its rate, and a GainNode of its own.
function output(state) {
  if (!state.ctx) {
    const ctx = sharedContext(state.rate);
    state.ctx = ctx;
    state.gain = ctx.createGain();
    state.gain.gain.value = gainLevel(state);
    state.gain.connect(ctx.destination);
    ctx.addEventListener("statechange", state.onContextState);
    state.debug.contextRate = ctx.sampleRate;
  }
  return state.gain;
}

function setVolume(state, volume, muted) {
  state.volume = Math.max(0, Math.min(1, Number(volume)));
  state.muted = Boolean(muted);
  if (state.gain) state.gain.gain.value = gainLevel(state);
}

function toAudioBuffer(ctx, state, bytes, frames) {
  const samples = new Int16Array(bytes.buffer, bytes.byteOffset, frames * state.channels);
  const buffer = ctx.createBuffer(state.channels, frames, state.rate);
  for (let ch = 0; ch < state.channels; ch++) {
    const out = buffer.getChannelData(ch);
    for (let i = 0; i < frames; i++) out[i] = samples[i * state.channels + ch] / 32768;
  }
  return buffer;
}

// When the next buffer starts: right after the previous one, unless that moment has (nearly) passed.
function startTime(state, ctx) {
  const start = state.t0 === null ? null : state.t0 + state.frames / state.rate;
  if (start !== null && start >= ctx.currentTime + MARGIN_SECONDS) return start;
  if (start !== null) {
    state.debug.underruns += 1;
    state.lead = Math.min(MAX_LEAD_SECONDS, state.lead * 2);
  }
  state.t0 = ctx.currentTime + state.lead;
  state.frames = 0;
  return state.t0;
}

function schedule(state) {
  if (!state.live || state.end || state.stopping) {
    state.nextSeq = state.have;
    return;
  }
  while (state.nextSeq < state.have) {
    const seq = state.nextSeq;
    const bytes = state.chunks[seq];
    state.nextSeq += 1;
    const frames = Math.floor(bytes.byteLength / 2 / state.channels);
    if (frames) play(state, seq, bytes, frames);
  }
}

function play(state, seq, bytes, frames) {
  const gain = output(state);
  const ctx = state.ctx;
  if (ctx.state === "suspended") ctx.resume().catch(() => {}); // refused without a gesture: the button shows
  const buffer = toAudioBuffer(ctx, state, bytes, frames);
  const start = startTime(state, ctx);
  const node = ctx.createBufferSource();
  node.buffer = buffer;
  node.connect(gain);
  node.start(start);
  const entry = { node, size: frames * state.channels * 4 }; // the buffer's float samples
  hold(state.debug, entry.size);
  state.sources.push(entry);
  state.debug.sources = state.sources.length;
  node.addEventListener("ended", () => forget(state, entry), { once: true });
  state.frames += frames;
  const duration = frames / state.rate;
  const d = state.debug;
  // slack: how long before its start the buffer was scheduled (0 or less would be a gap)
  pushBounded(d.schedule, { seq, start, duration, slack: start - ctx.currentTime, at: nowMs() });
  d.scheduled += 1;
  d.scheduledSeconds += duration;
  if (d.firstScheduled === null) {
    d.firstScheduled = nowMs();
    d.firstLead = start - ctx.currentTime;
  }
}

// A buffer that has played (or was stopped) is let go; the last one out of a released player
// disconnects its GainNode.
function forget(state, entry) {
  const at = state.sources.indexOf(entry);
  if (at < 0) return;
  state.sources.splice(at, 1);
  state.debug.sources = state.sources.length;
  hold(state.debug, -entry.size);
  entry.node.disconnect();
  if (state.released && !state.sources.length) detachAudio(state);
}

function stopLive(state) {
  for (const entry of [...state.sources]) {
    try { entry.node.stop(); } catch (_err) { /* already stopped */ }
    forget(state, entry);
  }
  state.live = false;
}

// The player lets go of the shared context: its listener goes, its GainNode once nothing plays.
// A running context plays out what is already scheduled (the magics close the live widget as the
// reply ends: cutting its last words would be worse than a short overlap); a suspended one never
// would, so its buffers are stopped.
function releaseAudio(state) {
  if (!state.ctx) return;
  state.ctx.removeEventListener("statechange", state.onContextState);
  if (state.ctx.state !== "running") stopLive(state);
  if (!state.sources.length) detachAudio(state);
}

function detachAudio(state) {
  if (state.gain) state.gain.disconnect();
  state.gain = null;
  state.ctx = null;
  state.t0 = null;
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
