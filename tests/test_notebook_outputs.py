"""Execute a generated notebook with nbclient and check what the saved .ipynb holds.

The kernel is a real ipykernel; it reaches the session emulator as if it were OpenRouter (with a fake key in
its environment), or runs offline. The saved file must hold a decodable player per spoken reply, escaped
transcripts, each audio payload once, and never the key.
"""

from __future__ import annotations

import base64
import json
import os
import re
from pathlib import Path
from typing import Any

import nbformat
import pytest
from _magics_support import FAKE_KEY, decoded_seconds
from nbclient import NotebookClient

_PAYLOAD = re.compile(r"data:(audio/[\w.+-]+);base64,([A-Za-z0-9+/=]{100,})")

CELLS = [
    "%load_ext or_audio_widgets",
    'thing = "<b>bold & brave</b>"',
    "%%oraudio --out first\nSay {thing} and {{braces}}",
    "%oraudio --text Describe <i>this</i>",
    "%%oraudio --embed file --format mp3\nA second reply",
    "print(type(_oraudio).__name__, first.complete)",
]


def _run(tmp_path: Path, env_extra: dict[str, str], first: str = "%load_ext or_audio_widgets"
         ) -> tuple[Any, str]:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(source) for source in [first, *CELLS[1:]]]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENROUTER_", "OR_AUDIO_"))}
    env.update(env_extra, PYDEVD_DISABLE_FILE_VALIDATION="1", JUPYTER_PLATFORM_DIRS="1")
    client = NotebookClient(nb, timeout=120, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}})
    client.execute(env=env)
    path = tmp_path / "executed.ipynb"
    nbformat.write(nb, path)
    return nb, path.read_text(encoding="utf-8")


def _html_outputs(cell: Any) -> list[str]:
    return [o["data"]["text/html"] for o in cell.outputs
            if o.get("output_type") == "display_data" and "text/html" in o.get("data", {})]


def _check_saved_file(nb: Any, text: str, tmp_path: Path) -> None:
    assert FAKE_KEY not in text and "Bearer" not in text
    outputs = [o for c in nb.cells for o in c.outputs]
    assert not [o for o in outputs if o["output_type"] == "error"]
    assert not [o for o in outputs if "application/vnd.jupyter.widget-view+json" in o.get("data", {})]
    # every audio payload is in the file exactly once, and decodes
    payloads = _PAYLOAD.findall(text)
    assert payloads
    for mime, b64 in payloads:
        assert text.count(b64) == 1
        assert decoded_seconds(base64.b64decode(b64)) > 0.5, mime  # ffmpeg decodes it, whatever the format
    # the first reply: a compressed player (a second or more, and ffmpeg is here), the words escaped, no
    # live leftovers, and a download link named after --out
    spoken = nb.cells[2]
    (page,) = _html_outputs(spoken)
    assert '<audio controls preload="metadata" src="data:audio/mpeg;base64,' in page
    assert "autoplay" not in page
    assert 'download="first.mp3"' in page
    assert "&lt;b&gt;bold &amp; brave&lt;/b&gt; and {braces}" in page and "<b>bold" not in page
    assert not [o for o in spoken.outputs if o["output_type"] == "stream"]
    # the text reply: escaped, no player
    (words,) = _html_outputs(nb.cells[3])
    assert "&lt;i&gt;this&lt;/i&gt;" in words and "<audio" not in words
    # --embed file: the notebook links a file next to it, which decodes
    (linked,) = _html_outputs(nb.cells[4])
    src = re.search(r'<audio controls preload="metadata" src="([^"]+)"', linked)
    assert src and not src.group(1).startswith("data:")
    assert (tmp_path / src.group(1)).read_bytes()[:3] in (b"ID3", b"\xff\xf3", b"\xff\xfb", b"\xff\xf2")
    assert decoded_seconds((tmp_path / src.group(1)).read_bytes()) > 0.5
    assert f'download="a-second-reply.mp3" href="{src.group(1)}"' in linked  # named after the prompt
    assert nb.cells[5].outputs[0]["text"].strip() == "AudioReply True"
    json.loads(text)


@pytest.mark.slow
def test_saved_notebook_against_the_emulator(emulator: Any, tmp_path: Path) -> None:
    nb, text = _run(tmp_path, {"OPENROUTER_BASE_URL": emulator.base_url, "OPENROUTER_API_KEY": FAKE_KEY})
    _check_saved_file(nb, text, tmp_path)
    assert "offline emulator" not in text
    assert "widgets" not in nb.metadata  # headless run: no live widget, so no widget state saved


@pytest.mark.slow
def test_saved_notebook_offline_says_so_and_holds_no_key(tmp_path: Path) -> None:
    """Also with the live widget forced on: its state holds no audio and it leaves no output behind."""
    first = "%load_ext or_audio_widgets\n%config OrAudioMagics.live_player = 'on'"
    nb, text = _run(tmp_path, {"OR_AUDIO_OFFLINE": "1", "OPENROUTER_API_KEY": FAKE_KEY}, first)
    _check_saved_file(nb, text, tmp_path)
    assert "LivePlayer" in json.dumps(nb.metadata.get("widgets", {}))  # the widget did stream
    for index in (2, 3, 4):
        assert all("offline emulator" in page for page in _html_outputs(nb.cells[index]))
