"""prepare_audio: every kind of source, and every bad input giving its own clear error."""

from __future__ import annotations

import base64
import io
import wave
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from _audio_samples import make_audio
from IPython.display import Audio

from or_audio_widgets import PreparedAudio, prepare_audio
from or_audio_widgets.core._probe import wav_header
from or_audio_widgets.core._transcode import import_pydub
from or_audio_widgets.errors import AudioFormatError, AudioInputError

AudioSegment = import_pydub().AudioSegment  # quietly: pydub imports the deprecated audioop


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("sources")


def wav_params(prepared: PreparedAudio) -> tuple[int, int, int, int]:
    data = base64.b64decode(prepared.part["input_audio"]["data"])
    with wave.open(io.BytesIO(data)) as reader:
        return reader.getframerate(), reader.getnchannels(), reader.getsampwidth(), reader.getnframes()


def tone(seconds: float, rate: int) -> Any:
    t = np.arange(int(seconds * rate)) / rate
    return 0.5 * np.sin(2 * np.pi * 440 * t)


def test_path_as_str_and_as_path(folder: Path) -> None:
    path = make_audio(folder, "mp3")
    assert prepare_audio(str(path)).duration == prepare_audio(path).duration == pytest.approx(1.0, abs=0.001)


def test_tilde_and_file_url(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = make_audio(folder, "flac")
    monkeypatch.setenv("HOME", str(path.parent))
    assert prepare_audio(f"~/{path.name}").format == "flac"
    assert prepare_audio(path.as_uri()).format == "flac"


@pytest.mark.parametrize("wrap", [bytes, bytearray, memoryview])
def test_bytes_like(folder: Path, wrap: Any) -> None:
    prepared = prepare_audio(wrap(make_audio(folder, "ogg").read_bytes()))
    assert (prepared.format, prepared.source_name) == ("ogg", "audio bytes")


def test_numpy_float_mono(folder: Path) -> None:
    prepared = prepare_audio(tone(1.25, 16000), sample_rate=16000)
    assert (prepared.format, prepared.duration, prepared.sample_rate) == ("wav", 1.25, 16000)
    assert wav_params(prepared) == (16000, 1, 2, 20000)


def test_numpy_int16_stereo_and_channels_first() -> None:
    stereo = (np.stack([tone(0.5, 8000), -tone(0.5, 8000)], axis=1) * 32767).astype(np.int16)
    assert wav_params(prepare_audio(stereo, sample_rate=8000)) == (8000, 2, 2, 4000)
    # librosa's (channels, n) layout is recognised and turned around
    assert wav_params(prepare_audio(stereo.T.copy(), sample_rate=8000)) == (8000, 2, 2, 4000)


def test_numpy_as_an_array_rate_tuple_then_resampled() -> None:
    prepared = prepare_audio((tone(1.0, 44100).astype(np.float32), 44100), sample_rate=16000)
    # the tuple gave the rate, so sample_rate= asks for a resample
    assert (prepared.sample_rate, prepared.converted_from) == (16000, "wav")
    assert prepared.duration == pytest.approx(1.0, abs=0.001)


def test_numpy_array_clips_and_keeps_sign() -> None:
    prepared = prepare_audio(np.array([-2.0, -1.0, 0.0, 1.0, 2.0]), sample_rate=8000)
    data = base64.b64decode(prepared.part["input_audio"]["data"])[44:]
    assert np.frombuffer(data, "<i2").tolist() == [-32767, -32767, 0, 32767, 32767]


@pytest.mark.parametrize(
    ("array", "rate", "message"),
    [
        (np.zeros(100), None, r"needs its rate: prepare_audio\(array, sample_rate=16000\)"),
        (np.zeros(0), 16000, "is not audio"),
        (np.zeros((2, 2, 2)), 16000, "is not audio"),
        (np.array([0.1, np.nan]), 16000, "NaN or infinite"),
    ],
)
def test_bad_arrays(array: Any, rate: int | None, message: str) -> None:
    with pytest.raises(AudioInputError, match=message):
        prepare_audio(array, sample_rate=rate)


def test_unsupported_dtype() -> None:
    with pytest.raises(AudioFormatError, match="complex128 are not supported"):
        prepare_audio(np.zeros(10, dtype=complex), sample_rate=8000)


def test_pydub_segment(folder: Path) -> None:
    segment = AudioSegment.from_wav(make_audio(folder, "wav", seconds=0.75, rate=22050, channels=2))
    prepared = prepare_audio(segment)
    assert (prepared.format, prepared.sample_rate, prepared.channels) == ("wav", 22050, 2)
    assert prepared.duration == pytest.approx(0.75, abs=1e-4)
    assert prepared.source_name == "AudioSegment (22050 Hz)"


def test_ipython_audio_from_an_array_from_a_file_and_from_a_url(folder: Path) -> None:
    from_array = prepare_audio(Audio(tone(0.5, 16000), rate=16000))
    assert (from_array.format, from_array.duration, from_array.sample_rate) == ("wav", 0.5, 16000)
    path = make_audio(folder, "mp3")
    assert prepare_audio(Audio(filename=str(path))).format == "mp3"
    seen: list[tuple[str, int]] = []

    def fetch(url: str, *, max_bytes: int) -> bytes:
        seen.append((url, max_bytes))
        return path.read_bytes()

    prepared = prepare_audio(Audio(url="https://example.org/a.mp3?token=secret"), fetch=fetch)
    assert seen == [("https://example.org/a.mp3?token=secret", 8 * 20_000_000)]
    assert prepared.source_name == "https://example.org/a.mp3"  # no token in messages


def test_data_url(folder: Path) -> None:
    payload = base64.b64encode(make_audio(folder, "wav").read_bytes()).decode()
    prepared = prepare_audio(f"data:audio/wav;base64,{payload}")
    assert (prepared.format, prepared.source_name) == ("wav", "data: URL")


# --- bad inputs: each its own message, naming the source and what to do ----------------------------


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(AudioInputError, match=r"audio file not found: .*nothing\.wav.*Check the path"):
        prepare_audio(tmp_path / "nothing.wav")


def test_directory(tmp_path: Path) -> None:
    with pytest.raises(AudioInputError, match="is not a file"):
        prepare_audio(tmp_path)


def test_empty_file_and_empty_bytes(tmp_path: Path) -> None:
    empty = tmp_path / "empty.wav"
    empty.write_bytes(b"")
    with pytest.raises(AudioInputError, match=r"empty\.wav is empty \(0 bytes\)"):
        prepare_audio(empty)
    with pytest.raises(AudioInputError, match="audio bytes is empty"):
        prepare_audio(b"")


def test_truncated_wav(folder: Path, tmp_path: Path) -> None:
    whole = make_audio(folder, "wav", seconds=2.0).read_bytes()
    cut = tmp_path / "cut.wav"
    cut.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(AudioInputError, match=r"cut\.wav is truncated: its header promises 2\.000 s .*0\.99"):
        prepare_audio(cut)


def test_wav_header_without_data(tmp_path: Path) -> None:
    stub = tmp_path / "stub.wav"
    stub.write_bytes(wav_header(0, 16000, 1)[:36])
    with pytest.raises(AudioInputError, match=r"stub\.wav is a WAV file with no audio data chunk"):
        prepare_audio(stub)


def test_garbage_with_an_mp3_suffix(tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.mp3"
    garbage.write_bytes(bytes((i * 37 + 11) % 251 for i in range(20_000)))
    with pytest.raises(AudioInputError, match=r"garbage\.mp3"):
        prepare_audio(garbage)


def test_zero_length_audio(tmp_path: Path) -> None:
    silent = tmp_path / "nothing-inside.wav"
    silent.write_bytes(wav_header(0, 16000, 1))
    with pytest.raises(AudioInputError, match=r"nothing-inside\.wav contains no audio \(0 s\)"):
        prepare_audio(silent)


def test_over_the_size_limit_names_the_file_and_the_remedies(folder: Path) -> None:
    path = make_audio(folder, "wav", seconds=3.0, rate=44100, channels=2)
    with pytest.raises(AudioInputError) as caught:
        prepare_audio(path, max_bytes=100_000)
    message = str(caught.value)
    # 3 s of 44.1 kHz stereo 16-bit WAV: 529,200 bytes of samples plus the header
    assert path.name in message and "is 529 kB as wav" in message and "max_bytes=100 kB" in message
    assert "target='mp3', mono=True" in message and "trim" in message


def test_a_compressed_file_over_the_limit_is_refused_before_decoding(folder: Path) -> None:
    path = make_audio(folder, "flac", seconds=2.0)
    with pytest.raises(AudioInputError, match=r"kB as flac, over the limit of max_bytes=1 kB.*target='mp3'"):
        prepare_audio(path, max_bytes=1000)


def test_over_the_duration_limit(folder: Path) -> None:
    with pytest.raises(AudioInputError, match=r"lasts 3\.0 s, over the limit of max_seconds=2\. Trim it"):
        prepare_audio(make_audio(folder, "flac", seconds=3.0), max_seconds=2)


def test_text_mode_file(folder: Path) -> None:
    with open(make_audio(folder, "wav"), encoding="latin-1") as handle, pytest.raises(
        AudioInputError, match="open it with open"
    ):
        prepare_audio(handle)


def test_unsupported_source_type() -> None:
    with pytest.raises(AudioInputError, match="cannot use a dict as audio"):
        prepare_audio({"not": "audio"})
