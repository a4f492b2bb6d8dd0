"""Audio input: the emulator decodes every ``input_audio`` part and reports what it heard."""

from __future__ import annotations

import base64
import math
import re
import struct
from pathlib import Path

import pytest
from _audio_samples import make_audio
from test_emulator import chat, content_of, sse_events

from or_audio_widgets import EmulatorHandle
from or_audio_widgets.core._wav import pcm_to_wav
from or_audio_widgets.emulator import _inputs
from or_audio_widgets.errors import FFmpegNotFoundError

LISTENER = "google/gemini-2.5-flash"
LINE = re.compile(
    r"audio (\d+): format=(\w+) duration=(\d+\.\d{3})s rate=(\d+) channels=(\d+) loudness=(-?[\d.]+|-inf)dBFS"
)
# ffmpeg's sine source has amplitude 1/8: its RMS is 1/(8*sqrt(2)) of full scale
SINE_DBFS = 20 * math.log10(1 / (8 * math.sqrt(2)))


def listen(
    handle: EmulatorHandle, parts: list[tuple[bytes | str, str]], model: str = LISTENER, **headers: str
):
    content: list[dict] = [{"type": "text", "text": "What is in this audio?"}]
    for data, fmt in parts:
        encoded = data if isinstance(data, str) else base64.b64encode(data).decode()
        content.append({"type": "input_audio", "input_audio": {"data": encoded, "format": fmt}})
    body = {"model": model, "stream": True, "messages": [{"role": "user", "content": content}]}
    return chat(handle, body, **headers)


def heard(handle: EmulatorHandle, data: bytes, fmt: str) -> tuple[str, float, int, int, float]:
    reply = listen(handle, [(data, fmt)])
    assert reply.status == 200, reply.body
    text = content_of(sse_events(reply.body))
    header, line = text.split("\n")
    assert header == "Offline emulator received 1 audio part."
    match = LINE.fullmatch(line)
    assert match, line
    return match[2], float(match[3]), int(match[4]), int(match[5]), float(match[6])


@pytest.mark.parametrize(
    ("ext", "rate", "channels", "tolerance"),
    [
        ("wav", 16000, 1, 0.0),
        ("flac", 48000, 2, 0.0),
        ("aiff", 8000, 1, 0.0),
        ("ogg", 22050, 1, 0.0),
        ("mp3", 44100, 2, 0.03),
        ("m4a", 24000, 1, 0.03),
        ("aac", 32000, 2, 0.1),
    ],
)
def test_formats_report_true_rate_channels_and_duration(
    emulator: EmulatorHandle,
    tmp_path: Path,
    ext: str,
    rate: int,
    channels: int,
    tolerance: float,
) -> None:
    data = make_audio(tmp_path, ext, seconds=3.2, rate=rate, channels=channels).read_bytes()
    fmt, duration, got_rate, got_channels, loudness = heard(emulator, data, ext)
    assert (fmt, got_rate, got_channels) == (ext, rate, channels)
    assert abs(duration - 3.2) <= tolerance + 1e-9
    # ffmpeg's upmix spreads the power over the channels; lossy codecs add a little priming silence
    assert abs(loudness - (SINE_DBFS - 10 * math.log10(channels))) < 0.6


def test_wav_line_is_exact(emulator: EmulatorHandle, tmp_path: Path) -> None:
    data = make_audio(tmp_path, "wav", seconds=3.2).read_bytes()
    reply = listen(emulator, [(data, "wav")])
    assert content_of(sse_events(reply.body)) == (
        "Offline emulator received 1 audio part.\n"
        f"audio 1: format=wav duration=3.200s rate=16000 channels=1 loudness={SINE_DBFS:.1f}dBFS"
    )


def test_raw_pcm16_and_pcm24_are_24khz_mono(emulator: EmulatorHandle) -> None:
    half = (16384).to_bytes(2, "little", signed=True)  # a constant half-scale level: -6.0 dBFS
    assert heard(emulator, half * 36000, "pcm16") == ("pcm16", 1.5, 24000, 1, -6.0)
    half24 = (1 << 22).to_bytes(3, "little", signed=True)
    assert heard(emulator, half24 * 12000, "pcm24") == ("pcm24", 0.5, 24000, 1, -6.0)
    assert heard(emulator, bytes(4800), "pcm16")[4] == -math.inf


def test_several_parts_in_order(emulator: EmulatorHandle, tmp_path: Path) -> None:
    wav = make_audio(tmp_path, "wav").read_bytes()
    reply = listen(emulator, [(wav, "wav"), (bytes(48000), "pcm16")])
    lines = content_of(sse_events(reply.body)).split("\n")
    assert lines[0] == "Offline emulator received 2 audio parts."
    assert [LINE.fullmatch(line)[1] for line in lines[1:]] == ["1", "2"]  # type: ignore[index]
    assert "format=pcm16 duration=1.000s" in lines[2]


def test_audio_in_with_audio_out_speaks(emulator: EmulatorHandle, tmp_path: Path) -> None:
    wav = make_audio(tmp_path, "wav", seconds=0.5).read_bytes()
    body = {
        "model": "openai/gpt-audio",
        "modalities": ["text", "audio"],
        "audio": {"voice": "nova", "format": "pcm16"},
        "stream": True,
        "messages": [
            {
                "role": "user",
                "content": [
                    {
                        "type": "input_audio",
                        "input_audio": {"data": base64.b64encode(wav).decode(), "format": "wav"},
                    }
                ],
            }
        ],
    }
    reply = chat(emulator, body)
    assert reply.status == 200 and b'"transcript":"Offline"' in reply.body


def _bad(emulator: EmulatorHandle, data: bytes | str, fmt: str) -> str:
    reply = listen(emulator, [(data, fmt)])
    assert reply.status == 400, reply.body
    error = reply.json()["error"]
    assert error["code"] == 400 and error["metadata"]["part"] == "messages[0].content[1]"
    return error["message"]


def test_invalid_base64_is_a_400_naming_the_part(emulator: EmulatorHandle) -> None:
    message = _bad(emulator, "this is not base64!!", "wav")
    assert message.startswith("Invalid audio data in messages[0].content[1]") and "base64" in message


def test_undecodable_audio_is_a_400(emulator: EmulatorHandle) -> None:
    message = _bad(emulator, b"\x00\x01garbage" * 100, "mp3")
    assert (
        message.startswith("Invalid audio data in messages[0].content[1]")
        and "could not be decoded" in message
    )


def test_bad_formats_and_sizes(emulator: EmulatorHandle) -> None:
    assert "Invalid audio format 'midi'" in _bad(emulator, b"abc", "midi")
    assert "whole number" in _bad(emulator, b"abc", "pcm16")
    assert "URL" in _bad(emulator, "https://example.com/a.wav", "wav")
    assert "non-empty" in _bad(emulator, "", "wav")


def test_audio_to_a_model_that_cannot_hear_is_refused(emulator: EmulatorHandle) -> None:
    reply = listen(emulator, [(bytes(4800), "pcm16")], model="openai/gpt-4o")
    assert reply.status == 404 and "input audio" in reply.json()["error"]["message"]


@pytest.mark.parametrize("ffmpeg", [True, False])
def test_integer_wav_of_any_width_is_read_with_or_without_ffmpeg(
    monkeypatch: pytest.MonkeyPatch, ffmpeg: bool
) -> None:
    def no_ffmpeg(*args: object, **kwargs: object) -> bytes:
        raise FFmpegNotFoundError("ffmpeg", "decoding")

    if not ffmpeg:
        monkeypatch.setattr(_inputs, "run_ffmpeg", no_ffmpeg)
    samples = b"".join(b"\x00" + struct.pack("<h", 8000 if n % 8 < 4 else -8000) for n in range(8000))
    wav = pcm_to_wav(samples, 8000, 2, 3)  # 24-bit stereo, 0.5 s
    part = _inputs.AudioPart("messages[0].content[1]", base64.b64encode(wav).decode(), "wav")
    found = _inputs.describe(part)
    assert (found.sample_rate, found.channels, found.duration) == (8000, 2, 0.5)
    assert found.loudness == pytest.approx(20 * math.log10(8000 / 32768), abs=0.1)
    part = _inputs.AudioPart("messages[0].content[1]", base64.b64encode(wav[:30]).decode(), "wav")
    with pytest.raises(_inputs.InputAudioError, match="could not be decoded"):
        _inputs.describe(part)
