// Recorder front end: MediaRecorder capture with a level meter (AnalyserNode), stop, and playback of
// the take. The recording goes to Python as one binary buffer: {t:"recording", mime, ms} + [bytes].
// Python answers {t:"prepared", format, duration, size} or {t:"error", message}.

const MIME_TYPES = ["audio/webm;codecs=opus", "audio/ogg;codecs=opus", "audio/webm", "audio/mp4"];

function registry() {
  if (!window.__orAudio) window.__orAudio = { players: {}, recorders: {}, contexts: {} };
  return window.__orAudio;
}

function el(tag, cls, text) {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  if (text !== undefined) node.textContent = text;
  return node;
}

// What the person should do, for each way getUserMedia fails.
function micError(err) {
  const name = err && err.name;
  if (name === "NotAllowedError" || name === "SecurityError" || name === "PermissionDeniedError") {
    return "Microphone permission was refused. Allow the microphone for this page in the browser's site " +
      "settings and press Record again, or upload an audio file instead.";
  }
  if (name === "NotFoundError" || name === "OverconstrainedError" || name === "DevicesNotFoundError") {
    return "No microphone was found. Connect one and press Record again, or upload an audio file instead.";
  }
  if (name === "NotReadableError") {
    return "The microphone is in use by another application or could not be opened.";
  }
  return `The microphone could not be opened (${name || "error"}: ${(err && err.message) || err}).`;
}

function pickMime() {
  if (typeof MediaRecorder === "undefined") return null;
  for (const type of MIME_TYPES) if (MediaRecorder.isTypeSupported(type)) return type;
  return "";
}

function levelMeter(stream, bar, debug) {
  const ctx = new AudioContext();
  const source = ctx.createMediaStreamSource(stream);
  const analyser = ctx.createAnalyser();
  analyser.fftSize = 1024;
  source.connect(analyser);
  const samples = new Float32Array(analyser.fftSize);
  // A timer rather than requestAnimationFrame: it keeps running in background tabs and headless pages.
  const timer = setInterval(() => {
    analyser.getFloatTimeDomainData(samples);
    let sum = 0;
    for (const s of samples) sum += s * s;
    const rms = Math.sqrt(sum / samples.length);
    const db = 20 * Math.log10(rms || 1e-9);
    const level = Math.max(0, Math.min(1, (db + 60) / 60)); // -60 dBFS .. 0 dBFS
    bar.style.width = `${Math.round(level * 100)}%`;
    debug.maxLevel = Math.max(debug.maxLevel, level);
  }, 50);
  return () => {
    clearInterval(timer);
    bar.style.width = "0%";
    ctx.close().catch(() => {});
  };
}

function render({ model, el: root }) {
  const id = model.get("recorder_id");
  const debug = { state: "idle", ms: 0, bytes: 0, mime: null, maxLevel: 0, error: null, prepared: null };
  registry().recorders[id] = debug;
  root.classList.add("ora-recorder");
  root.dataset.recorderId = id;
  const record = el("button", "ora-record", "● Record");
  const stop = el("button", "ora-stop", "■ Stop");
  record.type = stop.type = "button";
  stop.disabled = true;
  const meter = el("div", "ora-meter");
  const bar = el("div");
  meter.append(bar);
  const status = el("span", "ora-status", "Press Record to capture from the microphone.");
  const message = el("div", "ora-message");
  message.hidden = true;
  const playback = el("audio");
  playback.controls = true;
  playback.hidden = true;
  const controls = el("div", "ora-controls");
  controls.append(record, stop, meter, status);
  root.replaceChildren(controls, playback, message);

  let recorder = null, stopMeter = null, started = 0, url = null, limit = null;
  const setState = (state) => { debug.state = state; root.dataset.state = state; };
  const showError = (text) => {
    debug.error = text;
    message.textContent = text;
    message.hidden = false;
    setState("error");
  };
  setState("idle");

  async function start() {
    message.hidden = true;
    const mime = pickMime();
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia || mime === null) {
      showError("This browser cannot record here (the page needs https or localhost, and MediaRecorder). " +
        "Upload an audio file instead.");
      return;
    }
    let stream;
    record.disabled = true;
    try {
      stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    } catch (err) {
      record.disabled = false;
      showError(micError(err));
      return;
    }
    const parts = [];
    recorder = new MediaRecorder(stream, mime ? { mimeType: mime } : undefined);
    recorder.addEventListener("dataavailable", (e) => { if (e.data && e.data.size) parts.push(e.data); });
    recorder.addEventListener("stop", () => finish(stream, parts));
    stopMeter = levelMeter(stream, bar, debug);
    started = performance.now();
    recorder.start(250);
    stop.disabled = false;
    status.textContent = "Recording…";
    setState("recording");
    const maxSeconds = model.get("max_seconds");
    if (maxSeconds > 0) limit = setTimeout(() => stopRecording(), maxSeconds * 1000);
  }

  function stopRecording() {
    if (limit) { clearTimeout(limit); limit = null; }
    if (recorder && recorder.state !== "inactive") recorder.stop();
    stop.disabled = true;
  }

  async function finish(stream, parts) {
    for (const track of stream.getTracks()) track.stop();
    if (stopMeter) stopMeter();
    const ms = performance.now() - started;
    const blob = new Blob(parts, { type: recorder.mimeType || "audio/webm" });
    if (url) URL.revokeObjectURL(url);
    url = URL.createObjectURL(blob);
    playback.src = url;
    playback.hidden = false;
    record.disabled = false;
    Object.assign(debug, { ms, bytes: blob.size, mime: blob.type });
    if (!blob.size) { showError("The recording is empty: the microphone sent no sound."); return; }
    status.textContent = `Recorded ${(ms / 1000).toFixed(1)} s · converting…`;
    setState("sending");
    const data = await blob.arrayBuffer();
    model.send({ t: "recording", mime: blob.type, ms: Math.round(ms) }, undefined, [data]);
  }

  record.addEventListener("click", () => { start(); });
  stop.addEventListener("click", stopRecording);
  const onMsg = (msg) => {
    if (msg.t === "prepared") {
      debug.prepared = msg;
      status.textContent = `Recorded ${Number(msg.duration).toFixed(1)} s · ${msg.format}, ready to send`;
      setState("ready");
    } else if (msg.t === "error") {
      status.textContent = "";
      showError(String(msg.message));
    } else if (msg.t === "cleared") {
      playback.hidden = true;
      playback.removeAttribute("src");
      status.textContent = "Press Record to capture from the microphone.";
      setState("idle");
    }
  };
  model.on("msg:custom", onMsg);
  return () => {
    model.off("msg:custom", onMsg);
    stopRecording();
  };
}

export default { render };
