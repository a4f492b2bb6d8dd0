"""An offline emulator of OpenRouter's audio API, for tests, demos and work without a key.

A real HTTP server on 127.0.0.1 (standard library only) speaking the live API's protocol: streamed
speech (espeak-ng) shaped like real captures, audio input decoded and described, the live API's
undocumented rules, and fault injection by request header; the speech endpoint (raw pcm or mp3) and the
transcription endpoint (pocketsphinx when installed); the model list with today's audio models. What could
not be checked against the live API is gathered in ``_assumptions``. See :func:`start_emulator`.

Control headers: ``X-Emulator-Fault`` (see ``_faults``), ``X-Emulator-Realtime`` (pacing factor,
0 = full speed), ``X-Emulator-Seconds`` (make the spoken reply exactly that long) and, on the audio
endpoints, ``X-Emulator-Latency`` (seconds to hold the answer back, like a provider's queue) and
``X-Emulator-Speech-Rate`` (speech pcm at that many Hz, as a provider with another native rate sends it).
Request bodies over ``max_body_bytes`` (32 MB unless ``start_emulator`` is told otherwise) get 413.
"""

from __future__ import annotations

import argparse
import signal
import sys
from types import FrameType

from ._models import MODELS
from ._recording import MAX_BODY_BYTES, RecordedRequest
from ._server import EmulatorHandle, start_emulator

__all__ = ["MAX_BODY_BYTES", "MODELS", "EmulatorHandle", "RecordedRequest", "main", "start_emulator"]


def main(argv: list[str] | None = None) -> int:
    """``python -m or_audio_widgets emulator [--port N] [--realtime X]``: serve until Ctrl-C."""
    parser = argparse.ArgumentParser(
        prog="python -m or_audio_widgets emulator",
        description="Run the offline emulator of OpenRouter's API on 127.0.0.1.",
    )
    parser.add_argument("--port", type=int, default=8765, help="port to listen on (0 = any free port)")
    parser.add_argument(
        "--realtime",
        type=float,
        default=0.0,
        help="audio pacing: 0 = as fast as possible (the default), 1 = speed of speech, 2 = twice that",
    )
    parser.add_argument("--quiet", action="store_true", help="do not log requests")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    try:
        handle = start_emulator(args.port, realtime=args.realtime, verbose=not args.quiet)
    except (OSError, ValueError) as exc:
        print(f"cannot start the emulator: {exc}", file=sys.stderr)
        return 1
    # SIGTERM (a service manager, `kill`, a background job whose SIGINT the shell ignores) stops it as
    # cleanly as Ctrl-C does.
    signal.signal(signal.SIGTERM, _interrupt)
    try:  # Ctrl-C may come at any moment, even while the banner prints
        print(f"Offline emulator of OpenRouter's API at {handle.base_url}", flush=True)
        pacing = f"{args.realtime:g}x the speed of speech" if args.realtime else "as fast as possible"
        print(f"  audio paced {pacing} (--realtime; a request's X-Emulator-Realtime header wins)", flush=True)
        print(f"  export OPENROUTER_BASE_URL={handle.base_url} OPENROUTER_API_KEY=offline", flush=True)
        print("Press Ctrl-C to stop.", flush=True)
        while not handle.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        handle.stop()
    return 0


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt
