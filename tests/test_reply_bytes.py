"""The bytes decide what a reply's audio is: an MP3 where pcm16 was asked is kept as it came and decoded at
its own rate and channels; headerless samples stay samples; bytes that are no audio are an error that says
what they look like, and are kept; an MP3 cut mid-frame keeps what decodes, marked incomplete."""

from __future__ import annotations

import base64
import io
import json
import subprocess
import wave
from pathlib import Path
from typing import Any

import pytest

from or_audio_widgets import AudioDelta, AudioReply, End, ReplyBuilder
from or_audio_widgets.core._audio_kind import classify
from or_audio_widgets.core._events import Started
from or_audio_widgets.core._mp3 import mp3_layout
from or_audio_widgets.core._speech_audio import iter_audio_events
from or_audio_widgets.errors import AudioFormatError


def tone(fmt: str, *, rate: int = 44100, channels: int = 2, seconds: float = 2.0, extra: tuple[str, ...] = ()
         ) -> bytes:
    codec = {"mp3": ["-c:a", "libmp3lame", "-b:a", "128k", "-f", "mp3"], "flac": ["-f", "flac"],
             "opus": ["-c:a", "libopus", "-f", "ogg"]}[fmt]
    args = ["ffmpeg", "-v", "error", "-f", "lavfi", "-i", f"sine=f=440:d={seconds}:r={rate}",
            "-ac", str(channels), *extra, *codec, "pipe:1"]
    return subprocess.run(args, capture_output=True, check=True).stdout


@pytest.fixture(scope="module")
def song() -> bytes:
    """An MP3 as Lyria sends it: an ID3v2 tag first, 44.1 kHz stereo."""
    data = tone("mp3")
    assert data[:3] == b"ID3"
    return data


def sse(*deltas: dict[str, Any]) -> bytes:
    model = "google/lyria-3-clip-preview"
    events = [{"id": "gen-1", "model": model, "choices": [{"delta": d}]} for d in deltas]
    return b"".join(b"data: " + json.dumps(e).encode() + b"\n\n" for e in events) + b"data: [DONE]\n\n"


def audio(data: bytes) -> dict[str, Any]:
    return {"audio": {"data": base64.b64encode(data).decode("ascii")}}


def wav_layout(data: bytes) -> tuple[int, int, int]:
    with wave.open(io.BytesIO(data)) as w:
        return w.getframerate(), w.getnchannels(), w.getnframes()


def test_an_mp3_where_pcm16_was_asked_is_kept_and_read_at_its_own_rate(song: bytes, tmp_path: Path) -> None:
    reply = AudioReply.from_sse(sse({"content": "<instrumental>"}, audio(song)), format="wav")
    assert reply.complete and (reply.format, reply.mime_type) == ("mp3", "audio/mpeg")
    assert reply.audio == song  # as it came: never re-encoded
    assert (reply.sample_rate, reply.channels) == (44100, 2)  # from its frame headers, before decoding
    assert reply.duration == pytest.approx(2.0, abs=0.1)
    rate, channels, frames = wav_layout(reply.save(tmp_path / "song.wav").read_bytes())
    assert (rate, channels) == (44100, 2) and frames == pytest.approx(88200, abs=4000)
    assert reply.save(tmp_path / "song.mp3").read_bytes() == song
    flac = reply.save(tmp_path / "song.flac").read_bytes()
    probe = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "stream=sample_rate,channels", "-of",
                            "csv=p=0", "-"], input=flac, capture_output=True, check=True).stdout
    assert probe.decode().strip() == "44100,2"


def test_the_saved_output_plays_the_mp3_itself_with_its_waveform_and_length(song: bytes) -> None:
    reply = AudioReply.from_sse(sse(audio(song)))
    page = reply._repr_html_()
    assert "data:audio/mpeg;base64," + base64.b64encode(song).decode()[:200] in page
    assert 'alt="waveform"' in page and "0:02.0" in page


def test_an_mp3_without_a_tag_split_anywhere_is_still_an_mp3(song: bytes) -> None:
    bare = song[mp3_layout(song).start :]  # type: ignore[union-attr]
    pieces = [bare[:3], bare[3:700], bare[700:]]
    reply = AudioReply.from_events([*(AudioDelta(p) for p in pieces), End(None, True)])
    assert reply.format == "mp3" and reply.audio == bare and reply.complete


@pytest.mark.parametrize("fmt, rate", [("flac", 48000), ("opus", 48000)])
def test_other_containers_decode_at_their_own_rate_and_channels(fmt: str, rate: int) -> None:
    data = tone(fmt, rate=rate, seconds=1.0)
    reply = AudioReply.from_events([AudioDelta(data), End(None, True)])
    assert reply.format == fmt and reply.audio == data
    assert len(reply.pcm) and (reply.sample_rate, reply.channels) == (rate, 2)
    assert reply.duration == pytest.approx(1.0, abs=0.05)


