// Recorder front end: MediaRecorder capture with a level meter and a running clock, "Stop recording",
// and playback of the take. The recording goes to Python as one binary buffer: {t:"recording", mime, ms}
// + [bytes]. Python answers {t:"prepared", format, duration, size}, {t:"error", message} or {t:"cleared"}.
// Joined after shared.js, recorder_mic.js, recorder_vad.js, recorder_hands.js and recorder_upload.js (see
// jupyter/_js.py). Where the microphone cannot be used, recorder_upload.js offers the turn from a file.
//
// The microphone is asked for only from a click on Record (Colab's rule: a request made otherwise fails
// silently); when no answer comes, a hint says to press Record again or look at the address bar.
// Hands-free (the hands_free trait) is recorder_hands.js: {t:"hf_status", text} and {t:"hf_error", message}
// from Python show there.
//
// Everything a view opens (the microphone, the meter and its context, timers, the take's blob URL) is
// closed on every path: a refused or failing recorder, a view that goes away during the permission
// prompt or while recording, a take that is cleared.

const IDLE_TEXT = "Press Record to capture from the microphone.";
const PROMPT_HINT_MS = 6000;
const PROMPT_HINT = "No permission prompt? Press Record again (the browser asks only after a click), or allow " +
  "the microphone from the icon in the address bar.";
const LOST_TAKE = "The microphone stopped during the recording (unplugged, or permission withdrawn); what was " +
  "recorded until then is kept. Press Record again, or upload an audio file.";

function recorderView(root, id) {
  root.classList.add("ora-recorder");
  root.dataset.recorderId = id;
  const record = button("ora-record", "● Record", "Record");
  const stop = button("ora-stop", "■ Stop recording", "Stop recording");
  stop.disabled = true;
  const meter = el("div", "ora-meter");
  const bar = el("div");
  meter.append(bar);
  const timer = el("span", "ora-timer", "0:00");
  timer.title = "Length of the recording";
  const status = el("span", "ora-status", IDLE_TEXT);
  const message = el("div", "ora-message");
  message.hidden = true;
  const playback = el("audio");
  playback.controls = true;
  playback.hidden = true;
  const controls = el("div", "ora-controls");
  controls.append(record, stop, meter, timer, status);
  root.replaceChildren(controls, playback, message);
  return { root, controls, record, stop, bar, timer, status, message, playback, upload: null };
}

function setState(rec, state) {
  rec.debug.state = state;
  rec.ui.root.dataset.state = state;
}

function showError(rec, text) {
  rec.debug.error = text;
  rec.ui.message.textContent = text;
  rec.ui.message.hidden = false;
  setState(rec, "error");
}

// The microphone refused or missing: say why, and offer the same turn from a file in the same place.
function refuse(rec, text) {
  showError(rec, text);
  rec.ui.status.textContent = "";
  offerUpload(rec, "");
}

// Called straight from Record's click, so that getUserMedia runs within the click (see above). A second
// click while the first request hangs asks again; whichever answer is not the latest is closed.
async function start(rec) {
  rec.ui.message.hidden = true;
  const mime = pickMime();
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia || mime === null) {
    refuse(rec, "This browser cannot record here (the page needs https or localhost, and MediaRecorder). " +
      "Upload an audio file instead.");
    return;
  }
  const attempt = rec.attempt = (rec.attempt || 0) + 1;
  rec.ui.record.disabled = true;
  setState(rec, "opening");
  clearTimeout(rec.promptHint);
  rec.promptHint = setTimeout(() => {
    rec.promptHint = null;
    rec.debug.promptHint = true;
    rec.ui.status.textContent = PROMPT_HINT;
    rec.ui.record.disabled = false;
  }, PROMPT_HINT_MS);
  let stream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({ audio: true });
  } catch (err) {
    if (rec.disposed || attempt !== rec.attempt) return;
    clearTimeout(rec.promptHint);
    rec.ui.record.disabled = false;
    refuse(rec, micError(err));
    return;
  }
  // the view went away during the permission prompt, or a later click asked again
  if (rec.disposed || attempt !== rec.attempt || rec.recorder) { closeStream(stream); return; }
  clearTimeout(rec.promptHint);
  hideUpload(rec);
  try {
    begin(rec, stream, mime);
  } catch (err) { // e.g. `new MediaRecorder` refuses the stream: the microphone must not stay open
    endTake(rec);
    rec.recorder = null;
    rec.ui.record.disabled = false;
    showError(rec, recorderError(err));
  }
}

function begin(rec, stream, mime) {
  rec.stream = stream;
  rec.debug.micOpen = true;
  const parts = [];
  const recorder = new MediaRecorder(stream, mime ? { mimeType: mime } : undefined);
  rec.recorder = recorder;
  recorder.addEventListener("dataavailable", (e) => { if (e.data && e.data.size) parts.push(e.data); });
  recorder.addEventListener("stop", () => { finish(rec, recorder, parts); });
  // A microphone that goes away mid-take: the take so far is kept and sent, and the person told.
  rec.onTrackEnded = () => { rec.lost = true; stopRecording(rec); };
  for (const track of stream.getTracks()) track.addEventListener("ended", rec.onTrackEnded);
  rec.lost = false;
  rec.started = performance.now();
  const maxSeconds = Number(rec.model.get("max_seconds")) || 0;
  rec.stopMeter = levelMeter(stream, rec.ui, rec.debug, rec.started, maxSeconds);
  recorder.start(250);
  rec.ui.stop.disabled = false;
  rec.ui.status.textContent = "Recording…";
  setState(rec, "recording");
  if (maxSeconds > 0) rec.limit = setTimeout(() => stopRecording(rec), maxSeconds * 1000);
}

