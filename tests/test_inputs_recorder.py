"""A recording made by Chromium's own MediaRecorder (webm/opus, sizes unknown, no duration) goes in as it is.

Headless Chromium (Debian's) records its fake microphone, fed from a tone made here, in a page served from
127.0.0.1 (a secure context, so getUserMedia is there); nobody names a format anywhere.
"""

from __future__ import annotations

import base64
import re
import subprocess
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from or_audio_widgets import OpenRouterAudio, prepare_audio
from or_audio_widgets.core._defaults import DEFAULT_LISTEN_MODEL

pytestmark = pytest.mark.slow  # starts Chromium and records 1.5 s

CHROMIUM = "/usr/bin/chromium"
RECORD = """async (ms) => {
  const stream = await navigator.mediaDevices.getUserMedia({audio: true});
  const recorder = new MediaRecorder(stream);  // Chromium's default type: audio/webm;codecs=opus
  const chunks = [];
  recorder.ondataavailable = (event) => chunks.push(event.data);
  const stopped = new Promise((resolve) => { recorder.onstop = resolve; });
  recorder.start(250);  // in slices, as a live recorder does
  const started = performance.now();
  await new Promise((resolve) => setTimeout(resolve, ms));
  recorder.stop();
  await stopped;
  const seconds = (performance.now() - started) / 1000;
  stream.getTracks().forEach((track) => track.stop());
  const bytes = new Uint8Array(await new Blob(chunks).arrayBuffer());
  let text = "";
  for (const byte of bytes) text += String.fromCharCode(byte);
  return {mime: recorder.mimeType, b64: btoa(text), seconds};
}"""


@pytest.fixture(scope="module")
def recording(tmp_path_factory: pytest.TempPathFactory, emulator: Any) -> Iterator[dict[str, Any]]:
    folder = tmp_path_factory.mktemp("recorder")
    mic = folder / "mic.wav"
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-f", "lavfi", "-i",
                    "sine=frequency=440:sample_rate=48000:duration=10", str(mic)], check=True)
    # A thread of its own: the browser tests keep a session-wide Playwright whose event loop counts as
    # running in the main thread, and the sync API refuses to start inside a running loop.
    with ThreadPoolExecutor(max_workers=1) as pool:
        taken = pool.submit(_record, mic, emulator.base_url).result(timeout=120)
    yield {"mime": taken["mime"], "data": base64.b64decode(taken["b64"]), "seconds": taken["seconds"]}


def _record(mic: Path, base_url: str) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    args = ["--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-dev-shm-usage",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--disable-quic", "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
            f"--use-file-for-fake-audio-capture={mic}",
            "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=args)
        try:
            page = browser.new_context(permissions=["microphone"]).new_page()
            page.goto(f"{base_url}/models")  # any page of 127.0.0.1
            taken: dict[str, Any] = page.evaluate(RECORD, 1500)
        finally:
            browser.close()
    return taken


def test_chromium_records_webm_opus(recording: dict[str, Any]) -> None:
    assert recording["mime"].startswith("audio/webm")
    assert recording["data"][:4] == b"\x1a\x45\xdf\xa3" and b"webm" in recording["data"][:64]
    assert b"A_OPUS" in recording["data"][:400]


def test_the_recording_is_converted_and_accepted_without_naming_a_format(recording: dict[str, Any],
                                                                         client: OpenRouterAudio) -> None:
    prepared = prepare_audio(recording["data"])
    assert (prepared.format, prepared.converted_from, prepared.sample_rate) == ("wav", "webm", 48000)
    assert prepared.duration == pytest.approx(recording["seconds"], abs=0.4)
    text = client.transcribe(recording["data"], model=DEFAULT_LISTEN_MODEL).text  # a listening chat model
    match = re.search(r"audio 1: format=(\w+) duration=([\d.]+)s rate=(\d+)", text)
    assert match and match[1] == "wav" and int(match[3]) == 48000
    assert float(match[2]) == pytest.approx(prepared.duration, abs=0.002)
