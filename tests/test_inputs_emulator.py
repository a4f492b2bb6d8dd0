"""Audio sources of every kind and format, sent by the client to the emulator, which says what it decoded.

The emulator's reply has one line per audio part (``audio 1: format=wav duration=3.200s rate=16000 ...``):
the duration and rate it decoded must be the ones prepare_audio measured. Bad inputs never reach it.
"""

from __future__ import annotations

import functools
import http.server
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from _audio_samples import make_audio, make_recorder_webm
from IPython.display import Audio

from or_audio_widgets import OpenRouterAudio, prepare_audio
from or_audio_widgets.core._defaults import DEFAULT_LISTEN_MODEL
from or_audio_widgets.core._transcode import import_pydub
from or_audio_widgets.errors import AudioInputError

# A chat model that listens: its emulated reply describes each audio part it decoded.
LISTEN = DEFAULT_LISTEN_MODEL

AudioSegment = import_pydub().AudioSegment  # quietly: pydub imports the deprecated audioop

LINE = re.compile(r"audio (\d+): format=(\w+) duration=([\d.]+)s rate=(\d+) channels=(\d+)")


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("e2e")


@pytest.fixture(scope="module")
def file_server(folder: Path) -> Iterator[str]:
    """A plain HTTP server on 127.0.0.1 serving ``folder``, to download URL sources from."""
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    handler.log_message = lambda *args: None  # type: ignore[attr-defined]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join()


def heard(text: str) -> list[tuple[str, float, int, int]]:
    """(format, duration, rate, channels) for each part the emulator reports."""
    return [(m[2], float(m[3]), int(m[4]), int(m[5])) for m in LINE.finditer(text)]


def test_a_format_the_model_does_not_list_is_converted(client: OpenRouterAudio, folder: Path) -> None:
    # Google's documentation lists no m4a for Gemini: the client sends it as wav, same duration and rate.
    path = make_audio(folder, "m4a", seconds=1.2, rate=24000)
    reply = client.transcribe(path, model="google/gemini-2.5-flash")
    [(fmt, duration, rate, channels)] = heard(reply.text)
    assert fmt == "wav" and (rate, channels) == (24000, 1)
    assert duration == pytest.approx(1.2, abs=0.13)


def send(client: OpenRouterAudio, source: Any) -> tuple[str, float, int, int]:
    prepared = prepare_audio(source)
    reply = client.transcribe(prepared, model=LISTEN)
    [(fmt, duration, rate, channels)] = heard(reply.text)
    assert fmt == prepared.format
    assert duration == pytest.approx(prepared.duration, abs=0.002)
    assert rate == prepared.sample_rate and channels == prepared.channels
    return fmt, duration, rate, channels


@pytest.mark.parametrize("kind", ["wav", "wav24", "mp3", "flac", "ogg", "ogg-opus", "aiff", "aac", "m4a"])
def test_every_accepted_format_from_a_path(client: OpenRouterAudio, folder: Path, kind: str) -> None:
    path = make_audio(folder, kind, seconds=1.2, rate=24000 if kind != "ogg-opus" else 48000)
    # The client calls prepare_audio itself. Voxtral has no narrower format note than the API's own list,
    # so every accepted format goes out as it is.
    reply = client.transcribe(path, model="mistralai/voxtral-small-24b-2507")
    [(fmt, duration, rate, channels)] = heard(reply.text)
    assert fmt == {"wav24": "wav", "ogg-opus": "ogg"}.get(kind, kind)
    assert duration == pytest.approx(1.2, abs=0.13 if kind in ("aac", "m4a") else 0.002)
    assert (rate, channels) == (24000 if kind != "ogg-opus" else 48000, 1)


@pytest.mark.parametrize("target", ["pcm16", "pcm24"])
def test_raw_pcm_targets(client: OpenRouterAudio, folder: Path, target: str) -> None:
    prepared = prepare_audio(make_audio(folder, "wav", seconds=0.8, rate=16000), target=target)
    [(fmt, duration, rate, _)] = heard(client.transcribe(prepared, model=LISTEN).text)
    assert (fmt, rate) == (target, 24000)
    assert duration == pytest.approx(0.8, abs=0.002)


def test_webm_opus_is_accepted_without_naming_a_format(client: OpenRouterAudio, folder: Path) -> None:
    recording = make_recorder_webm(2.0)
    assert recording[:4] == b"\x1a\x45\xdf\xa3" and b"\x01\xff\xff\xff\xff\xff\xff\xff" in recording[:64]
    [(fmt, duration, rate, _)] = heard(client.transcribe(recording, model=LISTEN).text)
    assert (fmt, rate) == ("wav", 48000)
    assert duration == pytest.approx(2.0, abs=0.03)


def test_wma_is_converted(client: OpenRouterAudio, folder: Path) -> None:
    assert send(client, make_audio(folder, "wma", seconds=1.0))[0] == "wav"


def test_bytes_and_file_object(client: OpenRouterAudio, folder: Path) -> None:
    path = make_audio(folder, "mp3", seconds=1.0)
    assert send(client, path.read_bytes())[:2] == ("mp3", 1.0)
    with open(path, "rb") as handle:
        assert send(client, handle)[:2] == ("mp3", 1.0)


