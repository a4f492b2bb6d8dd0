"""Pages that play the hosts notebooks run in, without JupyterLab: a widget's front end in a page of its own
on 127.0.0.1 (a secure context, so the browser's real microphone rules apply), optionally inside a frame of
another origin whose ``allow`` omits the microphone (what VS Code's notebook outputs are).

The pages are served by Playwright's routing, so nothing listens on a port; both origins are loopback ones,
which browsers treat as secure. ``THEMES`` gives the widget JupyterLab's light or dark colours.
"""

from __future__ import annotations

import json
from typing import Any

from _bare_page import FAKE_MODEL

from or_audio_widgets.jupyter._js import CSS, module_source

HOST_URL = "http://localhost:8765/host"
FRAME_URL = "http://127.0.0.1:8766/frame"
# The colours of JupyterLab's two themes that the widget's stylesheet reads.
THEMES = {
    "light": "body { background: #ffffff; --jp-ui-font-color1: rgba(0,0,0,0.87); }",
    "dark": (
        "body { background: #111111; color: rgba(255,255,255,1); --jp-ui-font-color1: rgba(255,255,255,1);"
        " --jp-layout-color2: #424242; --jp-layout-color3: #616161; --jp-border-color1: #616161;"
        " --jp-brand-color1: #64b5f6; --jp-error-color1: #ef5350; --jp-success-color1: #66bb6a; }"
    ),
}
# window.showWidget(id, extra): the widget rendered into a new element, with its stand-in model.
SHOW = """
window.showWidget = (id, extra) => {
    const model = window.fakeModel(id, extra || {});
    const root = document.createElement("div");
    root.id = id;
    document.body.append(root);
    if (window.__widget.initialize) window.__widget.initialize({ model });
    const unrender = window.__widget.render({ model, el: root });
    return { model, root, unrender };
};
window.tick = (ms) => new Promise((ok) => setTimeout(ok, ms));
"""


def widget_page(files: tuple[str, ...], theme: str = "light", script: str = "") -> str:
    """The HTML of a page holding the widget made of ``files`` as ``window.__widget``; ``script`` (a module
    script) runs once it is loaded, before anything a test evaluates (so it runs with no user gesture)."""
    return (
        "<!doctype html><html><head><meta charset='utf-8'>"
        f"<style>{CSS.read_text()}\n{THEMES[theme]}</style></head><body>"
        f"<script>{FAKE_MODEL}{SHOW}</script>"
        "<script type='module'>"
        f"const url = URL.createObjectURL(new Blob([{json.dumps(module_source(files))}], "
        "{ type: 'text/javascript' }));"
        "window.__widget = (await import(url)).default; URL.revokeObjectURL(url);"
        f"{script}\nwindow.__ready = true;</script></body></html>"
    )


def host_page(allow: str) -> str:
    """A page of another origin holding the widget page in a frame allowed only ``allow``."""
    return (
        "<!doctype html><html><body style='margin:0'>"
        f"<iframe id='output' src='{FRAME_URL}' allow='{allow}' style='width:900px;height:420px;border:0'>"
        "</iframe></body></html>"
    )


def serve(page: Any, url: str, html: str) -> None:
    """Answer ``url`` in ``page`` (and its frames) with ``html``."""
    page.route(url, lambda route: route.fulfill(body=html, content_type="text/html"))


def open_widget_page(context: Any, files: tuple[str, ...], theme: str = "light", script: str = "") -> Any:
    """A new page showing :func:`widget_page` at the top level, loaded."""
    page = context.new_page()
    page.set_default_timeout(60_000)
    serve(page, FRAME_URL, widget_page(files, theme, script))
    page.goto(FRAME_URL)
    page.wait_for_function("() => window.__ready === true")
    return page


def open_framed(context: Any, files: tuple[str, ...], allow: str, theme: str = "light") -> tuple[Any, Any]:
    """A host page framing the widget page, lending it only the features in ``allow``: (page, frame)."""
    page = context.new_page()
    page.set_default_timeout(60_000)
    serve(page, HOST_URL, host_page(allow))
    serve(page, FRAME_URL, widget_page(files, theme))
    page.goto(HOST_URL)
    handle = page.locator("#output").element_handle()
    assert handle is not None
    inner = handle.content_frame()
    assert inner is not None
    inner.wait_for_function("() => window.__ready === true")
    return page, inner
