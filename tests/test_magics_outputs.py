"""%%oraudio: what each output format and embed policy leaves in the cell, help, configuration, loading."""

from __future__ import annotations

import html
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from _audio_samples import make_audio
from _magics_support import FAKE_KEY, Recorded, audio_uris, decoded_seconds, last_body, user_text
from IPython.core.error import UsageError

from or_audio_widgets.core._html import format_cost

MIMES = {"wav": "audio/wav", "mp3": "audio/mpeg", "flac": "audio/flac", "opus": "audio/ogg",
         "pcm16": "audio/wav"}


@pytest.mark.parametrize("fmt", sorted(MIMES))
def test_every_output_format_leaves_one_player_that_decodes(ip: Any, rec: Recorded, online: Any,
                                                           fmt: str) -> None:
    ip.run_cell_magic("oraudio", f"--format {fmt} --embed inline --out hi", "Hi")
    reply = ip.user_ns["_oraudio"]
    saved = rec.final_html()
    (mime, data), = audio_uris(saved)
    assert mime.split(";")[0] == MIMES[fmt]
    assert decoded_seconds(data) == pytest.approx(reply.duration, abs=0.08)  # mp3/opus pad a frame
    suffix = {"opus": "ogg", "pcm16": "wav"}.get(fmt, fmt)
    assert 'alt="waveform"' in saved and f'download="hi.{suffix}"' in saved  # in the format shown


@pytest.mark.parametrize("seconds", [1.0, 5.0])
def test_embed_auto_keeps_a_second_or_more_as_mp3_a_sixth_of_the_wav(ip: Any, rec: Recorded, online: Any,
                                                                    seconds: float) -> None:
    ip.run_line_magic("config", f"OrAudioMagics.headers = {{'X-Emulator-Seconds': '{seconds}'}}")
    ip.run_cell_magic("oraudio", "", "Hi")
    reply = ip.user_ns["_oraudio"]
    (mime, data), = audio_uris(rec.final_html())
    assert mime == "audio/mpeg" and len(data) <= len(reply.audio) / 6
    assert decoded_seconds(data) == pytest.approx(seconds, abs=0.08)
    assert 'download="hi.mp3"' in rec.final_html()  # the prompt's words, the format shown


def test_usage_cost_and_duration_are_in_the_record(ip: Any, rec: Recorded, online: Any) -> None:
    ip.run_cell_magic("oraudio", "", "Hi")
    reply = ip.user_ns["_oraudio"]
    assert reply.usage and reply.cost is not None
    saved = rec.final_html()
    assert f"cost: {format_cost(reply.cost)}" in saved and f"{reply.usage['total_tokens']} total" in saved
    assert f"0:{reply.duration:04.1f}" in saved


def test_embed_inline_keeps_the_full_wav_even_over_the_limit(ip: Any, rec: Recorded, online: Any) -> None:
    ip.run_line_magic("oraudio_config", "--embed-limit 0.01")
    ip.run_cell_magic("oraudio", "--embed inline", "Hi")
    (mime, data), = audio_uris(rec.final_html())
    assert mime == "audio/wav" and data == ip.user_ns["_oraudio"].audio
    assert len(data) > 10_000


def test_embed_file_links_a_file_next_to_the_notebook(ip: Any, rec: Recorded, online: Any,
                                                      tmp_path: Path) -> None:
    ip.run_cell_magic("oraudio", "--embed file", "Hi")
    saved = rec.final_html()
    assert not audio_uris(saved)
    reply = ip.user_ns["_oraudio"]
    linked = tmp_path / "oraudio-files" / f"{reply.id}.wav"
    assert f'src="oraudio-files/{reply.id}.wav"' in saved and linked.read_bytes() == reply.audio


def test_sources_are_converted_for_the_model(ip: Any, rec: Recorded, online: Any, tmp_path: Path) -> None:
    flac = make_audio(tmp_path, "flac", seconds=0.6, rate=16000)
    ip.run_line_magic("oraudio", f"--text -m openai/gpt-4o-audio-preview -i {flac} What is this?")
    assert "audio 1: format=wav duration=0.600s rate=16000" in ip.user_ns["_oraudio"].text
    ip.run_line_magic("oraudio", f"--text -i {flac} What is this?")  # Gemini reads FLAC as it is
    assert "audio 1: format=flac duration=0.600s" in ip.user_ns["_oraudio"].text


