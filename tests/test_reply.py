"""AudioReply: assembly from a stream, partial replies, formats, saving, and every kind of bad input."""

from __future__ import annotations

import base64
import io
import json
import pickle
import subprocess
import wave
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from or_audio_widgets import (
    AudioDelta,
    AudioReply,
    End,
    ReplyAudio,
    ReplyOrigin,
    ReplyOutcome,
    TextDelta,
    Usage,
)
from or_audio_widgets.core import _ffmpeg
from or_audio_widgets.core._events import Event
from or_audio_widgets.core._transcode import encode_pcm
from or_audio_widgets.core._wav import pcm_to_wav
from or_audio_widgets.errors import AudioFormatError, FFmpegNotFoundError

PCM = bytes(range(256)) * 96  # 24,576 bytes = 0.512 s at 24 kHz mono


def sse(*objs: Any, done: bool = True) -> bytes:
    events = b"".join(b"data: " + json.dumps(o).encode() + b"\n\n" for o in objs)
    body = b": OPENROUTER PROCESSING\n\n" + events
    return body + (b"data: [DONE]\n\n" if done else b"")


def audio_chunk(raw: bytes) -> dict[str, Any]:
    return {"id": "gen-9", "choices": [{"delta": {"audio": {"data": base64.b64encode(raw).decode()}}}]}


def transcript_chunk(text: str) -> dict[str, Any]:
    return {"id": "gen-9", "model": "openai/gpt-4o-audio-preview",
            "choices": [{"delta": {"audio": {"transcript": text}}}]}


GOOD = sse(transcript_chunk("Hello "), transcript_chunk("<world>"), audio_chunk(PCM[:10000]),
           audio_chunk(PCM[10000:]), {"choices": [], "usage": {"total_tokens": 7, "cost": 0.002}})


def read_wav(data: bytes) -> tuple[int, int, bytes]:
    with wave.open(io.BytesIO(data)) as w:
        return w.getframerate(), w.getnchannels(), w.readframes(w.getnframes())


def test_from_sse_assembles_everything() -> None:
    reply = AudioReply.from_sse([GOOD])
    assert reply.complete and reply.error is None
    assert reply.transcript == "Hello <world>" == reply.words
    assert reply.text == ""
    assert isinstance(reply.audio, bytes)
    assert read_wav(reply.audio) == (24000, 1, PCM)
    assert reply.pcm == PCM
    assert reply.format == "wav" and reply.mime_type == "audio/wav"
    assert reply.duration == pytest.approx(len(PCM) / 48000)
    assert reply.usage == {"total_tokens": 7, "cost": 0.002} and reply.cost == 0.002
    assert (reply.id, reply.model) == ("gen-9", "openai/gpt-4o-audio-preview")


def test_the_audio_is_held_once() -> None:
    reply = AudioReply.from_sse([GOOD])
    assert reply.pcm.obj is reply.audio  # pcm is a view into the WAV file, not a copy
    assert reply.pcm.readonly


def test_from_sse_accepts_a_file_object_bytes_a_path_and_chunks(tmp_path: Path) -> None:
    path = tmp_path / "reply.sse"
    path.write_bytes(GOOD)
    pieces = [GOOD[i : i + 1000] for i in range(0, len(GOOD), 1000)]
    sources: list[Any] = [io.BytesIO(GOOD), GOOD, path, str(path), pieces]
    for source in sources:
        assert AudioReply.from_sse(source).pcm == PCM


def test_from_sse_at_another_sample_rate() -> None:
    reply = AudioReply.from_sse([GOOD], sample_rate=16000)
    assert read_wav(reply.audio) == (16000, 1, PCM) and reply.duration == pytest.approx(len(PCM) / 32000)


def test_from_sse_reads_a_response_object_in_whatever_chunks_arrive() -> None:
    class Response:  # the part of requests.Response that from_sse uses
        def iter_content(self, chunk_size: int | None = 1) -> Iterator[bytes]:
            assert chunk_size is None
            yield from (GOOD[i : i + 777] for i in range(0, len(GOOD), 777))

    assert AudioReply.from_sse(Response()).pcm == PCM  # type: ignore[arg-type]


