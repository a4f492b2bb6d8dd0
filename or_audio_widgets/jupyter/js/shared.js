// Shared by the LivePlayer and the Recorder. anywidget loads each widget's module from one source, so
// Python joins this file in front of each widget's own files (jupyter/_js.py); nothing here is exported.
//
// The page-wide root, window.__orAudio, holds no audio. It keeps the AudioContexts every player shares,
// a count of the audio bytes the widgets hold right now, and a small bounded debug record per widget
// (what the browser tests read): the last DEBUG_WIDGETS widgets of each kind, lists cut to DEBUG_ENTRIES.

const DEBUG_WIDGETS = 64;
const DEBUG_ENTRIES = 256;
const DEBUG_TEXT = 20000; // characters of a transcript kept in its debug record
// The page event a hands-free recorder fires when the person starts speaking: live players fall silent.
const BARGE_IN = "or-audio-barge-in";

function orAudio() {
  const root = window.__orAudio || (window.__orAudio = {});
  root.contexts = root.contexts || {};
  root.held = root.held || { bytes: 0 };
  root.players = root.players || {};
  root.recorders = root.recorders || {};
  return root;
}

// A widget's debug record, newest last; the oldest beyond DEBUG_WIDGETS are dropped.
function debugRecord(kind, id, record) {
  const records = orAudio()[kind];
  delete records[id];
  records[id] = record;
  const ids = Object.keys(records);
  for (let i = 0; i < ids.length - DEBUG_WIDGETS; i++) delete records[ids[i]];
  return record;
}

function pushBounded(list, entry) {
  list.push(entry);
  if (list.length > DEBUG_ENTRIES) list.splice(0, list.length - DEBUG_ENTRIES);
}

// Count `bytes` of audio as held (positive) or let go (negative) by the widget whose record this is.
function hold(record, bytes) {
  record.held += bytes;
  orAudio().held.bytes += bytes;
}

// One AudioContext per sample rate for the whole page: browsers cap the number of contexts, and a
// context at the stream's own rate plays each chunk without resampling.
function sharedContext(rate) {
  const contexts = orAudio().contexts;
  let ctx = contexts[rate];
  if (!ctx || ctx.state === "closed") {
    try {
      ctx = new AudioContext({ sampleRate: rate, latencyHint: "interactive" });
    } catch (_err) {
      ctx = new AudioContext(); // AudioBuffers keep their own rate; the context resamples them
    }
    contexts[rate] = ctx;
  }
  return ctx;
}

function el(tag, cls, text) {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  if (text !== undefined) node.textContent = text;
  return node;
}

function button(cls, text, label) {
  const node = el("button", cls, text);
  node.type = "button";
  if (label) node.setAttribute("aria-label", label);
  return node;
}

// Wall-clock milliseconds, the clock the kernel's timestamps use (same machine in the tests).
function nowMs() {
  return Date.now();
}