def test_a_key_shaped_value_anywhere_in_the_options_is_refused(ip: Any, rec: Recorded, online: Any) -> None:
    for line in (f"--bogus {FAKE_KEY}", f"-k {FAKE_KEY} hello", f"--token={FAKE_KEY}"):
        with pytest.raises(UsageError, match="saved in the notebook") as info:
            ip.run_line_magic("oraudio", line)
        assert FAKE_KEY not in str(info.value)
    assert not online.requests


def test_help_from_the_question_mark(ip: Any, capsys: pytest.CaptureFixture[str]) -> None:
    ip.run_cell("%%oraudio?")
    shown = capsys.readouterr().out
    assert "%oraudio [-m MODEL] [--voice VOICE] [--format {wav,mp3,flac,opus,pcm16}]" in shown
    for option in ("--model", "--voice", "--format", "--input", "--system", "--temperature", "--max-tokens",
                   "--text", "--out", "--save", "--embed", "--autoplay", "--timeout"):
        assert option in shown
    assert "sampling temperature" in shown and "%oraudio_login" in shown


_FRESH_SHELL = """
import json, sys
from traitlets.config import Config
from IPython.core.interactiveshell import InteractiveShell
config = Config()
config.OrAudioMagics.voice = "nova"          # as ipython_config.py would set them
config.OrAudioMagics.embed = "none"
shell = InteractiveShell.instance(config=config)
shell.run_line_magic("load_ext", "or_audio_widgets")
magics = shell.magics_manager.registry["OrAudioMagics"]
heavy = ("requests", "urllib3", "pydub", "numpy", "ipywidgets", "anywidget", "tqdm",
         "or_audio_widgets.client._client", "or_audio_widgets.emulator", "or_audio_widgets.core._inputs")
print(json.dumps({"voice": magics.voice, "embed": magics.embed,
                  "magics": sorted(shell.magics_manager.magics["line"]),
                  "heavy": [name for name in heavy if name in sys.modules]}))
"""


def test_ipython_config_sets_defaults_and_loading_imports_nothing_heavy() -> None:
    out = subprocess.run([sys.executable, "-c", _FRESH_SHELL], capture_output=True, text=True,
                         check=True).stdout
    seen = json.loads(out.strip().splitlines()[-1])
    assert (seen["voice"], seen["embed"]) == ("nova", "none")
    assert {"oraudio", "oraudio_config", "oraudio_login", "oraudio_models"} <= set(seen["magics"])
    assert seen["heavy"] == []


def test_an_offline_error_says_it_came_from_the_emulator(ip: Any, rec: Recorded,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OR_AUDIO_OFFLINE", "1")
    result = ip.run_cell("%%oraudio --text -i nowhere.wav\nhi")
    lines = result.error_in_exec._render_traceback_()
    assert "nowhere.wav" in lines[0] and lines[-1] == "(offline emulator)"


def test_the_transcript_shown_live_is_escaped_in_the_record(ip: Any, rec: Recorded, online: Any) -> None:
    ip.user_ns["payload"] = "<script>alert('x')</script>"
    ip.run_cell_magic("oraudio", "--text", "Echo {payload}")
    saved = rec.final_html()
    assert "<script>" not in saved and html.escape("<script>alert('x')</script>") in saved
    assert user_text(last_body(online)) == "Echo <script>alert('x')</script>"


@pytest.mark.parametrize("fmt", ["pcm16", "opus"])
def test_an_earlier_reply_in_any_format_goes_back_in(ip: Any, rec: Recorded, online: Any, fmt: str) -> None:
    ip.run_cell_magic("oraudio", f"--format {fmt} --out answer", "Say something")
    seconds = ip.user_ns["answer"].duration
    ip.run_line_magic("oraudio", "--text -i answer What is this?")
    heard = re.search(r"audio 1: format=(\w+) duration=([\d.]+)s", ip.user_ns["_oraudio"].text)
    assert heard and float(heard[2]) == pytest.approx(seconds, abs=0.03)


def test_oraudio_holds_the_last_reply_whatever_happened(ip: Any, rec: Recorded, online: Any) -> None:
    ip.run_cell_magic("oraudio", "--text", "first")
    first = ip.user_ns["_oraudio"]
    ip.run_cell("%%oraudio --text -i nowhere.wav\nsecond")  # refused before any request: no new reply
    assert ip.user_ns["_oraudio"] is first
    magics = ip.magics_manager.registry["OrAudioMagics"]
    magics.headers = {"X-Emulator-Fault": "midstream-error"}
    ip.run_cell_magic("oraudio", "", "third, broken half way")  # a broken stream is a (partial) reply
    assert ip.user_ns["_oraudio"] is not first and not ip.user_ns["_oraudio"].complete
