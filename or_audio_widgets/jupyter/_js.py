"""The widgets' JavaScript, one module per widget joined from small files.

anywidget loads a widget's front end from a single ES module source (``_esm``), so a widget whose code is
split by responsibility is given its files joined in order: the shared helpers first, the file with the
``export default`` last. The files declare no imports or exports of their own besides that one.
"""

from __future__ import annotations

import pathlib

FOLDER = pathlib.Path(__file__).parent / "js"
CSS = FOLDER / "widgets.css"
PLAYER = ("shared.js", "player_audio.js", "player_codec.js", "player_state.js", "player_view.js", "player.js")
RECORDER = (
    "shared.js", "recorder_mic.js", "recorder_vad.js", "recorder_hands.js", "recorder_upload.js",
    "recorder.js",
)


def module_source(names: tuple[str, ...]) -> str:
    """The ES module made of the files ``names`` (in ``js/``), in order, each under a line naming it."""
    return "\n".join(f"// ---- {name} ----\n{(FOLDER / name).read_text(encoding='utf-8')}" for name in names)
