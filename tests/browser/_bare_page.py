"""A widget's front end on a bare page in Chromium (no JupyterLab): its module, its CSS, and a stand-in for
anywidget's model that the test drives message by message; plus a tracker of what the page still holds."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from or_audio_widgets.jupyter._js import CSS, module_source

# A stand-in for anywidget's model: get()/set(), on/off(name, cb), send(); deliver() plays the kernel.
FAKE_MODEL = """
window.fakeModel = (id, extra) => {
    const handlers = new Map();
    const values = { player_id: id, recorder_id: id, sample_rate: 24000, stoppable: true, max_seconds: 300,
                     ...(extra || {}) };
    const fire = (name, ...args) => (handlers.get(name) || []).slice().forEach((h) => h(...args));
    return {
        sent: [],
        buffers: [],
        get: (key) => values[key],
        set(key, value) { values[key] = value; fire(`change:${key}`); },
        on: (name, cb) => handlers.set(name, [...(handlers.get(name) || []), cb]),
        off: (name, cb) => handlers.set(name, (handlers.get(name) || []).filter((h) => h !== cb)),
        send(msg, _callbacks, buffers) { this.sent.push(msg); this.buffers.push(buffers || []); },
        deliver: (msg, buffers) => fire("msg:custom", msg, buffers || []),
        listeners: () => [...handlers.values()].reduce((n, list) => n + list.length, 0),
    };
};
window.chunk = (n) => new DataView(new ArrayBuffer(n));
"""

HARNESS = """async (source) => {
    const url = URL.createObjectURL(new Blob([source], { type: "text/javascript" }));
    window.__widget = (await import(url)).default;
    URL.revokeObjectURL(url);
}"""

# What the page still holds, seen from outside the widget's code: "statechange" and "play" listeners,
# blob URLs not revoked, timers neither fired nor cleared. window.__held() reads it.
TRACKER = """(() => {
    const listeners = [], urls = new Set(), timers = new Set();
    const watched = new Set(["statechange", "play"]);
    const add = EventTarget.prototype.addEventListener, remove = EventTarget.prototype.removeEventListener;
    const capture = (o) => Boolean(typeof o === "object" && o ? o.capture : o);
    EventTarget.prototype.addEventListener = function (type, fn, o) {
        if (watched.has(type)) listeners.push({ target: this, type, fn, capture: capture(o) });
        return add.call(this, type, fn, o);
    };
    EventTarget.prototype.removeEventListener = function (type, fn, o) {
        const at = listeners.findIndex((l) => l.target === this && l.type === type && l.fn === fn
                                               && l.capture === capture(o));
        if (at >= 0) listeners.splice(at, 1);
        return remove.call(this, type, fn, o);
    };
    const create = URL.createObjectURL, revoke = URL.revokeObjectURL;
    URL.createObjectURL = (blob) => { const url = create(blob); urls.add(url); return url; };
    URL.revokeObjectURL = (url) => { urls.delete(url); revoke(url); };
    const [setT, clearT, setI, clearI] = [setTimeout, clearTimeout, setInterval, clearInterval];
    window.setTimeout = (fn, ms, ...args) => {
        const id = setT(() => { timers.delete(id); fn(...args); }, ms);
        timers.add(id);
        return id;
    };
    window.clearTimeout = (id) => { timers.delete(id); clearT(id); };
    window.setInterval = (fn, ms, ...args) => {
        const id = setI(fn, ms, ...args);
        timers.add(id);
        return id;
    };
    window.clearInterval = (id) => { timers.delete(id); clearI(id); };
    window.__held = () => ({
        statechange: listeners.filter((l) => l.type === "statechange").length,
        play: listeners.filter((l) => l.type === "play").length,
        urls: urls.size, timers: timers.size, bytes: (window.__orAudio || { held: { bytes: 0 } }).held.bytes,
    });
})();"""


def open_bare_page(browser: Any, files: tuple[str, ...], *, track: bool = False) -> Any:
    """A blank page with the widget made of ``files`` loaded as ``window.__widget`` (and, with ``track``,
    the tracker installed after it loaded)."""
    page = browser.new_page()
    page.set_default_timeout(60_000)
    page.goto("about:blank")
    page.add_style_tag(content=CSS.read_text())
    page.add_script_tag(content=FAKE_MODEL)
    page.evaluate(HARNESS, module_source(files))
    if track:
        page.add_script_tag(content=TRACKER)
    return page


@contextlib.contextmanager
def tracked_page(browser: Any, files: tuple[str, ...], script: str) -> Iterator[Any]:
    """A tracked bare page (:func:`open_bare_page`) with a test's ``script`` added; closed afterwards."""
    page = open_bare_page(browser, files, track=True)
    page.add_script_tag(content=script)
    try:
        yield page
    finally:
        page.close()
