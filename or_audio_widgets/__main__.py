"""Command line: ``python -m or_audio_widgets {replay,emulator} ...``."""

from __future__ import annotations

import sys

_USAGE = """usage: python -m or_audio_widgets COMMAND [ARGS]

commands:
  replay FILE.sse -o OUT.wav   reassemble a captured stream: write the audio, print the transcript
  emulator [--port N] [--realtime X]
                               run the offline emulator of OpenRouter's API on 127.0.0.1
Run a command with --help for its options.
"""


def main(argv: list[str] | None = None) -> int:
    """Dispatch to a subcommand; each is imported only when used."""
    args = sys.argv[1:] if argv is None else argv
    if not args or args[0] in ("-h", "--help"):
        print(_USAGE, end="")
        return 0 if args else 2
    command, rest = args[0], args[1:]
    if command == "replay":
        from .core._replay import main as run
    elif command == "emulator":
        from .emulator import main as run
    else:
        print(f"unknown command {command!r}\n\n{_USAGE}", end="", file=sys.stderr)
        return 2
    return run(rest)


if __name__ == "__main__":
    sys.exit(main())
