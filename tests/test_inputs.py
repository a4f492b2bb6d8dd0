"""prepare_audio: formats, conversions and streaming base64, checked on files made here by ffmpeg."""

from __future__ import annotations

import base64
import io
import struct
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
from _audio_samples import make_audio, make_video

from or_audio_widgets import PreparedAudio
from or_audio_widgets.client._parts import prepare_for_model
from or_audio_widgets.core._formats import format_refusal_hint, formats_for_model
from or_audio_widgets.core._inputs import ACCEPTED_FORMATS, DEFAULT_MAX_BYTES, prepare_audio
from or_audio_widgets.core._probe import wav_header
from or_audio_widgets.errors import AudioFormatError, AudioInputError


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("inputs")


def decoded(prepared: PreparedAudio) -> bytes:
    return base64.b64decode(prepared.part["input_audio"]["data"], validate=True)


# kind -> format the API is told; duration tolerance (AAC adds a priming frame of 1024 samples)
SENT_AS_IS = {"wav": 0.001, "wav24": 0.001, "wav-float": 0.001, "mp3": 0.001, "flac": 0.001, "ogg": 0.001,
              "ogg-opus": 0.001, "aiff": 0.001, "aac": 0.13, "m4a": 0.13}


@pytest.mark.parametrize("kind", sorted(SENT_AS_IS))
def test_accepted_formats_are_sent_byte_for_byte(folder: Path, kind: str) -> None:
    path = make_audio(folder, kind, seconds=1.5, rate=22050, channels=2)
    prepared = prepare_audio(path)
    expected = {"wav24": "wav", "wav-float": "wav", "ogg-opus": "ogg"}.get(kind, kind)
    assert prepared.format == expected
    assert prepared.part["type"] == "input_audio"
    assert prepared.part["input_audio"]["format"] == expected
    assert decoded(prepared) == path.read_bytes()
    assert prepared.converted_from is None
    assert prepared.duration == pytest.approx(1.5, abs=SENT_AS_IS[kind])
    assert prepared.sample_rate == (48000 if kind == "ogg-opus" else 22050)
    assert prepared.channels == 2
    assert prepared.size == path.stat().st_size
    assert prepared.source_name == str(path)


@pytest.mark.parametrize("kind", ["webm", "mkv", "wma", "caf", "au", "wav-mulaw"])
def test_formats_the_api_does_not_take_become_wav(folder: Path, kind: str) -> None:
    path = make_audio(folder, kind, seconds=1.0, rate=16000)
    prepared = prepare_audio(path)
    assert prepared.format == "wav"
    assert prepared.converted_from == ("wav" if kind == "wav-mulaw" else kind)
    data = decoded(prepared)
    assert data[:4] == b"RIFF" and data[8:12] == b"WAVE"
    assert prepared.duration == pytest.approx(1.0, abs=0.03)
    assert prepared.size == len(data)


def test_webm_opus_recording_is_converted_without_naming_a_format(folder: Path) -> None:
    recording = make_audio(folder, "webm", seconds=2.0, rate=48000).read_bytes()
    prepared = prepare_audio(recording)  # bytes, as a browser's MediaRecorder hands them over
    assert (prepared.format, prepared.converted_from) == ("wav", "webm")
    assert prepared.duration == pytest.approx(2.0, abs=0.03)


def test_conversion_picks_mp3_when_wav_would_be_over_the_limit(folder: Path) -> None:
    path = make_audio(folder, "webm", seconds=3.0, rate=48000)
    prepared = prepare_audio(path, max_bytes=200_000)  # 3 s of 48 kHz WAV is 288 kB
    assert prepared.format == "mp3"
    assert decoded(prepared)[:3] in (b"ID3", b"\xff\xfb"[:3])
    assert prepared.size <= 200_000


def test_mp4_video_keeps_only_its_sound(folder: Path) -> None:
    prepared = prepare_audio(make_video(folder))
    assert (prepared.format, prepared.converted_from, prepared.sample_rate) == ("wav", "mp4", 22050)


