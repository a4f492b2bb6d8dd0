"""The catalogue (which surface serves each model), text splitting for speech, and speech Content-Types."""

from __future__ import annotations

import pytest

from or_audio_widgets.core._catalogue import (
    CHAT_IN,
    CHAT_OUT,
    SPEECH,
    TRANSCRIPTION,
    Catalogue,
    entry_from,
    refusal,
    require_some_audio,
    speech_input_limit,
)
from or_audio_widgets.core._speech_audio import layout_from_content_type
from or_audio_widgets.core._speech_text import check_speech_text, split_speech_text
from or_audio_widgets.errors import AudioFormatError, AudioInputError, ModelCapabilityError, UnknownModelError


def listed(model_id: str, inputs: list[str], outputs: list[str], **extra: object) -> dict[str, object]:
    arch = {"input_modalities": inputs, "output_modalities": outputs}
    return {"id": model_id, "architecture": arch, **extra}


CATALOGUE = Catalogue([
    listed("openai/gpt-4o-audio-preview", ["text", "audio"], ["text"]),
    listed("openai/gpt-audio-mini", ["text", "audio"], ["text", "audio"], supported_voices=["alloy", "nova"]),
    listed("acme/tts", ["text"], ["speech"], supported_voices=["rachel"], max_input_characters=500),
    listed("acme/whisper", ["audio"], ["transcription"]),
    listed("acme/text", ["text"], ["text"]),
])


def test_surfaces_come_from_the_modalities() -> None:
    assert CATALOGUE.serving(CHAT_OUT) == ["openai/gpt-audio-mini"]
    assert CATALOGUE.serving(CHAT_IN) == ["openai/gpt-4o-audio-preview", "openai/gpt-audio-mini"]
    assert CATALOGUE.serving(SPEECH) == ["acme/tts"]
    assert CATALOGUE.serving(TRANSCRIPTION) == ["acme/whisper"]  # audio in, but not a chat model
    assert CATALOGUE.get("acme/text").surfaces == frozenset()
    assert CATALOGUE.get("openai/gpt-audio-mini:free").id == "openai/gpt-audio-mini"  # a variant suffix


def test_a_model_that_only_listens_is_refused_speech_naming_the_speakers() -> None:
    with pytest.raises(ModelCapabilityError) as caught:
        CATALOGUE.require("openai/gpt-4o-audio-preview", CHAT_OUT)
    message = str(caught.value)
    assert "openai/gpt-4o-audio-preview cannot speak" in message and "takes audio in" in message
    assert "Models that speak: openai/gpt-audio-mini." in message and "say()" in message


@pytest.mark.parametrize(("model", "surface", "says", "names"), [
    ("acme/whisper", SPEECH, "transcription model", "acme/tts"),
    ("acme/tts", TRANSCRIPTION, "speech model", "acme/whisper"),
    ("openai/gpt-audio-mini", TRANSCRIPTION, "takes audio in on chat completions", "acme/whisper"),
])
def test_refusals_say_what_the_model_is_and_who_can(model: str, surface: str, says: str, names: str) -> None:
    with pytest.raises(ModelCapabilityError, match=says) as caught:
        CATALOGUE.require(model, surface)
    assert names in str(caught.value)


def test_an_unlisted_model_is_refused_with_the_nearest_ids() -> None:
    with pytest.raises(UnknownModelError) as caught:
        CATALOGUE.require("acme/ttz", SPEECH)
    assert caught.value.close == ("acme/tts",)  # the id serving the surface asked for comes first
    assert "'acme/ttz' is not in OpenRouter's model list, so nothing was sent." in str(caught.value)
    assert "Did you mean acme/tts?" in str(caught.value) and "client.catalogue()" in str(caught.value)
    with pytest.raises(UnknownModelError) as caught:
        CATALOGUE.require_known("zzz/qqq")
    assert caught.value.close == () and "Did you mean" not in str(caught.value)
    assert "%oraudio_models shows" in caught.value.explain("%oraudio_models")
    CATALOGUE.require_known("acme/tts:free")  # a variant of a listed model is the model


def test_an_empty_list_and_the_known_stand_in_refuse_nothing() -> None:
    Catalogue([]).require("acme/unknown", SPEECH)  # nothing listed: the server has the last word
    Catalogue.known().require("acme/unknown", SPEECH)
    Catalogue.known().require("openai/gpt-4o-audio-preview", CHAT_OUT)
    # ... but the stand-in still explains a refusal the server sends
    assert "openai/gpt-audio" in refusal("openai/gpt-4o-audio-preview", CHAT_OUT, Catalogue.known())


