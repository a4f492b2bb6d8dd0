// Recorder, hands-free: when is the person speaking? An energy detector that adapts to the room, with
// hysteresis, and the take it cuts out of the microphone's samples (a 16 kHz mono WAV).
//
// The noise floor follows quiet frames down at once and up slowly (3 dB a second, never during speech),
// so a fan or a hum becomes the floor and speech stands out above it. Speech starts when the level stays
// ON_DB above the floor for `minSpeech` seconds (a click or a knock is shorter); it goes on while the
// level stays OFF_DB above the floor (the lower bar, so a soft syllable does not end the turn); the turn
// ends after `endSilence` seconds below it. The take keeps PREROLL_S before the start, so the first
// syllable (heard before speech was confirmed) is in it.

const ON_DB = 12;
const OFF_DB = 6;
const FLOOR_MIN_DB = -65; // digital silence (a muted or fake device) would put the floor at minus infinity
const FLOOR_RISE_DB_PER_S = 3;
const PREROLL_S = 0.3;
const TAIL_S = 0.25; // silence kept after the last speech
const TAKE_RATE = 16000; // what speech needs, and a third of the bytes of 48 kHz

function newDetector(endSilence, minSpeech) {
  return { endSilence, minSpeech, floor: null, state: "silence", voiced: 0, quiet: 0, level: -120 };
}

function frameDb(samples) {
  let sum = 0;
  for (let i = 0; i < samples.length; i++) sum += samples[i] * samples[i];
  return 20 * Math.log10(Math.sqrt(sum / samples.length) || 1e-9);
}

// One frame's level in; "start" when speech is confirmed, "end" when the turn is over, else null.
function detect(d, db, seconds) {
  d.level = db;
  if (d.floor === null || db < d.floor) d.floor = db;
  else if (d.state === "silence") d.floor += Math.min(db - d.floor, FLOOR_RISE_DB_PER_S * seconds);
  const floor = Math.max(d.floor, FLOOR_MIN_DB);
  const loud = db > floor + ON_DB;
  const quiet = db < floor + OFF_DB;
  if (d.state === "speech") {
    d.quiet = quiet ? d.quiet + seconds : 0;
    if (d.quiet < d.endSilence) return null;
    d.state = "silence";
    d.voiced = d.quiet = 0;
    return "end";
  }
  if (loud) d.voiced += seconds;
  else if (quiet) d.voiced = 0; // between the two bars a candidate holds; below, it was a click
  d.state = d.voiced > 0 ? "maybe" : "silence";
  if (d.voiced < d.minSpeech) return null;
  d.state = "speech";
  d.quiet = 0;
  return "start";
}

// The samples of a take: the pre-roll while nothing is heard, everything from a candidate on.
function newTake(rate) {
  return { rate, frames: [], length: 0 };
}

function keep(take, samples, d) {
  take.frames.push(samples);
  take.length += samples.length;
  if (d.state !== "silence") return;
  while (take.frames.length > 1 && take.length - take.frames[0].length >= PREROLL_S * take.rate) {
    take.length -= take.frames.shift().length;
  }
}

// The take as a 16 kHz pcm16 WAV, less the end-of-turn silence beyond TAIL_S; the take starts afresh.
function cutTake(take, endSilence) {
  const drop = Math.max(0, Math.floor((endSilence - TAIL_S) * take.rate));
  const all = new Float32Array(take.length);
  let at = 0;
  for (const frame of take.frames) { all.set(frame, at); at += frame.length; }
  take.frames = [];
  take.length = 0;
  return pcmWav(downsample(all.subarray(0, Math.max(0, all.length - drop)), take.rate), TAKE_RATE);
}

// Each output sample is the mean of the input samples it stands for (a box filter against aliasing).
function downsample(samples, rate) {
  if (rate <= TAKE_RATE) return samples;
  const step = rate / TAKE_RATE;
  const out = new Float32Array(Math.floor(samples.length / step));
  for (let i = 0; i < out.length; i++) {
    const from = Math.floor(i * step);
    const to = Math.min(samples.length, Math.max(from + 1, Math.floor((i + 1) * step)));
    let sum = 0;
    for (let j = from; j < to; j++) sum += samples[j];
    out[i] = sum / (to - from);
  }
  return out;
}

function pcmWav(samples, rate) {
  const view = new DataView(new ArrayBuffer(44 + samples.length * 2));
  const ascii = (at, s) => { for (let i = 0; i < s.length; i++) view.setUint8(at + i, s.charCodeAt(i)); };
  ascii(0, "RIFF"); view.setUint32(4, 36 + samples.length * 2, true); ascii(8, "WAVE");
  ascii(12, "fmt "); view.setUint32(16, 16, true); view.setUint16(20, 1, true); view.setUint16(22, 1, true);
  view.setUint32(24, rate, true); view.setUint32(28, rate * 2, true); view.setUint16(32, 2, true);
  view.setUint16(34, 16, true); ascii(36, "data"); view.setUint32(40, samples.length * 2, true);
  for (let i = 0; i < samples.length; i++) {
    const s = Math.max(-1, Math.min(1, samples[i]));
    view.setInt16(44 + i * 2, s < 0 ? s * 32768 : s * 32767, true);
  }
  return view.buffer;
}
