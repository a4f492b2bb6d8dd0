// LivePlayer, what the person sees: the status line, the live controls (Stop reply, mute, volume), the
// transcript, then the finished reply's <audio> and its download link. Model text only ever reaches the
// page through text nodes and textContent.

function seconds(state) {
  return state.bytes / 2 / state.channels / state.rate;
}

function statusText(state, p) {
  if (p === "waiting" && state.orphan) {
    return "No audio yet, and no answer from the kernel: if this notebook was reopened, the live audio is gone.";
  }
  if (p === "waiting") return state.stopping ? "Stopping…" : "Waiting for audio…";
  if (p === "live") return state.stopping ? "Stopping…" : `Streaming · ${seconds(state).toFixed(1)} s received`;
  const dur = state.bytes ? `${seconds(state).toFixed(2)} s` : "no audio";
  if (p === "stopped") return `Stopped · ${dur}`;
  return p === "done" ? `Complete · ${dur}` : `Incomplete · ${state.bytes ? dur + " kept" : dur}`;
}

// Stop: silent at once, and the kernel is told (it closes the connection and keeps what arrived).
function requestStop(state) {
  if (state.stopping || state.end || state.released) return;
  state.stopping = true;
  stopLive(state);
  state.model.send({ t: "stop" });
  refresh(state);
}

function liveControls(state) {
  const stop = button("ora-stop-reply", "■ Stop reply", "Stop reply");
  stop.title = "Stop this reply: the connection closes and what arrived is kept";
  stop.addEventListener("click", () => requestStop(state));
  const mute = button("ora-mute", "Mute");
  mute.addEventListener("click", () => { setVolume(state, state.volume, !state.muted); refresh(state); });
  const volume = el("input", "ora-volume");
  Object.assign(volume, { type: "range", min: "0", max: "1", step: "0.05", title: "Volume" });
  volume.setAttribute("aria-label", "Volume");
  volume.addEventListener("input", () => { setVolume(state, volume.value, false); refresh(state); });
  // Where the kernel cannot hear Stop while the cell runs (ipykernel 6), Stop shows disabled, with why.
  const why = el("span", "ora-stop-note");
  const box = el("span", "ora-live-controls");
  box.append(stop, why, mute, volume);
  const update = (p) => {
    box.hidden = state.orphan || (p !== "waiting" && p !== "live");
    const stoppable = Boolean(state.model.get("stoppable"));
    const note = stoppable ? "" : String(state.model.get("stop_note") || "");
    stop.hidden = !(stoppable || note) || !state.model.get("show_stop");
    stop.disabled = state.stopping || !stoppable;
    stop.title = note || "Stop this reply: the connection closes and what arrived is kept";
    why.hidden = stop.hidden || !note;
    why.textContent = note;
    stop.textContent = state.stopping ? "Stopping…" : "■ Stop reply";
    mute.textContent = state.muted ? "Unmute" : "Mute"; // words: an emoji needs a font the page may lack
    mute.setAttribute("aria-pressed", String(state.muted));
    if (document.activeElement !== volume) volume.value = String(state.volume);
  };
  return { box, update };
}

function finalPlayer(state) {
  const final = el("div", "ora-final");
  final.hidden = true;
  const audio = el("audio");
  audio.controls = true;
  audio.preload = "metadata";
  // the page builds a WAV, so the file is one; its name comes from Python (e.g. the chat's turn-3)
  const name = `${state.model.get("file_name") || "reply"}.wav`;
  const link = el("a", "ora-download", `download ${name}`);
  link.download = name;
  final.append(audio, link);
  return { final, audio, link };
}

function showEnd(state, p, parts) {
  const { final, audio, link, marker, note } = parts;
  const url = finalUrl(state);
  final.hidden = !url;
  if (url && audio.getAttribute("src") !== url) {
    audio.src = url;
    link.href = url;
    // The level chosen while it streamed carries over; Mute (or the slider at 0) silenced the live voice
    // only: the file starts audible, or played later it would seem broken.
    audio.volume = state.volume > 0 ? state.volume : 1;
  }
  marker.hidden = p !== "incomplete";
  const reason = state.end.reason || "the stream ended early";
  marker.textContent = `⚠ Incomplete reply: ${reason}. What arrived is kept.`;
  note.hidden = p !== "stopped";
  note.textContent = state.bytes ? "Stopped at your request; what arrived is kept." : "Stopped before any audio arrived.";
}

// The page may not start sound by itself (autoplay blocked: VS Code's notebooks, a page nobody clicked
// yet). The chunks are still scheduled, on a context that stands still, so nothing is lost; the click
// starts the context, and the reply plays from its start (also when it has ended meanwhile).
function waitingForClick(state) {
  return state.ctx !== null && state.ctx.state === "suspended" && state.sources.length > 0;
}

function buildView(state, root) {
  root.classList.add("ora-player");
  root.dataset.playerId = state.id;
  const status = el("span", "ora-status");
  const listen = button("ora-listen", "▶ Click to listen", "Click to listen");
  listen.title = "This page may not start sound by itself; the reply plays from its start";
  listen.hidden = true;
  listen.addEventListener("click", () => {
    const ctx = state.ctx || sharedContext(state.rate);
    state.debug.listenClicked = nowMs();
    ctx.resume().then(() => refresh(state)).catch(() => {});
  });
  const controls = liveControls(state);
  const transcript = el("div", "ora-transcript");
  const marker = el("div", "ora-incomplete");
  marker.hidden = true;
  const note = el("div", "ora-stopped");
  note.hidden = true;
  const { final, audio, link } = finalPlayer(state);
  const head = el("div", "ora-head");
  head.append(status, listen, controls.box);
  root.replaceChildren(head, transcript, final, marker, note);
  let shown = "";
  return () => {
    const p = phase(state);
    root.dataset.state = p;
    root.dataset.chunks = String(state.have);
    const blocked = waitingForClick(state);
    root.dataset.sound = blocked ? "blocked" : "";
    status.textContent = statusText(state, p) + (blocked ? " · sound waits for your click" : "");
    controls.update(p);
    if (state.text !== shown) {
      // Append only the new tail as a text node: linear in the transcript, and never parsed as HTML.
      if (state.text.startsWith(shown)) transcript.append(document.createTextNode(state.text.slice(shown.length)));
      else transcript.textContent = state.text;
      shown = state.text;
    }
    listen.hidden = !blocked;
    if (state.end) showEnd(state, p, { final, audio, link, marker, note });
  };
}