def test_pcm16_that_starts_like_a_frame_sync_stays_pcm16() -> None:
    # -1 then 16: FF FF 10 00 reads as an MPEG-1 layer I header; no second frame follows it
    pcm = bytes.fromhex("ffff1000") + bytes(19196)
    reply = AudioReply.from_events([AudioDelta(pcm), End(None, True)], format="pcm16")
    assert (reply.format, bytes(reply.pcm), reply.complete) == ("pcm16", pcm, True)
    assert classify(pcm[:20], "pcm16") is None  # too short to tell yet: it waits for more
    assert classify(pcm[:20], "pcm16", final=True) == "pcm16"


def test_a_wav_where_pcm16_was_asked_is_read_as_wav() -> None:
    from or_audio_widgets.core._wav import pcm_to_wav

    samples = bytes(range(256)) * 40
    reply = AudioReply.from_events([AudioDelta(pcm_to_wav(samples, 48000, 2)), End(None, True)])
    assert (reply.sample_rate, reply.channels, bytes(reply.pcm)) == (48000, 2, samples)


def test_a_reply_shorter_than_a_decision_is_what_was_asked() -> None:
    reply = AudioReply.from_events([AudioDelta(b"\x01\x00\x02\x00"), End(None, True)], format="pcm16")
    assert (reply.format, bytes(reply.pcm), reply.complete) == ("pcm16", b"\x01\x00\x02\x00", True)


@pytest.mark.parametrize("hint", ["pcm16", "mp3"])
def test_bytes_that_are_no_audio_are_an_error_that_shows_them_and_are_kept(hint: str, tmp_path: Path) -> None:
    page = b"<!DOCTYPE html><html><body>502 Bad Gateway <script>alert(1)</script></body></html>"
    reply = AudioReply.from_events([AudioDelta(page[:10]), AudioDelta(page[10:]), End(None, True)],
                                   wire_format=hint)
    assert not reply.complete and reply.error_kind == "protocol" and reply.format == "bin"
    assert "3c 21 44 4f 43 54 59 50" in (reply.error or "") and "'<!DOCTYPE html><'" in (reply.error or "")
    assert reply.save(tmp_path / "x.bin").read_bytes() == page
    with pytest.raises(AudioFormatError, match="neither"):
        reply.save(tmp_path / "x.wav")
    html = reply._repr_html_()
    assert "<audio" not in html and "<script>" not in html and "&lt;!DOCTYPE" in html


def test_binary_that_is_no_known_container_under_a_compressed_hint_is_an_error() -> None:
    reply = AudioReply.from_events([AudioDelta(b"MThd\x00\x00\x00\x06" + bytes(100)), End(None, True)],
                                   wire_format="mp3", format="mp3")
    assert reply.format == "bin" and "4d 54 68 64" in (reply.error or "")


def test_an_mp3_cut_mid_frame_keeps_what_decodes_marked_incomplete(song: bytes, tmp_path: Path) -> None:
    cut = song[: len(song) - 150]
    reply = AudioReply.from_sse(sse(audio(cut)))
    assert not reply.complete and reply.error_kind == "protocol"
    assert "middle of a frame" in (reply.error or "") and reply.audio == cut
    assert reply.duration == pytest.approx(2.0, abs=0.1)
    assert wav_layout(reply.save(tmp_path / "cut.wav").read_bytes())[:2] == (44100, 2)


def test_speech_sent_as_octet_stream_that_is_an_mp3_is_read_as_one() -> None:
    speech = tone("mp3", rate=24000, channels=1, seconds=1.5)
    builder = ReplyBuilder(format="wav", wire_format="pcm16")  # what application/octet-stream maps to
    chunks = [speech[i : i + 4096] for i in range(0, len(speech), 4096)]
    for event in iter_audio_events(chunks, Started("gen-tts-1", "m/tts", None)):
        builder.feed(event)
    reply = builder.build()
    assert reply.format == "mp3" and reply.complete
    assert reply.duration == pytest.approx(1.5, abs=0.1)


def test_mp3_layouts_of_every_mpeg_version() -> None:
    for rate, channels in ((44100, 2), (24000, 1), (8000, 1)):  # MPEG-1, MPEG-2, MPEG-2.5
        layout = mp3_layout(tone("mp3", rate=rate, channels=channels, seconds=1.0, extra=("-ar", str(rate))))
        assert layout is not None and not layout.cut
        assert (layout.sample_rate, layout.channels) == (rate, channels)
        assert layout.seconds == pytest.approx(1.0, abs=0.2)  # with the encoder's padding frames


def test_an_id3v1_tag_at_the_end_is_not_a_cut(song: bytes) -> None:
    tagged = song + b"TAG" + bytes(125)
    layout = mp3_layout(tagged)
    assert layout is not None and not layout.cut
    assert mp3_layout(b"not an mp3 at all") is None
