// Recorder, when the microphone cannot be used here (a host that refuses it, as VS Code's notebooks do;
// permission refused; no device): the same turn from a file, in the same place, with one line saying why.
// The file goes to the kernel exactly as a take does ({t:"recording", mime, ms: 0, name} + [bytes]) and
// Python checks and converts it the same way. A file that is plainly not audio is refused here, before
// anything is sent.
//
// It also watches the microphone's permission where the browser reports it, so a permission granted
// after a refusal brings Record back; the watch ends with the view.

const UPLOAD_MAX_BYTES = 100 * 1024 * 1024; // the kernel refuses what the API would not take anyway
// Containers that often carry only sound but are labelled video/* by the operating system.
const AUDIO_CONTAINERS = ["video/webm", "video/mp4", "video/ogg", "application/ogg", "video/quicktime"];
const POLICY_TEXT = "This page's host does not let widgets use the microphone (as in VS Code's notebooks).";

function uploadView(rec) {
  const box = el("div", "ora-upload");
  box.hidden = true;
  const why = el("div", "ora-upload-why");
  const input = el("input");
  Object.assign(input, { type: "file", accept: "audio/*,.wav,.mp3,.m4a,.ogg,.oga,.webm,.flac,.aac" });
  input.hidden = true;
  const choose = button("ora-upload-choose", "Choose an audio file…", "Choose an audio file");
  const hint = el("span", "ora-upload-hint", "or drop one here");
  choose.addEventListener("click", () => input.click());
  input.addEventListener("change", () => {
    if (input.files && input.files[0]) sendFile(rec, input.files[0]);
    input.value = ""; // the same file chosen again is a new turn
  });
  const row = el("div", "ora-controls");
  row.append(choose, hint, input);
  box.append(why, row);
  return { box, why, input, choose };
}

// The upload in place of the microphone, with the reason (one line; none when the message above says it).
function offerUpload(rec, reason) {
  rec.debug.upload = reason || "see the message";
  rec.ui.upload.why.textContent = `${reason ? reason + " " : ""}Upload a recording instead (or drop it here).`;
  rec.ui.upload.box.hidden = false;
  rec.ui.root.dataset.upload = "shown";
}

function hideUpload(rec) {
  rec.debug.upload = null;
  rec.ui.upload.box.hidden = true;
  delete rec.ui.root.dataset.upload;
}

function looksLikeAudio(file) {
  const type = (file.type || "").toLowerCase();
  return !type || type.startsWith("audio/") || AUDIO_CONTAINERS.includes(type);
}

async function sendFile(rec, file) {
  const name = String(file.name || "file");
  if (!looksLikeAudio(file)) {
    showError(rec, `${name} is not an audio file (${file.type}); nothing was sent. Choose a recording ` +
      "(WAV, MP3, M4A, OGG, WebM or FLAC).");
    return;
  }
  if (!file.size) { showError(rec, `${name} is empty (0 bytes); nothing was sent.`); return; }
  if (file.size > UPLOAD_MAX_BYTES) {
    showError(rec, `${name} is ${(file.size / 1048576).toFixed(0)} MB, over the ` +
      `${UPLOAD_MAX_BYTES / 1048576} MB an upload may be; nothing was sent. Cut it shorter first.`);
    return;
  }
  rec.ui.message.hidden = true;
  showTake(rec, file);
  Object.assign(rec.debug, { ms: 0, bytes: file.size, mime: file.type || null, uploaded: name });
  rec.ui.status.textContent = `${name} · converting…`;
  setState(rec, "sending");
  const data = await file.arrayBuffer();
  if (!rec.disposed) rec.model.send({ t: "recording", mime: file.type, ms: 0, name }, undefined, [data]);
}

// Files dropped anywhere on the recorder: the first one is the turn.
function acceptDrops(rec) {
  const root = rec.ui.root;
  const over = (e) => {
    if (!e.dataTransfer || !Array.from(e.dataTransfer.types || []).includes("Files")) return;
    e.preventDefault(); // without it the browser opens the file in place of the notebook
    e.dataTransfer.dropEffect = "copy";
    root.dataset.drop = "over";
  };
  const leave = () => { delete root.dataset.drop; };
  const drop = (e) => {
    leave();
    const file = e.dataTransfer && e.dataTransfer.files && e.dataTransfer.files[0];
    if (!file) return;
    e.preventDefault();
    e.stopPropagation(); // JupyterLab would otherwise try to open it as a document
    if (rec.hf) { showError(rec, "Hands-free is listening: turn it off to send a file."); return; }
    sendFile(rec, file);
  };
  root.addEventListener("dragover", over);
  root.addEventListener("dragleave", leave);
  root.addEventListener("drop", drop);
  return () => {
    root.removeEventListener("dragover", over);
    root.removeEventListener("dragleave", leave);
    root.removeEventListener("drop", drop);
  };
}

// What the page can know before any prompt: a host policy that forbids the microphone, or a permission
// already refused. Either offers the upload at once; a permission that changes later is followed.
function checkMicrophone(rec) {
  const policy = document.permissionsPolicy || document.featurePolicy;
  if (policy && typeof policy.allowsFeature === "function" && !policy.allowsFeature("microphone")) {
    rec.blocked = POLICY_TEXT;
    rec.ui.record.disabled = true;
    rec.ui.record.title = POLICY_TEXT;
    rec.ui.status.textContent = "";
    offerUpload(rec, POLICY_TEXT);
    return;
  }
  if (!navigator.permissions || !navigator.permissions.query) return;
  navigator.permissions.query({ name: "microphone" }).then((status) => {
    if (rec.disposed) return;
    rec.permission = status;
    rec.onPermission = () => permissionChanged(rec, status.state);
    status.addEventListener("change", rec.onPermission);
    if (status.state === "denied") permissionChanged(rec, "denied");
  }).catch(() => {}); // a browser that cannot tell: the first Record says
}

function permissionChanged(rec, state) {
  rec.debug.permission = state;
  if (state === "denied") {
    if (!rec.recorder && !rec.hf) offerUpload(rec, "Microphone permission is refused for this page.");
  } else if (rec.debug.upload && !rec.blocked) {
    hideUpload(rec); // allowed after a refusal: Record works again
    rec.ui.message.hidden = true;
    rec.ui.status.textContent = "Microphone allowed: press Record.";
    if (rec.debug.state === "error") setState(rec, "idle");
  }
}

function stopWatching(rec) {
  if (rec.permission && rec.onPermission) rec.permission.removeEventListener("change", rec.onPermission);
  rec.permission = rec.onPermission = null;
}
