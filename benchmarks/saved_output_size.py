"""Bytes a 60-second spoken reply leaves in the notebook: ``--embed auto`` against IPython's ``Audio``.

The reply is real speech from the offline emulator (espeak-ng, 24 kHz pcm16, a minute long). Contenders,
each in a fresh interpreter (seconds and peak memory of building the output):

- ``IPython.display.Audio(wav)``: the WAV as a base64 data URI (what most notebooks do);
- ``--embed auto``: this package's saved record (a compressed MP3 copy above 2 MB, when ffmpeg is here);
- ``--embed auto, no ffmpeg``: the audio goes next to the notebook and is linked;
- ``--embed inline``: the WAV itself inline (the record's own overhead: waveform, transcript, usage).

Must reach: ``--embed auto`` at most 1/6 of ``IPython.display.Audio`` with ffmpeg present.

    python benchmarks/saved_output_size.py
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import emit, format_table, measure, median, run_contender

SENTENCE = ("The keeper climbed the spiral stairs each evening to light the lamp, and watched the ships "
            "pass in the dark water below.")
CONTENDERS = ["ipython-audio", "auto", "auto-no-ffmpeg", "inline"]


def make_reply_wav(folder: Path) -> Path:
    """A minute of real speech from the emulator, as a WAV file."""
    from or_audio_widgets import OpenRouterAudio, start_emulator

    with start_emulator(port=0) as emulator:
        client = OpenRouterAudio("offline", emulator.base_url, extra_headers={"X-Emulator-Seconds": "60"})
        reply = client.speak(" ".join([SENTENCE] * 14))
    path = folder / "reply.wav"
    path.write_bytes(reply.audio)
    (folder / "transcript.txt").write_text(reply.transcript, encoding="utf-8")
    return path


def child(name: str, folder: Path) -> None:
    from or_audio_widgets import AudioReply, ReplyAudio, ReplyOrigin
    from or_audio_widgets.jupyter import _saved

    wav = (folder / "reply.wav").read_bytes()
    transcript = (folder / "transcript.txt").read_text(encoding="utf-8")
    os.chdir(folder)

    def build() -> int:
        if name == "ipython-audio":
            from IPython.display import Audio

            return len(Audio(data=wav)._repr_html_())
        sound = ReplyAudio.from_file(wav, "wav")
        reply = AudioReply(sound, transcript=transcript, origin=ReplyOrigin(id="gen-bench"))
        if name == "auto-no-ffmpeg":
            _saved.compress = lambda reply: None  # type: ignore[assignment]
        placement = _saved.place_audio(reply, embed="inline" if name == "inline" else "auto")
        return len(_saved.saved_bundle(reply, placement)["text/html"])

    emit(measure(build))


def main() -> int:
    from or_audio_widgets.core._ffmpeg import find_ffmpeg

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        wav = make_reply_wav(folder)
        results = {}
        for name in CONTENDERS:
            runs = [run_contender([sys.executable, __file__, "--child", name, tmp]) for _ in range(3)]
            results[name] = {"bytes": runs[0]["value"], "seconds": median([r["seconds"] for r in runs]),
                             "peak": median([r["peak_bytes"] for r in runs])}
        wav_size = wav.stat().st_size
    base = results["ipython-audio"]["bytes"]
    rows = [[name, round(r["bytes"] / 1e6, 3), f"1/{base / r['bytes']:.1f}" if r["bytes"] < base else
             f"{r['bytes'] / base:.2f}x", r["seconds"], round(r["peak"] / 1e6, 1)]
            for name, r in results.items()]
    print(f"A 60-second reply ({wav_size / 1e6:.2f} MB WAV); ffmpeg: {find_ffmpeg() or 'not found'}")
    print(format_table(["contender", "MB in the notebook", "vs IPython Audio", "seconds", "peak MB"], rows))
    ratio = base / results["auto"]["bytes"]
    print(f"--embed auto is 1/{ratio:.1f} of IPython.display.Audio (must be at most 1/6): "
          f"{'OK' if ratio >= 6 or not find_ffmpeg() else 'NOT MET'}")
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2], Path(sys.argv[3]))
    else:
        sys.exit(main())