def test_voices_are_checked_only_where_listed() -> None:
    CATALOGUE.require_voice("acme/tts", "rachel")
    CATALOGUE.require_voice("acme/whisper", "anything")  # no voices listed: nothing to check
    with pytest.raises(ModelCapabilityError, match="no voice 'zed'; its voices: rachel"):
        CATALOGUE.require_voice("acme/tts", "zed")


def test_gpt_audio_needs_audio_in_or_out() -> None:
    with pytest.raises(ModelCapabilityError, match="either input content or output modality"):
        require_some_audio("openai/gpt-audio", audio_in=False, audio_out=False)
    require_some_audio("openai/gpt-audio", audio_in=True, audio_out=False)
    require_some_audio("google/gemini-2.5-flash", audio_in=False, audio_out=False)


def test_speech_limits_table_and_catalogue_override() -> None:
    assert speech_input_limit("openai/gpt-4o-mini-tts-2025-12-15") == 4096
    assert speech_input_limit("acme/tts", CATALOGUE.get("acme/tts")) == 500
    assert entry_from({"id": "x", "max_input_characters": True}).input_limit is None


def test_split_at_sentences_then_clauses_then_words() -> None:
    text = "One two three. Four five six! Seven, eight; nine ten eleven twelve thirteen."
    pieces = split_speech_text(text, 20)
    assert all(len(p) <= 20 for p in pieces)
    assert pieces[:2] == ["One two three. ", "Four five six! "]
    assert "".join(pieces) == text  # nothing lost or reordered
    assert split_speech_text("x" * 25, 10) == ["x" * 10, "x" * 10, "x" * 5]


def test_empty_text_is_refused() -> None:
    with pytest.raises(AudioInputError, match="nothing to read aloud"):
        check_speech_text(" \n ")
    with pytest.raises(TypeError):
        check_speech_text(b"bytes")


@pytest.mark.parametrize(("header", "expected"), [
    ("audio/pcm;rate=24000;channels=1", ("pcm16", 24000, 1)),
    ("audio/pcm; rate=16000; channels=2", ("pcm16", 16000, 2)),
    ("audio/pcm", ("pcm16", 24000, 1)),
    (None, ("pcm16", 24000, 1)),
    ("audio/mpeg", ("mp3", 24000, 1)),
])
def test_content_types_that_play(header: str | None, expected: tuple[str, int, int]) -> None:
    layout = layout_from_content_type(header)
    assert (layout.wire_format, layout.sample_rate, layout.channels) == expected


@pytest.mark.parametrize("header", ["text/html", "audio/pcm;rate=0", "audio/pcm;bits=24", "video/mp4"])
def test_content_types_that_do_not_play(header: str) -> None:
    with pytest.raises(AudioFormatError, match="cannot play"):
        layout_from_content_type(header)


def test_a_transcription_model_carries_what_the_list_says_else_the_table() -> None:
    from or_audio_widgets.core._catalogue import transcription_seconds

    catalogue = Catalogue([listed("openai/whisper-1", ["audio"], ["transcription"], max_audio_seconds=90,
                                  max_audio_bytes=4_000_000)])
    entry = catalogue.get("openai/whisper-1")
    assert entry is not None and (entry.audio_seconds, entry.audio_bytes) == (90.0, 4_000_000)
    assert transcription_seconds("openai/whisper-1", entry) == 90.0
    assert transcription_seconds("openai/whisper-1") == 600.0  # the table, when the list says nothing
    assert transcription_seconds("acme/unknown") == 240.0
    for bad in (True, -5, 0, float("inf"), float("nan"), "90", None):
        odd = entry_from({"id": "x", "max_audio_seconds": bad, "max_audio_bytes": bad})
        assert (odd.audio_seconds, odd.audio_bytes) == (None, None)
    assert entry_from({"id": "x", "max_audio_bytes": 2.5}).audio_bytes is None  # bytes are whole
    catalogue.add(entry_from(listed("openai/whisper-1", ["audio"], ["transcription"])))  # a second listing
    assert catalogue.get("openai/whisper-1").audio_seconds == 90.0  # type: ignore[union-attr]
