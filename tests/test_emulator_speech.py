"""The emulator's speech: real espeak-ng audio at 24 kHz, one voice per name, and the tone fallback."""

from __future__ import annotations

import hashlib
import math
import subprocess
from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_emulator import audio_of, chat, data_chunks, speech_request, sse_events, transcript_of

from or_audio_widgets import EmulatorHandle
from or_audio_widgets.core._wav import wav_to_pcm16
from or_audio_widgets.emulator import _speech, _stream, _track
from or_audio_widgets.emulator._inputs import loudness


def _pcm(emulator: EmulatorHandle, text: str, voice: str = "alloy", **headers: str) -> tuple[bytes, list]:
    reply = chat(emulator, speech_request(text, voice), **headers)
    assert reply.status == 200, reply.body
    events = sse_events(reply.body)
    return b"".join(audio_of(events)), events


def _espeak_seconds(text: str, espeak_voice: str) -> float:
    out = subprocess.run(
        ["espeak-ng", "--stdout", "-v", espeak_voice, text], capture_output=True, check=True
    ).stdout
    info, pcm = wav_to_pcm16(out)  # espeak-ng's placeholder sizes: the samples run to the end
    return len(pcm) / 2 / info.sample_rate


def test_speech_is_real_and_as_long_as_espeak_takes(emulator: EmulatorHandle) -> None:
    pcm, events = _pcm(emulator, "The quick brown fox jumps over the lazy dog")
    transcript = transcript_of(events)
    assert loudness(pcm) > -35  # speech, not silence
    expected = _espeak_seconds(transcript, "en-us")
    assert abs(len(pcm) / 48000 - expected) < 0.06  # resampled to 24 kHz, padded to a 50 ms granule
    assert len(pcm) % 2400 == 0
    note = next(c["emulator"] for c in data_chunks(events) if "emulator" in c)
    assert note["speech"] == "espeak-ng"


def test_every_voice_sounds_different(emulator: EmulatorHandle) -> None:
    digests = {
        voice: hashlib.sha256(_pcm(emulator, "Which voice is this?", voice)[0]).hexdigest()
        for voice in _speech.ESPEAK_VOICES
    }
    assert len(set(digests.values())) == len(_speech.ESPEAK_VOICES) == 11


def test_speech_is_cached_by_text_and_voice(emulator: EmulatorHandle) -> None:
    _pcm(emulator, "cache me once")
    before = _speech.synthesize.cache_info()
    _pcm(emulator, "cache me once")
    after = _speech.synthesize.cache_info()
    assert after.misses == before.misses


def test_exact_seconds_loop_the_speech(emulator: EmulatorHandle) -> None:
    short, _ = _pcm(emulator, "loop")
    long, events = _pcm(emulator, "loop", X_Emulator_Seconds="30")
    assert len(long) == 30 * 48000
    assert long.startswith(short.rstrip(b"\x00")[:2000])
    assert loudness(long[-48000 * 5 :]) > -45  # repeated, not padded with silence
    assert transcript_of(events) == "Offline emulator speaking. You said: loop"


@pytest.fixture
def no_espeak(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(_speech, "find_espeak", lambda: None)
    _speech.synthesize.cache_clear()
    _track.clear_cache()
    yield
    _speech.synthesize.cache_clear()
    _track.clear_cache()


def test_without_espeak_a_labelled_tone_rendering_of_similar_length(
    emulator: EmulatorHandle, no_espeak: None
) -> None:
    pcm, events = _pcm(emulator, "no speech engine here today")
    note = next(c["emulator"] for c in data_chunks(events) if "emulator" in c)
    assert note["speech"] == "tone" and "espeak-ng is not installed" in note["note"]
    assert loudness(pcm) > -30
    spoken = _espeak_seconds(transcript_of(events), "en-us")
    assert 0.6 < (len(pcm) / 48000) / spoken < 1.5
    _speech.synthesize.cache_clear()
    _track.clear_cache()
    assert _pcm(emulator, "no speech engine here today")[0] == pcm  # deterministic


def test_tone_voices_differ() -> None:
    assert _speech.render_tones("a b", "alloy") != _speech.render_tones("a b", "onyx")


def test_resamplers_keep_duration_and_level_and_agree() -> None:
    tone = bytearray()
    for n in range(22050):
        tone += int(10000 * math.sin(2 * math.pi * 440 * n / 22050)).to_bytes(2, "little", signed=True)
    out = _speech.resample(bytes(tone) * 11, 22050, 24000)  # 11 s: the numpy path
    assert len(out) == 11 * 48000
    assert abs(loudness(out) - loudness(bytes(tone))) < 0.2
    python = _speech._resample_python(_speech.pcm16_samples(bytes(tone)), 24000, 22050 / 24000)
    assert len(python) == 24000
    numpy = _speech.pcm16_samples(out[:48000])
    # the last sample differs: the 1-second tone ends there, while the 11-second input goes on
    assert max(abs(a - b) for a, b in zip(python[:-1], numpy[:-1], strict=True)) <= 1


@given(st.text(alphabet=st.sampled_from("ab \n<é"), max_size=40))
def test_word_deltas_join_back_to_the_text(text: str) -> None:
    pieces = _stream.words(text)
    assert "".join(pieces) == text
    assert all(pieces) or pieces == [""]


@given(st.text(alphabet=st.sampled_from("ab \n<é.,'-"), max_size=60))
def test_transcript_tokens_join_back_to_the_text(text: str) -> None:
    pieces = _stream.tokens(text)
    assert "".join(pieces) == text
    assert all(pieces) or pieces == [""]


@pytest.mark.parametrize("chunks", [4, 5, 8, 20, 150])
@pytest.mark.parametrize("pieces", [1, 3, 12, 60, 400])
def test_the_transcript_plan_runs_ahead_of_the_audio(pieces: int, chunks: int) -> None:
    plan = _stream.transcript_after(pieces, chunks)
    assert len(plan) == chunks + 1 and sum(plan) == pieces and min(plan) >= 0
    assert plan[0] == min(_stream.TRANSCRIPT_LEAD, pieces)  # words before the first audio chunk
    if pieces > _stream.TRANSCRIPT_LEAD:
        last = max(i for i, n in enumerate(plan) if n)  # audio chunks sent before the last delta
        assert 0.5 <= last / chunks <= 0.88