SO_FAR = sse(transcript_chunk("so far"), audio_chunk(PCM[:2400]), done=False)


@pytest.mark.parametrize(
    ("rest", "says"),
    [
        (b"data: {oops\n\ndata: [DONE]\n\n", "invalid JSON"),
        (sse({"choices": [{"delta": {"audio": {"data": "!!"}}}]}), "invalid base64"),
        (sse({"error": {"code": 502, "message": "provider down"}}), "provider down"),
        (b"", "without 'data: [DONE]'"),
    ],
)
def test_bad_input_gives_an_incomplete_reply_that_keeps_what_arrived(rest: bytes, says: str) -> None:
    reply = AudioReply.from_sse([SO_FAR, rest])
    assert not reply.complete
    assert says in (reply.error or "")
    assert reply.transcript == "so far" and reply.pcm == PCM[:2400]


def test_an_empty_body_gives_an_incomplete_reply() -> None:
    reply = AudioReply.from_sse([])
    assert not reply.complete and "empty" in (reply.error or "") and reply.error_kind == "protocol"


def test_a_connection_error_while_reading_keeps_the_partial_reply() -> None:
    def body() -> Iterator[bytes]:
        yield sse(transcript_chunk("cut "), audio_chunk(PCM[:4800]), done=False)
        raise ConnectionResetError("connection reset by peer")

    reply = AudioReply.from_sse(body())
    assert not reply.complete and reply.error_kind == "connection"
    assert "connection reset" in (reply.error or "")
    assert reply.transcript == "cut " and reply.pcm == PCM[:4800]


def test_pcm16_format_is_the_raw_samples() -> None:
    reply = AudioReply.from_sse([GOOD], format="pcm16")
    assert reply.audio == PCM and isinstance(reply.audio, bytes)
    assert reply.mime_type == "audio/L16"


def test_mp3_format_is_encoded_on_access() -> None:
    reply = AudioReply.from_sse([GOOD], format="mp3")
    assert reply.mime_type == "audio/mpeg"
    assert reply.audio[:3] == b"ID3" or reply.audio[:2] == b"\xff\xfb"


def test_mp3_format_without_ffmpeg_still_builds(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_ffmpeg, "find_ffmpeg", lambda: None)
    reply = AudioReply.from_sse([GOOD], format="mp3")
    assert reply.pcm == PCM and reply.complete
    with pytest.raises(FFmpegNotFoundError):
        reply.audio  # noqa: B018


def test_wav_on_the_wire_with_a_header_in_every_chunk() -> None:
    chunks = [pcm_to_wav(PCM[:8000], 16000), pcm_to_wav(PCM[8000:], 16000)]
    reply = AudioReply.from_events([*(AudioDelta(c) for c in chunks), End(None, True)], wire_format="wav")
    assert (reply.sample_rate, reply.pcm) == (16000, PCM)
    assert read_wav(reply.audio) == (16000, 1, PCM)


def test_compressed_wire_format_is_passed_through(tmp_path: Path) -> None:
    mp3 = encode_pcm(PCM, "mp3")
    events: list[Event] = [AudioDelta(mp3[:1000]), AudioDelta(mp3[1000:]), End(None, True)]
    reply = AudioReply.from_events(events, wire_format="mp3", format="mp3")
    assert reply.audio == mp3 and reply.mime_type == "audio/mpeg"
    assert reply.duration == pytest.approx(len(PCM) / 48000, abs=0.1)  # decoded by ffmpeg on demand
    # asked as wav, it is still kept as the MP3 that came (the bytes decide); saving as wav decodes it
    as_wav = AudioReply.from_events(events, wire_format="mp3", format="wav")
    assert (as_wav.format, as_wav.audio) == ("mp3", mp3)
    assert read_wav(as_wav.save(tmp_path / "a.wav").read_bytes())[:2] == (24000, 1)


