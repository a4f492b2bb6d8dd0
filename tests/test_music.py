"""Music as a kind of model: the catalogue knows music models, compose() returns the song (an MP3 kept as it
came) and its lyrics, and the emulator answers as Lyria was measured to: one SSE event holding the whole
MP3, timed lyrics in ``content``, a stream required."""

from __future__ import annotations

import base64
import json
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from or_audio_widgets import Lyrics, OpenRouterAudio
from or_audio_widgets.core._catalogue import CHAT_OUT, MUSIC, Catalogue, entry_from, looks_like_music_model
from or_audio_widgets.core._lyrics import LyricLine, parse_lyrics
from or_audio_widgets.errors import ModelCapabilityError

CLIP = "google/lyria-3-clip-preview"
SHORT = {"X-Emulator-Seconds": "3"}


def post(emulator: Any, body: dict[str, Any], headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    sent = {"Authorization": "Bearer sk-or-test", "Content-Type": "application/json", **(headers or {})}
    request = urllib.request.Request(f"{emulator.base_url}/chat/completions", json.dumps(body).encode(), sent)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as refused:
        return refused.code, refused.read()


def test_compose_returns_the_mp3_as_it_came_and_its_timed_lyrics(client: OpenRouterAudio, emulator: Any,
                                                                   tmp_path: Path) -> None:
    reply = client.compose("A song about the sun shining in the sky", headers=SHORT)
    assert reply.complete and reply.model == CLIP and reply.cost == pytest.approx(0.04)
    assert reply.format == "mp3" and reply.audio[:3] == b"ID3"
    assert (reply.sample_rate, reply.channels) == (44100, 2)
    assert reply.duration == pytest.approx(3.0, abs=0.15)
    assert reply.lyrics.timed and reply.lyrics.lines[0] == LyricLine("A SONG ABOUT THE SUN", 0.5, 2.5)
    assert reply.save(tmp_path / "song.mp3").read_bytes() == reply.audio
    sent = [r.json for r in emulator.requests if r.path.endswith("/chat/completions")][-1]
    assert sent["stream"] is True and sent["model"] == CLIP


def test_an_instrumental_says_so(client: OpenRouterAudio) -> None:
    reply = client.compose("an instrumental for a rainy afternoon", model="google/lyria-3-pro-preview",
                           headers=SHORT)
    assert reply.lyrics.instrumental and not reply.lyrics.lines and reply.cost == pytest.approx(0.08)


def test_the_song_comes_in_one_event_with_its_lyrics_and_a_stream_is_required(emulator: Any) -> None:
    status, body = post(emulator, {"model": CLIP, "messages": [{"role": "user", "content": "la la"}],
                                   "stream": True, "audio": {"format": "pcm16"}}, SHORT)
    assert status == 200
    events = [json.loads(line[6:]) for line in body.split(b"\n") if line.startswith(b"data: {")]
    with_audio = [e for e in events if e.get("choices") and "audio" in e["choices"][0]["delta"]]
    assert len(with_audio) == 1  # the whole song in one event, whatever format was asked
    delta = with_audio[0]["choices"][0]["delta"]
    assert set(delta["audio"]) == {"data"} and base64.b64decode(delta["audio"]["data"])[:3] == b"ID3"
    assert delta["content"] == "[0.5:2.5] LA LA"
    for asked in ({}, {"modalities": ["text", "audio"]}):
        text_only = {"model": CLIP, "messages": [{"role": "user", "content": "x"}], **asked}
        status, body = post(emulator, text_only)
        assert status == 400 and b"Audio output requires stream: true" in body


def test_the_model_list_names_music_models_and_the_catalogue_knows_them(client: OpenRouterAudio) -> None:
    catalogue = client.catalogue()
    assert set(catalogue.serving(MUSIC)) == {CLIP, "google/lyria-3-pro-preview"}
    assert CLIP not in catalogue.serving(CHAT_OUT) and catalogue.get(CLIP).kind == "music"  # type: ignore[union-attr]
    assert "openai/gpt-audio" in catalogue.serving(CHAT_OUT)
    with pytest.raises(ModelCapabilityError, match="compose"):
        client.speak("hi", model=CLIP)
    with pytest.raises(ModelCapabilityError, match="Music models: google/lyria"):
        client.compose("a song", model="openai/gpt-audio")


def test_music_by_the_list_and_by_the_id_when_the_list_cannot_be_read() -> None:
    arch = {"input_modalities": ["text", "image"], "output_modalities": ["text", "audio"]}
    assert entry_from({"id": "acme/composer", "architecture": arch}).serves(MUSIC)
    speaker = {"id": "acme/speaker", "architecture": {**arch, "input_modalities": ["text", "audio"]}}
    assert entry_from(speaker).serves(CHAT_OUT)  # it listens: a speaking model, voices listed or not
    voiced = {"id": "acme/voiced", "architecture": arch, "supported_voices": ["alloy"]}
    assert entry_from(voiced).serves(CHAT_OUT)
    assert Catalogue.known().get(CLIP).serves(MUSIC)  # type: ignore[union-attr]
    assert looks_like_music_model("google/lyria-4-preview:free")
    assert not looks_like_music_model("openai/gpt-audio")


def test_a_relayed_502_is_retried(client: OpenRouterAudio, emulator: Any) -> None:
    reply = client.compose("a song", headers={**SHORT, "X-Emulator-Fault": "502;times=1"})
    assert reply.complete and reply.format == "mp3"
    assert len([r for r in emulator.requests if r.path.endswith("/chat/completions")]) == 2


@pytest.mark.parametrize("text, lines", [
    ("[4.0:6.0] SUN IS SHINING IN THE SKY\n[6.0:8.5] LA", [LyricLine("SUN IS SHINING IN THE SKY", 4.0, 6.0),
                                                          LyricLine("LA", 6.0, 8.5)]),
    ("[0:2] LA [2:4] DI DA", [LyricLine("LA", 0.0, 2.0), LyricLine("DI DA", 2.0, 4.0)]),
    ("[4.0: SUN\n[6.0:2.0] BACKWARDS\nplain words\n\n[x:y] Z", [
        LyricLine("[4.0: SUN"), LyricLine("[6.0:2.0] BACKWARDS"), LyricLine("plain words"),
        LyricLine("[x:y] Z")]),
    ("[1e309:2] HUGE [99999999999:1] LONG", [LyricLine("[1e309:2] HUGE [99999999999:1] LONG")]),
])
def test_lyrics_with_broken_timestamps_are_plain_text_never_a_crash(text: str, lines: list[LyricLine]
                                                                    ) -> None:
    assert list(parse_lyrics(text).lines) == lines


def test_instrumental_and_the_line_sung_at_a_time() -> None:
    assert parse_lyrics(" <Instrumental>\n").instrumental
    lyrics = parse_lyrics("[4.0:6.0] SUN\n[6.0:8.0] SKY")
    assert isinstance(lyrics, Lyrics) and lyrics.at(5.0) == LyricLine("SUN", 4.0, 6.0)
    assert lyrics.at(9.0) is None and not parse_lyrics("")
