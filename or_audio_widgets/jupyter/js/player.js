// LivePlayer front end: pcm16 chunks arrive as binary buffers on custom messages and are scheduled
// back to back with the Web Audio API; the transcript grows as text; the finished reply becomes a
// normal <audio controls> built here from the PCM already received (a WAV header plus the chunks).
// Joined after shared.js, player_audio.js, player_state.js and player_view.js (see jupyter/_js.py).
//
// One state per model, found by its player_id and dropped when the model closes; its audio is let go
// as soon as no view shows it. Nothing else in the page keeps a player alive.

const PLAYERS = new Map();
// A busy kernel answers "ready" late (e.g. while a cell streams), so only a long silence with nothing
// received means there is no kernel behind this widget (a notebook reopened with saved state).
const ORPHAN_AFTER_MS = 10000;

function initialize({ model }) {
  const state = createState(model);
  PLAYERS.set(state.id, state);
  const onMsg = (msg, buffers) => handle(state, msg, buffers || []);
  const onStoppable = () => refresh(state);
  const onLayout = () => setLayout(state);
  model.on("msg:custom", onMsg);
  model.on("change:stoppable", onStoppable);
  model.on("change:show_stop", onStoppable);
  model.on("change:stop_note", onStoppable);
  model.on("change:sample_rate", onLayout);
  model.on("change:channels", onLayout);
  // Tell Python what is here; it answers with its counts, and anything missing is asked for.
  model.send({ t: "ready", have: state.have, text_len: state.text.length, code: CODE });
  state.orphanTimer = setTimeout(() => {
    if (!state.answered && !state.have && !state.text && !state.end) { state.orphan = true; refresh(state); }
  }, ORPHAN_AFTER_MS);
  return () => {
    model.off("msg:custom", onMsg);
    model.off("change:stoppable", onStoppable);
    model.off("change:show_stop", onStoppable);
    model.off("change:stop_note", onStoppable);
    model.off("change:sample_rate", onLayout);
    model.off("change:channels", onLayout);
    release(state);
    PLAYERS.delete(state.id);
  };
}

function render({ model, el: root }) {
  const id = model.get("player_id");
  if (!PLAYERS.has(id)) initialize({ model }); // a host without initialize()
  const state = PLAYERS.get(id);
  if (state.released) revive(state);
  const update = buildView(state, root);
  state.views.add(update);
  update();
  return () => {
    state.views.delete(update);
    if (!state.views.size) release(state);
  };
}

// The page holds this version of the player's code from now on: players made later get a small loader
// that finds it here (player_loader.js), and the kernel hears so in "ready".
const CODE = "%OR_AUDIO_CODE%";
orAudio().modules = orAudio().modules || {};
orAudio().modules[CODE] = Promise.resolve({ default: { initialize, render } });

export default { initialize, render };