// The microphone, the meter and the time limit of the take in progress, closed.
function endTake(rec) {
  clearTimeout(rec.limit);
  rec.limit = null;
  if (rec.stopMeter) rec.stopMeter();
  rec.stopMeter = null;
  if (rec.stream) for (const track of rec.stream.getTracks()) track.removeEventListener("ended", rec.onTrackEnded);
  closeStream(rec.stream);
  rec.stream = null;
  rec.debug.micOpen = false;
  rec.ui.stop.disabled = true;
}

function stopRecording(rec) {
  // The recorder's "stop" event ends the take (after its last data); without one, end it here.
  if (rec.recorder && rec.recorder.state !== "inactive") rec.recorder.stop();
  else endTake(rec);
}

async function finish(rec, recorder, parts) {
  if (rec.recorder !== recorder) return; // a recorder that failed to start: its take is not one
  endTake(rec);
  rec.recorder = null;
  if (rec.disposed) return; // the view went away: the take is dropped, nothing is sent
  const ms = performance.now() - rec.started;
  const blob = new Blob(parts, { type: recorder.mimeType || "audio/webm" });
  parts.length = 0;
  showTake(rec, blob);
  rec.ui.record.disabled = false;
  Object.assign(rec.debug, { ms, bytes: blob.size, mime: blob.type });
  if (!blob.size) { refuse(rec, rec.lost ? LOST_TAKE : "The recording is empty: the microphone sent no sound."); return; }
  if (rec.lost) { rec.ui.message.textContent = LOST_TAKE; rec.ui.message.hidden = false; rec.debug.error = LOST_TAKE; }
  rec.ui.status.textContent = `Recorded ${(ms / 1000).toFixed(1)} s · converting…`;
  setState(rec, "sending");
  const data = await blob.arrayBuffer();
  if (!rec.disposed) rec.model.send({ t: "recording", mime: blob.type, ms: Math.round(ms) }, undefined, [data]);
}

function showTake(rec, blob) {
  dropTake(rec);
  rec.url = URL.createObjectURL(blob);
  rec.urlBytes = blob.size;
  hold(rec.debug, blob.size);
  rec.ui.playback.src = rec.url;
  rec.ui.playback.hidden = false;
}

function dropTake(rec) {
  if (rec.url) URL.revokeObjectURL(rec.url);
  hold(rec.debug, -rec.urlBytes);
  rec.url = null;
  rec.urlBytes = 0;
  rec.ui.playback.hidden = true;
  rec.ui.playback.removeAttribute("src");
}

function onMessage(rec, msg) {
  if (msg.t === "hf_status" && rec.hf) {
    rec.ui.status.textContent = String(msg.text);
  } else if (msg.t === "hf_error") {
    rec.ui.message.textContent = String(msg.message);
    rec.ui.message.hidden = false;
  } else if (msg.t === "prepared") {
    rec.debug.prepared = msg;
    const what = rec.debug.uploaded ? "Uploaded" : "Recorded";
    rec.ui.status.textContent = `${what} ${Number(msg.duration).toFixed(1)} s · ${msg.format}, ready to send`;
    setState(rec, "ready");
  } else if (msg.t === "error") {
    rec.ui.status.textContent = "";
    showError(rec, String(msg.message));
  } else if (msg.t === "cleared") {
    dropTake(rec);
    rec.debug.uploaded = null;
    rec.ui.timer.textContent = "0:00";
    rec.ui.status.textContent = rec.debug.upload ? "Upload a recording for the next turn." : IDLE_TEXT;
    setState(rec, "idle");
  }
}

function render({ model, el: root }) {
  const id = model.get("recorder_id");
  const debug = debugRecord("recorders", id, {
    id, state: "idle", ms: 0, bytes: 0, mime: null, maxLevel: 0, error: null, prepared: null,
    micOpen: false, held: 0, upload: null, uploaded: null, permission: null, promptHint: false,
  });
  const rec = {
    model, debug, ui: recorderView(root, id), disposed: false,
    stream: null, recorder: null, stopMeter: null, limit: null, started: 0, url: null, urlBytes: 0, hf: null,
    attempt: 0, promptHint: null, lost: false, onTrackEnded: null, blocked: null, permission: null,
    onPermission: null,
  };
  rec.ui.upload = uploadView(rec);
  rec.ui.controls.after(rec.ui.upload.box);
  setState(rec, "idle");
  const stopDrops = acceptDrops(rec);
  checkMicrophone(rec);
  rec.ui.record.addEventListener("click", () => {
    if (rec.hf) handsFreeFromClick(rec);
    else start(rec);
  });
  rec.ui.stop.addEventListener("click", () => stopRecording(rec));
  const onMsg = (msg) => onMessage(rec, msg);
  const onHandsFree = () => onHandsFreeChange(rec);
  model.on("msg:custom", onMsg);
  model.on("change:hands_free", onHandsFree);
  if (model.get("hands_free")) handsFreeOn(rec);
  return () => {
    rec.disposed = true;
    clearTimeout(rec.promptHint);
    stopWatching(rec);
    stopDrops();
    model.off("msg:custom", onMsg);
    model.off("change:hands_free", onHandsFree);
    handsFreeOff(rec);
    if (rec.recorder && rec.recorder.state !== "inactive") rec.recorder.stop();
    endTake(rec);
    dropTake(rec);
    setState(rec, "closed");
  };
}

export default { render };