def test_save_picks_the_format_from_the_suffix(tmp_path: Path) -> None:
    reply = AudioReply.from_sse([GOOD])
    assert read_wav(reply.save(tmp_path / "a.wav").read_bytes()) == (24000, 1, PCM)
    assert (tmp_path / "a.wav").read_bytes() == reply.audio
    assert reply.save(tmp_path / "a.pcm").read_bytes() == PCM
    flac = reply.save(tmp_path / "a.flac").read_bytes()
    assert flac[:4] == b"fLaC"
    mp3 = tmp_path / "a.mp3"
    reply.save(mp3)
    out = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "stream=codec_name", "-of", "csv=p=0",
                          str(mp3)], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "mp3"
    with pytest.raises(AudioFormatError):
        reply.save(tmp_path / "a.txt")


def test_save_wav_from_a_pcm16_reply(tmp_path: Path) -> None:
    reply = AudioReply.from_sse([GOOD], format="pcm16")
    assert read_wav(reply.save(tmp_path / "b.wav").read_bytes())[2] == PCM


def test_to_segment() -> None:
    segment = AudioReply.from_sse([GOOD]).to_segment()
    assert (segment.frame_rate, segment.channels, segment.sample_width) == (24000, 1, 2)
    assert segment.raw_data == PCM


def test_direct_construction_from_pcm_and_from_wav() -> None:
    reply = AudioReply(ReplyAudio.from_pcm(PCM), transcript="x")
    assert read_wav(reply.audio) == (24000, 1, PCM) and reply.complete
    from_wav = AudioReply(ReplyAudio.from_file(pcm_to_wav(PCM, 16000, 2), "wav"))
    assert (from_wav.sample_rate, from_wav.channels, from_wav.pcm) == (16000, 2, PCM)


def test_a_24_bit_wav_becomes_pcm16() -> None:
    samples24 = b"".join(b"\x00" + PCM[i : i + 2] for i in range(0, len(PCM), 2))
    reply = AudioReply(ReplyAudio.from_file(pcm_to_wav(samples24, 16000, 1, 3), "wav"))
    assert (reply.sample_rate, reply.pcm, reply.duration) == (16000, PCM, len(PCM) / 32000)
    assert read_wav(reply.audio) == (16000, 1, PCM)


def test_text_reply_has_no_audio() -> None:
    events: list[Event] = [TextDelta("just "), TextDelta("text"), Usage({}, None), End("stop", True)]
    reply = AudioReply.from_events(events)
    assert reply.words == "just text" and len(reply.pcm) == 0 and reply.duration == 0.0
    assert reply.complete


def test_repr_is_short_and_has_no_audio() -> None:
    reply = AudioReply.from_sse([GOOD])
    text = repr(reply)
    assert "Hello <world>" in text and "complete" in text and len(text) < 200
    failed = AudioReply.from_sse([sse(done=False)])
    assert "incomplete" in repr(failed)


def test_parts_read_through_and_stay_out_of_reprs() -> None:
    origin = ReplyOrigin(model="openai/gpt-audio", id="gen-9", usage={"total_tokens": 3}, cost=0.25)
    outcome = ReplyOutcome(complete=False, error="cancelled", error_kind="cancelled")
    reply = AudioReply(ReplyAudio.from_pcm(PCM, 16000), transcript="hi", origin=origin, outcome=outcome)
    assert (reply.model, reply.id, reply.usage, reply.cost) == (origin.model, "gen-9", origin.usage, 0.25)
    assert (reply.complete, reply.error, reply.error_kind) == (False, "cancelled", "cancelled")
    assert reply.sample_rate == 16000 and reply.duration == len(PCM) / 32000
    assert repr(reply.sound) == f"<ReplyAudio wav 16000 Hz 1 ch, {len(PCM) / 32000:.2f} s>"
    again = pickle.loads(pickle.dumps(reply))  # noqa: S301 - our own bytes
    assert (again.transcript, again.cost, bytes(again.pcm), again.complete) == ("hi", 0.25, PCM, False)
