// Recorder, hands-free: the microphone stays open; each spoken turn (recorder_vad.js decides where it
// starts and ends) goes to the kernel on its own as {t:"turn", ms, ended} + [16 kHz WAV]; the start of
// speech goes at once as {t:"speech"} and fires BARGE_IN in the page, so a reply playing falls silent.
// When the microphone is refused, absent, forbidden by the page's host, or lost, hands-free leaves by itself
// and says why (the recorder then offers a file instead), and the kernel is told ({t:"hands_free_off",
// reason}) so its toggle shows it off. The microphone is asked for within a click only (Colab's rule):
// turned on with no recent click on the page, hands-free waits for one on "Start listening".
//
// Everything it opens (the stream and its tracks' listeners, the AudioContext and its nodes) is closed
// when hands-free goes off, on every error path, and when the view goes away.

const HF_FRAME = 1024; // samples per look at the level: ~21 ms at 48 kHz
const QUIET_HINT_S = 10;
// The model's voice from the speakers must not count as the person speaking over it.
const MIC_CONSTRAINTS = { audio: { echoCancellation: true, noiseSuppression: true, autoGainControl: true } };
const LISTEN_TEXT = "Hands-free: listening… speak, and pause to send.";
const QUIET_TEXT = `Hands-free: no speech heard for ${QUIET_HINT_S} s. Speak, or check the microphone ` +
  "(the meter shows its level); turn Hands-free off to stop listening.";
const LOST_TEXT = "The microphone stopped (permission withdrawn, or the device was unplugged). Hands-free " +
  "is off: allow the microphone and turn it on again.";
const CANNOT_LISTEN = "Hands-free cannot listen here:";
const cannotListen = (why) => `${CANNOT_LISTEN} ${why.charAt(0).toLowerCase()}${why.slice(1)}`;
const CLICK_TEXT = "Hands-free: press Start listening (the browser lets a page use the microphone only " +
  "after a click).";

function listeningViews() {
  const root = orAudio();
  return root.handsFree || (root.handsFree = {});
}

async function handsFreeOn(rec) {
  const id = rec.model.get("recorder_id");
  if (rec.hf || listeningViews()[id]) return; // one view of a recorder listens, not each of them
  const hf = { id, stream: null, ctx: null, nodes: [], closed: false, hinted: false, heardAt: performance.now(),
    waiting: false, hintShown: false, attempt: 0, promptHint: null };
  hf.det = newDetector(Number(rec.model.get("end_silence")) || 0.7, Number(rec.model.get("min_speech")) || 0.25);
  rec.hf = hf;
  listeningViews()[id] = true;
  rec.debug.hf = { state: "opening", level: null, floor: null, speechStarts: 0, turns: 0, lastEnded: null,
    lastMs: 0, lastBytes: 0, quietHint: false, error: null };
  rec.ui.record.disabled = true;
  rec.ui.message.hidden = true;
  hideUpload(rec);
  if (rec.blocked) { leave(rec, cannotListen(rec.blocked)); return; }
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    leave(rec, cannotListen("this browser cannot open the microphone (the page needs https or localhost)."));
    return;
  }
  const activation = navigator.userActivation;
  if (activation && !activation.isActive) { waitForClick(rec, hf); return; }
  await openMicrophone(rec, hf);
}

// No click to ask from (hands-free turned on from code, or long after the click): Record becomes
// "Start listening", and its click asks.
function waitForClick(rec, hf) {
  hf.waiting = true;
  setState(rec, "click");
  rec.debug.hf.state = "click";
  rec.ui.record.textContent = "● Start listening";
  rec.ui.record.setAttribute("aria-label", "Start listening");
  rec.ui.record.disabled = false;
  rec.ui.status.textContent = CLICK_TEXT;
}

// Record's click while hands-free is on: asks for the microphone (again, when the prompt never came).
function handsFreeFromClick(rec) {
  const hf = rec.hf;
  if (!hf || (!hf.waiting && !hf.hintShown)) return;
  openMicrophone(rec, hf);
}

async function openMicrophone(rec, hf) {
  hf.waiting = hf.hintShown = false;
  const attempt = hf.attempt = (hf.attempt || 0) + 1;
  rec.ui.record.textContent = "● Record";
  rec.ui.record.setAttribute("aria-label", "Record");
  rec.ui.record.disabled = true;
  setState(rec, "opening");
  rec.debug.hf.state = "opening";
  clearTimeout(hf.promptHint);
  hf.promptHint = setTimeout(() => {
    hf.hintShown = true;
    rec.debug.promptHint = true;
    rec.ui.record.textContent = "● Start listening";
    rec.ui.record.disabled = false;
    rec.ui.status.textContent = `Hands-free: ${PROMPT_HINT.replace("Press Record", "Press Start listening")}`;
  }, PROMPT_HINT_MS);
  let stream;
  try {
    stream = await navigator.mediaDevices.getUserMedia(MIC_CONSTRAINTS);
  } catch (err) {
    if (!hf.closed && attempt === hf.attempt) {
      leave(rec, cannotListen(micError(err).replace("press Record again", "turn Hands-free on again")));
    }
    return;
  }
  // turned off (or the view went) during the prompt, or a later click asked again
  if (hf.closed || attempt !== hf.attempt || hf.stream) { closeStream(stream); return; }
  clearTimeout(hf.promptHint);
  rec.ui.record.textContent = "● Record";
  try {
    listen(rec, hf, stream);
  } catch (err) {
    hf.stream = stream;
    leave(rec, `The microphone could not be listened to (${(err && err.name) || "error"}: ${err && err.message}).`);
  }
}

