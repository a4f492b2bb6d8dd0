// LivePlayer, the sound: pcm16 chunks scheduled back to back with the Web Audio API through the
// player's own GainNode (mute and volume), and the WAV file made from the chunks when the reply ends.

// How far ahead of "now" the first buffer starts at least: room for the kernel's own jitter between
// chunks (on one machine), so later chunks still land before the previous one ends (no gap).
const LEAD_SECONDS = 0.15;
// A chunk that arrives with less than this left before its slot is late: restart the clock.
const MARGIN_SECONDS = 0.005;
// The lead never grows past this, however bad the connection looks.
const MAX_LEAD_SECONDS = 3.0;
// The lead is the connection's measured jitter plus this (the jitter of the kernel and the page) ...
const SAFETY_SECONDS = 0.08;
// ... and, first sound included, this on the compressed path, whose messages also wait for the kernel's
// encoder and the page's decoder (tens of milliseconds each, more on a busy machine) in ways a few early
// delays do not show.
const CODEC_SAFETY_SECONDS = 0.05;
// How many recent message delays the page keeps to measure its connection (about 12 s of a reply).
const DELAY_WINDOW = 32;
// The share of those delays the lead covers: the rest would be a gap (a stall is not waited for forever).
const DELAY_QUANTILE = 0.9;
// A chunk that arrives with less lead than wanted by more than this plays a little slower, so the lead
// grows without a gap: each 0.4 s chunk at STRETCH_RATE gains 12 ms (3 % is half a semitone lower, heard
// as a slightly slower voice, not a stutter). The wanted lead itself shrinks as the delays measured on a
// connection grown steady replace the old ones; the audio never plays faster than it was spoken.
const DEADBAND_SECONDS = 0.05;
const STRETCH_RATE = 0.97;

// What the page knows of its connection to the kernel, shared by every player of the page (a second
// reply starts with what the first one measured): the delays of recent messages, from the kernel's
// timestamp (ts, ms since the epoch) to their arrival. Clocks may differ between kernel and page, so
// only delays relative to the smallest recent one count.
function connection() {
  const root = orAudio();
  return root.link || (root.link = { delays: [] });
}

function noteDelay(state, ts) {
  if (typeof ts !== "number" || !Number.isFinite(ts)) return;
  const link = connection();
  state.lastDelay = nowMs() - ts;
  link.delays.push(state.lastDelay);
  if (link.delays.length > DELAY_WINDOW) link.delays.splice(0, link.delays.length - DELAY_WINDOW);
  state.debug.jitter = jitterSeconds();
}

// The spread of recent delays: DELAY_QUANTILE of them arrive this much later than the quickest.
function jitterSeconds() {
  const delays = [...connection().delays].sort((a, b) => a - b);
  if (delays.length < 2) return 0;
  const at = Math.min(delays.length - 1, Math.ceil(DELAY_QUANTILE * (delays.length - 1)));
  return (delays[at] - delays[0]) / 1000;
}

// The lead wanted now: the measured jitter plus a safety, at least the local lead. A chunk that came
// late is among the delays measured, so a restart after a gap already allows for its like (one step);
// a single stall is not (the backlog that follows it refills the lead by itself).
function wantedLead(state) {
  const codec = state.debug.codec === "opus" ? CODEC_SAFETY_SECONDS : 0;
  return Math.min(MAX_LEAD_SECONDS, Math.max(LEAD_SECONDS, jitterSeconds() + SAFETY_SECONDS) + codec);
}

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

// When the next buffer starts: right after the previous one, unless that moment has (nearly) passed;
// then the clock restarts the wanted lead ahead (a gap: counted, with how late the chunk was).
function startTime(state, ctx) {
  const start = state.until;
  if (start !== null && start >= ctx.currentTime + MARGIN_SECONDS) return start;
  if (start !== null) {
    state.debug.underruns += 1;
    pushBounded(state.debug.gaps, { at: nowMs(), late: ctx.currentTime - start });
  }
  state.until = ctx.currentTime + wantedLead(state);
  return state.until;
}

// The playback rate of the next chunk, from how far ahead of the clock the audio is when it arrives.
function rateFor(slack, wanted) {
  return slack < wanted - DEADBAND_SECONDS ? STRETCH_RATE : 1;
}

// live: chunks that came live and were decoded after the end arrived (a compressed reply's last ones)
function schedule(state, live = false) {
  if (!state.live || (state.end && !live) || state.stopping) {
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
  const fresh = state.until === null || state.until < ctx.currentTime + MARGIN_SECONDS;
  const start = startTime(state, ctx);
  const slack = start - ctx.currentTime;
  const wanted = wantedLead(state);
  const rate = fresh ? 1 : rateFor(slack, wanted);
  const node = ctx.createBufferSource();
  node.buffer = buffer;
  node.playbackRate.value = rate;
  node.connect(gain);
  node.start(start);
  const entry = { node, size: frames * state.channels * 4 }; // the buffer's float samples
  hold(state.debug, entry.size);
  state.sources.push(entry);
  state.debug.sources = state.sources.length;
  node.addEventListener("ended", () => forget(state, entry), { once: true });
  const audio = frames / state.rate;
  const played = audio / rate; // on the context's clock
  state.until = start + played;
  const d = state.debug;
  d.lead = wanted;
  // duration: the chunk's audio; played: its time on the context's clock (longer when stretched);
  // slack: how long before its start the buffer was scheduled (0 or less would be a gap);
  // delay: ms from the kernel's stamp to the page (clocks may differ: compare delays, not the figure)
  const record = { seq, start, duration: audio, played, rate, slack, delay: state.lastDelay, at: nowMs() };
  pushBounded(d.schedule, record);
  d.scheduled += 1;
  d.scheduledSeconds += audio;
  if (rate < 1) d.stretched += 1;
  if (d.firstScheduled === null) {
    d.firstScheduled = nowMs();
    d.firstLead = slack;
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
  state.until = null;
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