@pytest.mark.parametrize("target", sorted(ACCEPTED_FORMATS))
def test_every_target_can_be_produced(folder: Path, target: str) -> None:
    prepared = prepare_audio(make_audio(folder, "wav", seconds=1.0, rate=16000), target=target)
    assert prepared.format == target
    assert prepared.part["input_audio"]["format"] == target
    assert prepared.duration == pytest.approx(1.0, abs=0.13)
    if target in ("pcm16", "pcm24"):  # headerless audio is read as 24 kHz mono by the API
        assert (prepared.sample_rate, prepared.channels) == (24000, 1)
        assert prepared.size == 24000 * (2 if target == "pcm16" else 3)


def test_mono_and_sample_rate_convert_on_request(folder: Path) -> None:
    path = make_audio(folder, "flac", seconds=1.0, rate=44100, channels=2)
    prepared = prepare_audio(path, mono=True, sample_rate=16000)
    assert (prepared.format, prepared.sample_rate, prepared.channels) == ("flac", 16000, 1)
    assert prepared.converted_from == "flac"
    assert prepared.duration == pytest.approx(1.0, abs=0.001)


def test_no_conversion_when_the_request_is_already_met(folder: Path) -> None:
    path = make_audio(folder, "wav", seconds=1.0, rate=16000)
    prepared = prepare_audio(path, target="wav", mono=True, sample_rate=16000)
    assert prepared.converted_from is None and decoded(prepared) == path.read_bytes()


def test_unknown_target_is_refused(folder: Path) -> None:
    with pytest.raises(AudioFormatError, match="target='opus' is not a format the API accepts"):
        prepare_audio(make_audio(folder, "wav"), target="opus")


def test_wav_content_with_an_mp3_suffix_warns_and_is_sent_as_wav(folder: Path, tmp_path: Path) -> None:
    wrong = tmp_path / "speech.mp3"
    wrong.write_bytes(make_audio(folder, "wav").read_bytes())
    with pytest.warns(UserWarning, match=r"speech\.mp3.*says mp3 but the content is wav"):
        prepared = prepare_audio(wrong)
    assert prepared.format == "wav"


def test_declared_format_that_disagrees_with_the_content_warns(folder: Path) -> None:
    with pytest.warns(UserWarning, match="format='mp3' was given but the content is flac"):
        assert prepare_audio(make_audio(folder, "flac").read_bytes(), format="mp3").format == "flac"


def test_raw_pcm16_at_24k_is_sent_raw_and_other_rates_as_wav() -> None:
    pcm = struct.pack("<4800h", *range(4800))  # 0.2 s at 24 kHz
    raw = prepare_audio(pcm, format="pcm16", sample_rate=24000)
    assert (raw.format, raw.duration, raw.sample_rate, decoded(raw)) == ("pcm16", 0.2, 24000, pcm)
    wav = prepare_audio(pcm, format="pcm16", sample_rate=16000)
    assert (wav.format, wav.sample_rate, wav.converted_from) == ("wav", 16000, "pcm16")
    assert wav.duration == pytest.approx(0.3)


def test_raw_pcm24() -> None:
    prepared = prepare_audio(b"\x01\x02\x03" * 2400, format="pcm24", sample_rate=24000)
    assert (prepared.format, prepared.duration) == ("pcm24", 0.1)


def test_raw_pcm_needs_its_rate_and_whole_samples() -> None:
    with pytest.raises(AudioInputError, match="pcm16 has no header, so pass its sample_rate="):
        prepare_audio(b"\0\0" * 10, format="pcm16")
    with pytest.raises(AudioInputError, match="not whole pcm16 samples"):
        prepare_audio(b"\0" * 11, format="pcm16", sample_rate=24000)


def test_a_wav_declared_as_raw_pcm_is_refused(folder: Path) -> None:
    with pytest.raises(AudioFormatError, match="declared pcm16 but has a wav header"):
        prepare_audio(make_audio(folder, "wav").read_bytes(), format="pcm16", sample_rate=24000)