function listen(rec, hf, stream) {
  hf.stream = stream;
  rec.debug.micOpen = true;
  hf.onEnded = () => leave(rec, LOST_TEXT);
  for (const track of stream.getTracks()) track.addEventListener("ended", hf.onEnded);
  const ctx = new AudioContext();
  hf.ctx = ctx;
  const source = ctx.createMediaStreamSource(stream);
  const tap = ctx.createScriptProcessor(HF_FRAME, 1, 1);
  const mute = ctx.createGain(); // the tap must reach the destination to run; nothing is heard
  mute.gain.value = 0;
  source.connect(tap);
  tap.connect(mute);
  mute.connect(ctx.destination);
  hf.nodes = [source, tap, mute];
  hf.take = newTake(ctx.sampleRate);
  tap.onaudioprocess = (e) => onFrame(rec, hf, e.inputBuffer.getChannelData(0));
  if (ctx.state === "suspended") ctx.resume().catch(() => {});
  hf.heardAt = performance.now();
  setState(rec, "listening");
  rec.debug.hf.state = "listening";
  rec.ui.status.textContent = LISTEN_TEXT;
}

function onFrame(rec, hf, channel) {
  if (hf.closed) return;
  const samples = new Float32Array(channel); // a copy: the browser reuses the buffer
  const seconds = samples.length / hf.take.rate;
  const db = frameDb(samples);
  const event = detect(hf.det, db, seconds);
  if (event === "end") {
    hf.take.frames.push(samples);
    hf.take.length += samples.length;
    endTurn(rec, hf);
  } else {
    keep(hf.take, samples, hf.det);
  }
  if (event === "start") speechStarted(rec, hf);
  const maxSeconds = Number(rec.model.get("max_seconds")) || 0;
  if (hf.det.state === "speech" && maxSeconds > 0 && hf.take.length >= maxSeconds * hf.take.rate) {
    hf.det.state = "silence";
    endTurn(rec, hf);
  }
  showLevel(rec, hf, db);
}

function speechStarted(rec, hf) {
  hf.heardAt = performance.now();
  hf.hinted = false;
  rec.debug.hf.speechStarts += 1;
  document.dispatchEvent(new Event(BARGE_IN));
  rec.model.send({ t: "speech" });
  rec.ui.status.textContent = "Hands-free: hearing you…";
}

function endTurn(rec, hf) {
  const ended = nowMs();
  const ms = Math.round((hf.take.length / hf.take.rate) * 1000);
  const wav = cutTake(hf.take, hf.det.endSilence);
  hf.heardAt = performance.now();
  Object.assign(rec.debug.hf, { lastEnded: ended, lastMs: ms, lastBytes: wav.byteLength });
  rec.debug.hf.turns += 1;
  rec.model.send({ t: "turn", ms, ended }, undefined, [wav]);
  rec.ui.status.textContent = "Hands-free: sent; the reply is coming (speak to interrupt).";
}

// The meter: the level, in the speech colour while speech is detected; the clock counts the take.
function showLevel(rec, hf, db) {
  const d = hf.det;
  const level = Math.max(0, Math.min(1, (db + 60) / 60));
  rec.ui.bar.style.width = `${Math.round(level * 100)}%`;
  rec.ui.root.dataset.vad = d.state;
  rec.debug.maxLevel = Math.max(rec.debug.maxLevel, level);
  Object.assign(rec.debug.hf, { state: d.state, level: Math.round(db), floor: Math.round(d.floor) });
  const shown = d.state === "speech" ? clock((hf.take.length / hf.take.rate) * 1000) : "0:00";
  if (rec.ui.timer.textContent !== shown) rec.ui.timer.textContent = shown;
  if (d.state === "silence" && !hf.hinted && performance.now() - hf.heardAt > QUIET_HINT_S * 1000) {
    hf.hinted = rec.debug.hf.quietHint = true;
    rec.ui.status.textContent = QUIET_TEXT;
  }
}

// Hands-free ends by itself: everything closed, the reason shown, the kernel told.
function leave(rec, reason) {
  handsFreeOff(rec);
  showError(rec, reason);
  if (reason.startsWith(CANNOT_LISTEN)) offerUpload(rec, "");
  rec.debug.hf.error = reason;
  if (!rec.disposed) rec.model.send({ t: "hands_free_off", reason });
}

function handsFreeOff(rec) {
  const hf = rec.hf;
  if (!hf) return;
  hf.closed = true;
  clearTimeout(hf.promptHint);
  rec.hf = null;
  delete listeningViews()[hf.id];
  if (hf.nodes.length) hf.nodes[1].onaudioprocess = null;
  for (const node of hf.nodes) node.disconnect();
  if (hf.ctx) hf.ctx.close().catch(() => {});
  if (hf.stream) for (const track of hf.stream.getTracks()) track.removeEventListener("ended", hf.onEnded);
  closeStream(hf.stream);
  rec.debug.micOpen = false;
  rec.debug.hf.state = "off";
  rec.ui.bar.style.width = "0%";
  delete rec.ui.root.dataset.vad;
  rec.ui.timer.textContent = "0:00";
  rec.ui.record.textContent = "● Record";
  rec.ui.record.setAttribute("aria-label", "Record");
  rec.ui.record.disabled = Boolean(rec.blocked);
  rec.ui.status.textContent = rec.blocked ? "" : IDLE_TEXT;
  setState(rec, "idle");
}

function onHandsFreeChange(rec) {
  if (rec.model.get("hands_free")) handsFreeOn(rec);
  else handsFreeOff(rec);
}
