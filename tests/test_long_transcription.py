"""transcribe() of recordings longer than one request: pieces cut at pauses, stitched, timed, journaled."""

from __future__ import annotations

import base64
import functools
import http.server
import io
import struct
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from _client_helpers import KEY, ctrl_c_after, hear_ctrl_c, wav_seconds

from or_audio_widgets import OpenRouterAudio
from or_audio_widgets.core._wav import pcm_to_wav
from or_audio_widgets.errors import OptionError

OFF = {"X-Emulator-Recognise": "off"}  # the words are not what these tests look at: the pieces are


def _tone(seconds: float, rate: int = 16000) -> bytes:
    n = int(seconds * rate)
    return struct.pack(f"<{n}h", *((6000 if (i // 20) % 2 else -6000) for i in range(n)))


def _talk(stretches: int, speech: float = 6.0, pause: float = 1.0, rate: int = 16000) -> bytes:
    pcm = b"".join(_tone(speech, rate) + bytes(2 * int(pause * rate)) for _ in range(stretches))
    return pcm_to_wav(pcm, rate, 1)


def _posts(emulator: Any) -> list[Any]:
    return [r.json for r in emulator.requests
            if r.method == "POST" and r.path.endswith("/audio/transcriptions")]


def audio_seconds(body: dict[str, Any]) -> float:
    return wav_seconds(base64.b64decode(body["input_audio"]["data"]))


def test_a_long_file_goes_in_pieces_cut_in_pauses_with_times_of_the_recording(
        client: OpenRouterAudio, emulator: Any, tmp_path: Path) -> None:
    path = tmp_path / "talk.wav"
    path.write_bytes(_talk(12))  # 84 s
    reply = client.transcribe(path, max_piece_seconds=20, headers=OFF, progress=False)
    sent = [audio_seconds(r) for r in _posts(emulator)]
    assert len(sent) >= 5 and all(s <= 20 for s in sent)
    assert sum(sent) == pytest.approx(84, abs=0.05)  # cut in pauses: nothing sent twice, nothing left out
    assert reply.complete and reply.usage["pieces"] == len(sent)
    assert reply.text.startswith("[offline emulator] heard") and reply.text.count("[offline emulator]") == 1
    assert reply.cost == pytest.approx(84 * 0.0001, rel=0.01)
    starts = [s.start for s in reply.segments]
    assert starts == sorted(starts) and starts[0] == 0
    assert reply.segments[-1].end == pytest.approx(84, abs=0.05)
    assert reply.to_srt().count("-->") == len(reply.segments)


def test_speech_with_no_pause_is_cut_by_force_and_overlaps(client: OpenRouterAudio, emulator: Any) -> None:
    wav = pcm_to_wav(_tone(50), 16000, 1)
    reply = client.transcribe(wav, max_piece_seconds=20, headers=OFF, progress=False)
    sent = [audio_seconds(r) for r in _posts(emulator)]
    assert len(sent) == 3 and sum(sent) == pytest.approx(50 + 2 * 2, abs=0.05)  # two 2 s overlaps
    assert reply.complete


def test_silence_only_sends_nothing(client: OpenRouterAudio, emulator: Any) -> None:
    reply = client.transcribe(pcm_to_wav(bytes(2 * 16000 * 45), 16000, 1), max_piece_seconds=20,
                              progress=False)
    assert _posts(emulator) == [] and reply.text == "" and reply.complete and reply.cost == 0


def test_a_header_that_lies_about_the_length_is_read_for_what_the_file_holds(
        client: OpenRouterAudio, emulator: Any, tmp_path: Path) -> None:
    wav = bytearray(_talk(6))  # 42 s
    struct.pack_into("<I", wav, 40, 10 * len(wav))  # the data chunk claims ten times what is there
    path = tmp_path / "liar.wav"
    path.write_bytes(bytes(wav))
    reply = client.transcribe(path, max_piece_seconds=20, headers=OFF, progress=False)
    assert sum(audio_seconds(r) for r in _posts(emulator)) == pytest.approx(42, abs=0.05)
    assert reply.segments[-1].end == pytest.approx(42, abs=0.05)


def test_a_piece_the_server_refuses_is_marked_where_it_was(client: OpenRouterAudio, emulator: Any) -> None:
    headers = {**OFF, "X-Emulator-Upstream-Budget": "12"}  # the provider runs out of time past 12 s
    long = pcm_to_wav(_tone(6) + bytes(32000) + _tone(15) + bytes(32000) + _tone(6), 16000, 1)
    reply = client.transcribe(long, max_piece_seconds=20, headers=headers, retries=1, progress=False)
    assert not reply.complete and "not transcribed" in (reply.error or "")
    assert "[... 0:" in reply.text and "not transcribed:" in reply.text and "timed out" in reply.text
    assert "heard" in reply.text  # the pieces that fit are there, in their place


def test_a_journal_resumes_and_refuses_another_model(client: OpenRouterAudio, emulator: Any,
                                                      tmp_path: Path) -> None:
    wav, journal = _talk(8), tmp_path / "talk.jsonl"
    first = client.transcribe(wav, max_piece_seconds=20, headers=OFF, journal=journal, progress=False)
    sent = len(_posts(emulator))
    again = client.transcribe(wav, max_piece_seconds=20, headers=OFF, journal=journal, progress=False)
    assert len(_posts(emulator)) == sent  # nothing sent twice
    assert again.text == first.text and again.cost == pytest.approx(first.cost)
    with pytest.raises(OptionError, match="another model"):
        client.transcribe(wav, model="google/chirp-3", max_piece_seconds=20, journal=journal, progress=False)


def test_word_times_come_from_verbose_json(client: OpenRouterAudio, emulator: Any) -> None:
    spoken = client.say("The quick brown fox jumps over the lazy dog.")
    reply = client.transcribe(spoken.audio, timestamps="word")
    body = _posts(emulator)[-1]
    assert body["response_format"] == "verbose_json" and body["timestamp_granularities"] == ["word"]
    assert len(reply.segments) >= 3
    assert all(0 <= s.start < s.end <= spoken.duration + 0.05 for s in reply.segments)
    assert "fox" in {s.text for s in reply.segments}


def test_a_model_without_times_refuses_verbose_json_and_gets_the_pieces_times(
        client: OpenRouterAudio, emulator: Any) -> None:
    wav = _talk(1)
    reply = client.transcribe(wav, model="google/chirp-3", timestamps="segment", headers=OFF)
    assert "response_format" not in _posts(emulator)[-1]
    assert [(s.start, round(s.end, 2)) for s in reply.segments] == [(0.0, 7.0)]


def test_ctrl_c_keeps_the_finished_pieces_and_a_rerun_sends_only_the_rest(
        client: OpenRouterAudio, emulator: Any, tmp_path: Path) -> None:
    wav, journal = _talk(16), tmp_path / "talk.jsonl"  # 112 s: 8 pieces of at most 20 s
    slow = {**OFF, "X-Emulator-Upstream-Speed": "20"}  # a 14 s piece takes 0.7 s
    hear_ctrl_c()
    timer = ctrl_c_after(1.0)
    try:
        with pytest.raises(KeyboardInterrupt, match=r"pieces done; run it again with journal="):
            client.transcribe(wav, max_piece_seconds=20, headers=slow, journal=journal, concurrency=2,
                              progress=False)
    finally:
        timer.cancel()
    kept = len(journal.read_text(encoding="utf-8").splitlines()) - 1  # the first line names the recording
    assert 1 <= kept < 8
    emulator.clear_requests()
    reply = client.transcribe(wav, max_piece_seconds=20, headers=OFF, journal=journal, progress=False)
    assert reply.complete and reply.usage["pieces"] == 8
    assert len(_posts(emulator)) == 8 - kept  # the pieces kept are not sent again
    assert reply.segments[-1].end == pytest.approx(112, abs=0.05)


def test_transcribe_many_takes_the_long_path_for_each_file(client: OpenRouterAudio, emulator: Any,
                                                          tmp_path: Path) -> None:
    from or_audio_widgets import transcribe_many

    files = []
    for n in (8, 2):
        files.append(tmp_path / f"talk{n}.wav")
        files[-1].write_bytes(_talk(n))
    results = transcribe_many(files, client=client, results=None, progress=False, max_piece_seconds=20,
                              headers=OFF)
    assert [r["status"] for r in results] == ["ok", "ok"]
    sent = [audio_seconds(r) for r in _posts(emulator)]
    assert len(sent) >= 4 and all(s <= 20 for s in sent)


def test_a_compressed_recording_is_decoded_once_and_cut(client: OpenRouterAudio, emulator: Any,
                                                         tmp_path: Path) -> None:
    from or_audio_widgets.core._ffmpeg import run_ffmpeg

    source = tmp_path / "talk.wav"
    source.write_bytes(_talk(6))  # 42 s
    mp3 = tmp_path / "talk.mp3"
    run_ffmpeg(["-i", str(source), "-c:a", "libmp3lame", "-b:a", "64k", str(mp3)], purpose="the test")
    temp = Path(tempfile.gettempdir())
    before = set(temp.glob("or-audio-long-*"))
    reply = client.transcribe(mp3, max_piece_seconds=20, headers=OFF, progress=False)
    sent = [audio_seconds(r) for r in _posts(emulator)]
    assert len(sent) >= 3 and sum(sent) == pytest.approx(42, abs=0.1)
    assert reply.complete and set(temp.glob("or-audio-long-*")) == before  # the decoded copy is gone


def test_the_emulator_plays_the_upstream_budget_and_verbose_json_rules(client: OpenRouterAudio) -> None:
    from or_audio_widgets.errors import APIError

    clip = _talk(1)  # 7 s
    with pytest.raises(APIError, match="timed out after 60 s transcribing 7 s") as refused:
        client.transcribe(clip, headers={**OFF, "X-Emulator-Upstream-Budget": "5"})
    assert refused.value.status == 408
    with pytest.raises(APIError, match="verbose_json") as refused:
        client.transcribe(clip, model="google/chirp-3", response_format="verbose_json", headers=OFF)
    assert refused.value.status == 400


@pytest.mark.parametrize("name", ["missing.wav", "empty.wav"])
def test_a_missing_or_empty_file_is_refused_before_anything_is_sent(client: OpenRouterAudio, emulator: Any,
                                                                     tmp_path: Path, name: str) -> None:
    from or_audio_widgets.errors import AudioInputError

    (tmp_path / "empty.wav").write_bytes(b"")
    with pytest.raises(AudioInputError, match=r"not found|is empty"):
        client.transcribe(tmp_path / name)
    assert emulator.requests == []  # not even the model list


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    """A folder and the URL of a plain HTTP server on 127.0.0.1 serving it (URL sources come from there)."""
    folder = tmp_path_factory.mktemp("served")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    handler.log_message = lambda *args: None  # type: ignore[attr-defined]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.handle_error = lambda *args: None  # type: ignore[method-assign]  # a download given up half way
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield folder, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join()


def _as(kind: str, wav: bytes, served: tuple[Path, str]) -> Any:
    """The 16 kHz talk ``wav`` as the source ``kind`` names, each one transcribe() takes."""
    import numpy as np

    pcm = wav[44:]
    if kind == "url":
        (served[0] / "talk.wav").write_bytes(wav)
        return f"{served[1]}/talk.wav?token=secret"
    if kind == "array":
        return np.frombuffer(pcm, dtype="<i2").astype(np.float32) / 32768, 16000
    if kind == "file object":
        return io.BytesIO(wav)
    if kind == "pcm16 part":  # headerless pcm16 is 24 kHz to the API: the same talk, resampled
        at_24k = np.repeat(np.frombuffer(pcm, dtype="<i2"), 3)[::2].astype("<i2").tobytes()
        return {"type": "input_audio", "input_audio": {"data": base64.b64encode(at_24k).decode(),
                                                       "format": "pcm16"}}
    return wav


@pytest.mark.parametrize("kind", ["url", "array", "file object", "pcm16 part", "bytes"])
def test_every_kind_of_source_goes_in_pieces_with_journal_and_marks(
        client: OpenRouterAudio, emulator: Any, tmp_path: Path, served: tuple[Path, str], kind: str) -> None:
    wav, journal = _talk(8), tmp_path / "talk.jsonl"  # 56 s
    budget = {**OFF, "X-Emulator-Upstream-Budget": "30"}
    reply = client.transcribe(_as(kind, wav, served), max_piece_seconds=20, headers=budget,
                              journal=journal, progress=False)
    sent = [audio_seconds(r) for r in _posts(emulator)]
    assert len(sent) >= 3 and all(s <= 20 for s in sent)
    assert sum(sent) == pytest.approx(56, abs=0.05)
    assert reply.complete and reply.usage["pieces"] == len(sent)
    assert reply.segments[-1].end == pytest.approx(56, abs=0.05)
    emulator.clear_requests()
    again = client.transcribe(_as(kind, wav, served), max_piece_seconds=20, headers=budget, journal=journal,
                              progress=False)
    assert _posts(emulator) == [] and again.text == reply.text  # the journal knows the same recording
    refused = client.transcribe(_as(kind, wav, served), max_piece_seconds=20, progress=False,
                                headers={**OFF, "X-Emulator-Upstream-Budget": "12"}, retries=0)
    assert not refused.complete and refused.text.count("not transcribed:") >= 1  # marked, not dropped


def test_a_short_source_of_any_kind_still_goes_whole(client: OpenRouterAudio, emulator: Any,
                                                     served: tuple[Path, str]) -> None:
    for kind in ("url", "array", "file object", "pcm16 part"):
        emulator.clear_requests()
        reply = client.transcribe(_as(kind, _talk(2), served), max_piece_seconds=20, headers=OFF)
        assert [round(audio_seconds(r)) for r in _posts(emulator)] == [14] and reply.complete


def test_a_url_is_downloaded_within_the_limit(client: OpenRouterAudio, emulator: Any, served: Any,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    from or_audio_widgets.client import _long_recording
    from or_audio_widgets.errors import AudioInputError

    monkeypatch.setattr(_long_recording, "DOWNLOAD_LIMIT", 500_000)
    url = _as("url", _talk(8), served)  # 1.8 MB
    with pytest.raises(AudioInputError, match="larger than the limit of 500,000 bytes") as refused:
        client.transcribe(url, max_piece_seconds=20, progress=False)
    assert "secret" not in str(refused.value) and _posts(emulator) == []


def test_the_piece_comes_from_the_model_list_then_the_table_and_max_piece_seconds_wins(
        client: OpenRouterAudio, emulator: Any) -> None:
    from or_audio_widgets.client._long_transcription import Limits, piece_limits, too_long
    from or_audio_widgets.core._catalogue import entry_from

    # the emulator lists google/chirp-3 at 600 s a request (its provider's 60 s budget); the table says 300
    listing = client.catalogue().get("google/chirp-3")
    assert listing is not None and listing.audio_seconds == 600 and listing.audio_bytes == 25_000_000
    wav = _talk(50, rate=8000)  # 350 s, 5.6 MB
    reply = client.transcribe(wav, model="google/chirp-3", headers=OFF, progress=False)
    assert len(_posts(emulator)) == 1 and reply.complete  # whole: the list says it fits
    emulator.clear_requests()
    with OpenRouterAudio(KEY, emulator.base_url, check_models=False) as unlisted:
        unlisted.transcribe(wav, model="google/chirp-3", headers=OFF, progress=False)
    assert len(_posts(emulator)) > 1  # no list: the table's 300 s, so in pieces
    emulator.clear_requests()
    client.transcribe(wav, model="google/chirp-3", headers=OFF, progress=False, max_piece_seconds=100)
    assert max(audio_seconds(r) for r in _posts(emulator)) <= 100
    small = entry_from({"id": "acme/stt", "max_audio_seconds": 500, "max_audio_bytes": 1_000_000})
    assert piece_limits("acme/stt", small, None) == Limits(500.0, 1_000_000)
    assert too_long(_talk(5), piece_limits("acme/stt", small, None))  # 35 s of 16 kHz: 1.1 MB, over