def test_large_file_is_encoded_exactly_across_blocks(tmp_path: Path) -> None:
    pcm = bytes(range(256)) * (7_000_001 // 256)  # many 192 KiB blocks, not a multiple of 3 in total
    path = tmp_path / "long.wav"
    path.write_bytes(wav_header(len(pcm), 16000, 1) + pcm[: len(pcm) // 2 * 2])
    prepared = prepare_audio(path, max_bytes=None)
    assert prepared.part["input_audio"]["data"] == base64.b64encode(path.read_bytes()).decode("ascii")


def test_wav_with_placeholder_sizes_is_sent_with_a_real_header() -> None:
    pcm = b"\x01\x00" * 16000
    streamed = bytearray(wav_header(0, 16000, 1) + pcm)
    streamed[4:8] = streamed[40:44] = b"\xff\xff\xff\xff"  # what a writer that cannot seek back leaves
    prepared = prepare_audio(bytes(streamed))
    data = decoded(prepared)
    assert data == wav_header(len(pcm), 16000, 1) + pcm
    assert prepared.duration == 1.0


def test_a_long_wav_with_placeholder_sizes_is_rebuilt_exactly_across_blocks(tmp_path: Path) -> None:
    pcm = bytes(range(256)) * (7_000_000 // 256)  # many 192 KiB blocks, read block by block
    streamed = bytearray(wav_header(0, 16000, 1) + pcm)
    streamed[40:44] = b"\xff\xff\xff\xff"
    path = tmp_path / "recorder.wav"
    path.write_bytes(streamed)
    expected = base64.b64encode(wav_header(len(pcm), 16000, 1) + pcm).decode("ascii")
    for source in (path, bytes(streamed)):
        prepared = prepare_audio(source, max_bytes=None)
        assert prepared.part["input_audio"]["data"] == expected
        assert prepared.size == 44 + len(pcm) and prepared.duration == len(pcm) / 32000


def test_repr_shows_what_it_is_not_the_base64(folder: Path) -> None:
    text = repr(prepare_audio(make_audio(folder, "webm")))
    assert "wav" in text and "converted from webm" in text and len(text) < 200


def test_prepared_audio_passes_through(folder: Path) -> None:
    prepared = prepare_audio(make_audio(folder, "wav"))
    assert prepare_audio(prepared) is prepared


def test_default_limit_is_well_under_the_payload_limit() -> None:
    assert DEFAULT_MAX_BYTES == 20_000_000


def test_model_formats_and_refusal_hint() -> None:
    assert formats_for_model("openai/gpt-4o-audio-preview") == {"wav", "mp3"}
    assert formats_for_model("someone/new-model") == ACCEPTED_FORMATS
    hint = format_refusal_hint("openai/gpt-4o-audio-preview", "flac", "Unsupported audio format: flac")
    assert hint is not None and "target='wav'" in hint and "mp3, wav" in hint
    assert format_refusal_hint("openai/gpt-4o", "wav", "rate limited") is None


def test_importing_inputs_imports_no_numpy_pydub_or_ipython() -> None:
    code = (
        "import sys, or_audio_widgets.core._inputs, or_audio_widgets.client._batch\n"
        "print(sorted(m for m in ('numpy', 'pydub', 'IPython', 'requests', 'tqdm') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_file_object_in_binary_mode(folder: Path) -> None:
    with open(make_audio(folder, "mp3"), "rb") as handle:
        prepared = prepare_audio(handle)
    assert prepared.format == "mp3" and prepared.source_name.endswith(".mp3")
    assert prepare_audio(io.BytesIO(make_audio(folder, "flac").read_bytes())).source_name == "file object"


def test_no_warning_for_a_clean_file(folder: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        prepare_audio(make_audio(folder, "ogg"))


def test_prepare_for_model_converts_what_the_model_is_known_to_refuse(folder: Path) -> None:
    flac = make_audio(folder, "flac", seconds=1.0, rate=16000)
    for_openai = prepare_for_model(flac, "openai/gpt-4o-audio-preview")
    assert (for_openai.format, for_openai.converted_from) == ("wav", "flac")
    assert for_openai.source_name == str(flac)
    assert for_openai.duration == pytest.approx(1.0, abs=0.001)
    small = prepare_for_model(flac, "openai/gpt-4o-audio-preview", max_bytes=20_000)  # 1 s WAV is 32 kB
    assert small.format == "mp3"
    assert prepare_for_model(flac, "google/gemini-2.5-flash").format == "flac"
    assert prepare_for_model(flac, "someone/new-model").format == "flac"
    assert prepare_for_model(flac, "openai/gpt-4o-audio-preview", target="flac").format == "flac"
