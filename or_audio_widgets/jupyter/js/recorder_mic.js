// Recorder, the microphone: which format to record, what to say when it cannot be opened, the level
// meter and the running clock, and closing every track of a stream.

const MIME_TYPES = ["audio/webm;codecs=opus", "audio/ogg;codecs=opus", "audio/webm", "audio/mp4"];
const METER_MS = 50; // a timer rather than requestAnimationFrame: it runs in background tabs too

// What the person should do, for each way getUserMedia fails.
function micError(err) {
  const name = err && err.name;
  if (name === "NotAllowedError" || name === "SecurityError" || name === "PermissionDeniedError") {
    return "Microphone permission was refused (or this page's host does not allow it). Allow the microphone " +
      "for this page in the browser's site settings and press Record again, or upload an audio file instead.";
  }
  if (name === "NotFoundError" || name === "OverconstrainedError" || name === "DevicesNotFoundError") {
    return "No microphone was found. Connect one and press Record again, or upload an audio file instead.";
  }
  if (name === "NotReadableError") {
    return "The microphone is in use by another application or could not be opened; close that " +
      "application and press Record again, or upload an audio file instead.";
  }
  return `The microphone could not be opened (${name || "error"}: ${(err && err.message) || err}).`;
}

function recorderError(err) {
  const name = (err && err.name) || "error";
  return `This browser could not record from the microphone (${name}: ${(err && err.message) || err}). ` +
    "Upload an audio file instead.";
}

// The type to record. WebKit (Safari, and every browser on iOS) says it can record webm/opus, yet its
// webm takes fail to play and decode, while its mp4 ones work: there, and wherever this page cannot play
// webm/opus back, mp4 comes first. The kernel reads the bytes, not this label, and converts them.
function pickMime() {
  if (typeof MediaRecorder === "undefined") return null;
  for (const type of mimeOrder()) if (MediaRecorder.isTypeSupported(type)) return type;
  return "";
}

function mimeOrder() {
  const webkit = /apple/i.test(navigator.vendor || "");
  const probe = typeof Audio === "undefined" ? null : new Audio();
  const webmPlays = Boolean(probe && probe.canPlayType("audio/webm; codecs=opus"));
  if (!webkit && webmPlays) return MIME_TYPES;
  return ["audio/mp4", ...MIME_TYPES.filter((type) => type !== "audio/mp4")];
}

// The microphone light goes off only when every track is stopped.
function closeStream(stream) {
  if (stream) for (const track of stream.getTracks()) track.stop();
}

function clock(ms) {
  const total = Math.max(0, Math.floor(ms / 1000));
  return `${Math.floor(total / 60)}:${String(total % 60).padStart(2, "0")}`;
}

// The level of the microphone (RMS, -60 to 0 dBFS) as the width of `bar`, and the time since `started`
// in `timer`; returns the function that stops both.
function levelMeter(stream, { bar, timer }, debug, started, maxSeconds) {
  const ctx = new AudioContext();
  const source = ctx.createMediaStreamSource(stream);
  const analyser = ctx.createAnalyser();
  analyser.fftSize = 1024;
  source.connect(analyser);
  const samples = new Float32Array(analyser.fftSize);
  const limit = maxSeconds > 0 ? ` / ${clock(maxSeconds * 1000)}` : "";
  const tick = () => {
    analyser.getFloatTimeDomainData(samples);
    let sum = 0;
    for (const s of samples) sum += s * s;
    const db = 20 * Math.log10(Math.sqrt(sum / samples.length) || 1e-9);
    const level = Math.max(0, Math.min(1, (db + 60) / 60));
    bar.style.width = `${Math.round(level * 100)}%`;
    debug.maxLevel = Math.max(debug.maxLevel, level);
    const shown = clock(performance.now() - started) + limit;
    if (timer.textContent !== shown) timer.textContent = shown;
  };
  tick();
  const interval = setInterval(tick, METER_MS);
  return () => {
    clearInterval(interval);
    bar.style.width = "0%";
    source.disconnect();
    ctx.close().catch(() => {});
  };
}