def test_numpy_pydub_and_ipython_sources(client: OpenRouterAudio, folder: Path) -> None:
    t = np.arange(16000) / 16000
    wave = 0.3 * np.sin(2 * np.pi * 220 * t)
    assert send(client, (wave, 16000)) == ("wav", 1.0, 16000, 1)
    stereo = (np.stack([wave, wave], axis=1) * 32767).astype(np.int16)
    assert send(client, (stereo, 16000)) == ("wav", 1.0, 16000, 2)
    segment = AudioSegment.from_file(make_audio(folder, "wav", seconds=0.5, rate=22050), format="wav")
    assert send(client, segment) == ("wav", 0.5, 22050, 1)
    assert send(client, Audio(wave, rate=16000)) == ("wav", 1.0, 16000, 1)


def test_url_is_downloaded_by_the_client(client: OpenRouterAudio, folder: Path, file_server: str) -> None:
    path = make_audio(folder, "flac", seconds=0.7)
    assert send(client, f"{file_server}/{path.name}") == ("flac", 0.7, 16000, 1)
    assert send(client, Audio(url=f"{file_server}/{path.name}", embed=False))[0] == "flac"


def test_several_sources_in_one_message_mixed_with_text(client: OpenRouterAudio, folder: Path,
                                                       emulator: Any) -> None:
    sources = [make_audio(folder, "wav", seconds=0.5), make_audio(folder, "ogg", seconds=1.0),
               make_audio(folder, "webm", seconds=1.5, rate=48000)]
    content = ["Compare these.", sources[0], "and", sources[1], sources[2]]
    events = list(client.stream([{"role": "user", "content": content}], model="google/gemini-2.5-flash"))
    text = "".join(getattr(event, "text", "") for event in events)
    assert [(f, d) for f, d, _, _ in heard(text)] == [("wav", 0.5), ("ogg", 1.0), ("wav", 1.5)]
    body = emulator.requests[-1].json
    kinds = [part["type"] for part in body["messages"][0]["content"]]
    assert kinds == ["text", "input_audio", "text", "input_audio", "input_audio"]


def test_mono_and_resample_shrink_what_is_sent(client: OpenRouterAudio, folder: Path) -> None:
    path = make_audio(folder, "wav", seconds=1.0, rate=44100, channels=2)
    prepared = prepare_audio(path, mono=True, sample_rate=16000, target="mp3")
    assert heard(client.transcribe(prepared, model=LISTEN).text) == [("mp3", 1.0, 16000, 1)]


def _bad_inputs(folder: Path, tmp: Path) -> list[tuple[Any, dict[str, Any], str, str]]:
    """(source, options, the name the error must give, what it must tell to do)."""
    whole = make_audio(folder, "wav", seconds=2.0).read_bytes()
    (tmp / "cut.wav").write_bytes(whole[: len(whole) // 2])
    m4a = make_audio(folder, "m4a", seconds=2.0).read_bytes()
    (tmp / "cut.m4a").write_bytes(m4a[: len(m4a) // 2])  # the index ("moov") is at the end: gone
    flac = make_audio(folder, "flac", seconds=2.0).read_bytes()
    (tmp / "scrambled.flac").write_bytes(flac[:42] + bytes((i * 91 + 7) % 253 for i in range(20_000)))
    (tmp / "empty.mp3").write_bytes(b"")
    (tmp / "noise.mp3").write_bytes(bytes((i * 91 + 7) % 253 for i in range(30_000)))
    (tmp / "notes.wav").write_text("not audio, just words " * 100)
    return [
        (tmp / "missing.wav", {}, r"missing\.wav", "Check the path"),
        (tmp / "empty.mp3", {}, r"empty\.mp3 is empty", "Check that the recording or export worked"),
        (tmp / "cut.wav", {}, r"cut\.wav is truncated", "Re-export or re-record it"),
        (tmp / "cut.m4a", {}, r"cut\.m4a", "complete, valid audio file"),
        (tmp / "scrambled.flac", {}, r"scrambled\.flac", "complete, valid audio file"),
        (tmp / "noise.mp3", {}, r"noise\.mp3", "format='pcm16', sample_rate="),
        (tmp / "notes.wav", {}, r"notes\.wav", "format='pcm16', sample_rate="),
        (b"\x00\x01" * 3000, {}, "audio bytes", "format='pcm16', sample_rate="),
        (make_audio(folder, "wav", seconds=2.0), {"max_bytes": 10_000}, r"wav-16000-1-2\.wav",
         "target='mp3', mono=True"),
        (make_audio(folder, "flac", seconds=2.0), {"max_seconds": 1}, r"flac-16000-1-2\.flac", "Trim it"),
    ]


def test_bad_inputs_fail_before_any_request(client: OpenRouterAudio, folder: Path, tmp_path: Path,
                                            emulator: Any) -> None:
    def sent() -> int:  # requests that carry audio (the cached GET /models may go first, as allowed)
        return sum(request.method == "POST" for request in emulator.requests)

    for source, options, name, remedy in _bad_inputs(folder, tmp_path):
        before = sent()
        with pytest.raises(AudioInputError) as caught:
            if options:
                client.transcribe(prepare_audio(source, **options), model=LISTEN)
            else:
                client.transcribe(source, model=LISTEN)
        assert re.search(name, str(caught.value)), (source, str(caught.value))
        assert remedy in str(caught.value), (source, str(caught.value))
        assert sent() == before, source
