"""Audio in without ffmpeg on PATH: the binary from the imageio-ffmpeg wheel does the work, with no ffprobe.

Hidden two ways: ``shutil.which`` answering None in this process, and a child interpreter whose PATH holds
no ffmpeg at all.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import imageio_ffmpeg
import pytest
from _audio_samples import make_audio, make_recorder_webm

from or_audio_widgets import OpenRouterAudio, prepare_audio
from or_audio_widgets.core import _ffmpeg
from or_audio_widgets.core._defaults import DEFAULT_LISTEN_MODEL
from or_audio_widgets.jupyter import _saved

# A chat model that listens: its emulated reply describes each audio part it decoded.
LISTEN = DEFAULT_LISTEN_MODEL


@pytest.fixture
def wheel_ffmpeg_only(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """ffmpeg and ffprobe gone from PATH (and no OR_AUDIO_FFMPEG): only the wheel's ffmpeg is left."""
    monkeypatch.delenv("OR_AUDIO_FFMPEG", raising=False)
    monkeypatch.setattr(_ffmpeg.shutil, "which", lambda name, *args, **kwargs: None)
    _ffmpeg.find_ffmpeg.cache_clear()
    _ffmpeg.find_ffprobe.cache_clear()
    yield imageio_ffmpeg.get_ffmpeg_exe()
    _ffmpeg.find_ffmpeg.cache_clear()  # the next test finds the system's again
    _ffmpeg.find_ffprobe.cache_clear()


def test_the_wheels_ffmpeg_is_found_and_there_is_no_ffprobe(wheel_ffmpeg_only: str) -> None:
    assert _ffmpeg.find_ffmpeg() == wheel_ffmpeg_only and "imageio_ffmpeg" in wheel_ffmpeg_only
    assert _ffmpeg.find_ffprobe() is None


@pytest.mark.parametrize(("kind", "tolerance"), [("mp3", 0.001), ("flac", 0.001), ("ogg", 0.001),
                                                 ("m4a", 0.13), ("wma", 0.03)])
def test_decoding_and_converting_with_the_wheels_ffmpeg(wheel_ffmpeg_only: str, tmp_path: Path, kind: str,
                                                        tolerance: float) -> None:
    path = make_audio(tmp_path, kind, seconds=1.5, rate=22050)  # made by the test with Debian's ffmpeg
    prepared = prepare_audio(path)
    assert prepared.duration == pytest.approx(1.5, abs=tolerance) and prepared.sample_rate == 22050
    small = prepare_audio(path, target="mp3", mono=True, sample_rate=16000)
    assert (small.format, small.sample_rate, small.channels) == ("mp3", 16000, 1)
    assert small.duration == pytest.approx(1.5, abs=0.13)


def test_a_browser_recording_reaches_the_emulator_through_the_wheels_ffmpeg(wheel_ffmpeg_only: str,
                                                                           client: OpenRouterAudio) -> None:
    text = client.transcribe(make_recorder_webm(2.0), model=LISTEN).text
    assert "audio 1: format=wav duration=2.000s rate=48000 channels=1" in text


def test_the_saved_record_is_compressed_with_the_wheels_ffmpeg(wheel_ffmpeg_only: str) -> None:
    from or_audio_widgets import AudioReply, ReplyAudio

    reply = AudioReply(ReplyAudio.from_pcm(bytes(range(256)) * 3000))  # 16 s of 24 kHz noise-like pcm16
    mp3 = _saved.compress(reply)
    assert mp3 is not None and mp3[:3] in (b"ID3", b"\xff\xf3", b"\xff\xfb")


_CHILD = """
import json, shutil, sys
from or_audio_widgets.core._ffmpeg import find_ffmpeg, find_ffprobe
from or_audio_widgets import prepare_audio
prepared = prepare_audio(open(sys.argv[1], "rb").read())
print(json.dumps({"which": [shutil.which("ffmpeg"), shutil.which("ffprobe")], "found": find_ffmpeg(),
                  "probe": find_ffprobe(), "format": prepared.format, "from": prepared.converted_from,
                  "duration": prepared.duration, "rate": prepared.sample_rate}))
"""


def test_a_process_whose_path_has_no_ffmpeg_converts_webm(tmp_path: Path) -> None:
    recording = tmp_path / "take.webm"
    recording.write_bytes(make_recorder_webm(1.5))
    env = {k: v for k, v in os.environ.items() if k != "OR_AUDIO_FFMPEG"}
    env["PATH"] = str(tmp_path)  # no ffmpeg, no ffprobe
    out = subprocess.run([sys.executable, "-c", _CHILD, str(recording)], env=env, capture_output=True,
                         text=True, check=True).stdout
    seen = json.loads(out)
    assert seen["which"] == [None, None] and seen["probe"] is None
    assert seen["found"] == imageio_ffmpeg.get_ffmpeg_exe()
    assert (seen["format"], seen["from"], seen["rate"]) == ("wav", "webm", 48000)
    assert seen["duration"] == pytest.approx(1.5, abs=0.001)
