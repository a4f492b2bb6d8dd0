// LivePlayer's module when the page already holds the player's code: a loader of about a kilobyte, so the
// code (about 40 kB) does not cross the page's connection again with every reply. On a slow link it came
// just ahead of a reply's first audio and held it back by its whole transfer (0.6 s at 600 kbit/s).
//
// The full module registers itself in window.__orAudio.modules under its version (player.js); the page
// says it holds that version in its "ready" message, and the kernel sends this loader to players made
// after that. A page that does not hold it (reloaded, another tab) asks the kernel: {t:"code", hash} is
// answered with {t:"code", hash} + [the module's text]. This file is a module of its own, not joined to
// the others.

const CODE = "%OR_AUDIO_CODE%"; // the version of the player's code this loader stands for
// A kernel that has not answered by then is not there (a notebook reopened with saved widget state).
const CODE_WAIT_MS = 10000;

function playerCode(model) {
  const root = window.__orAudio || (window.__orAudio = {});
  const modules = root.modules || (root.modules = {});
  if (!modules[CODE]) {
    modules[CODE] = new Promise((resolve, reject) => {
      const timer = setTimeout(() => { model.off("msg:custom", onMsg); reject(new Error("no kernel")); },
                               CODE_WAIT_MS);
      function onMsg(msg, buffers) {
        if (!msg || msg.t !== "code" || msg.hash !== CODE || !buffers || !buffers.length) return;
        model.off("msg:custom", onMsg);
        clearTimeout(timer);
        const url = URL.createObjectURL(new Blob([buffers[0]], { type: "text/javascript" }));
        import(url).then(resolve, reject).finally(() => URL.revokeObjectURL(url));
      }
      model.on("msg:custom", onMsg);
      model.send({ t: "code", hash: CODE });
    });
    modules[CODE].catch(() => { delete modules[CODE]; }); // the next player asks again
  }
  return modules[CODE];
}

async function initialize(context) {
  try {
    return (await playerCode(context.model)).default.initialize(context);
  } catch (_err) {
    return undefined; // render says so
  }
}

async function render(context) {
  const note = document.createElement("div");
  note.className = "ora-player-loading";
  note.textContent = "Loading the player…";
  context.el.appendChild(note);
  try {
    const code = await playerCode(context.model);
    note.remove();
    return code.default.render(context);
  } catch (_err) {
    note.textContent = "No answer from the kernel: if this notebook was reopened, the live audio is gone.";
    return () => note.remove();
  }
}

export default { initialize, render };
