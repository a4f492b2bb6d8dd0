"""Turning what a cell says into a request: ``{name}`` substitution, audio sources, refused options."""

from __future__ import annotations

import difflib
import math
import os
import re
import string
from collections.abc import Mapping, Sequence
from typing import Any

from IPython.core.error import UsageError

_KEY_OPTION = re.compile(r"(?:^|\s)(--?(?:api[-_]?)?key)(?:=|\s|$)", re.IGNORECASE)
# An OpenRouter key written anywhere in the options (say after a mistyped flag, which argparse would echo).
_KEY_VALUE = re.compile(r"sk-or-[\w-]{6,}")
_URL = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)
_CELL_MAGIC = re.compile(r"%%oraudio(?:[ \t].*)?\n?$")

KEY_REFUSED = (
    "%oraudio does not take an API key option: whatever is written in a cell is saved in the notebook "
    "and shared with it. Run %oraudio_login (asks with getpass and keeps the key in memory), or set the "
    "OPENROUTER_API_KEY environment variable before starting Jupyter; or use %oraudio_config --offline."
)


def refuse_key(line: str) -> None:
    """Raise :class:`UsageError` when the options try to pass a key (it would be saved in the cell).

    The message never repeats the line, which may hold the key itself.
    """
    if _KEY_OPTION.search(line) or _KEY_VALUE.search(line):
        raise UsageError(KEY_REFUSED)


class _NamespaceFormatter(string.Formatter):
    """``str.format`` over the user namespace; a missing name is a :class:`UsageError` naming it."""

    def __init__(self, namespace: Mapping[str, Any]) -> None:
        self._ns = namespace

    def get_value(self, key: int | str, args: Sequence[Any], kwargs: Mapping[str, Any]) -> Any:
        if isinstance(key, int):
            raise UsageError("'{}' needs a variable name inside the braces; write '{{}}' for '{}'.")
        if key not in self._ns:
            raise UsageError(
                f"{{{key}}} in the prompt names no variable: define {key!r} first, or write "
                f"'{{{{{key}}}}}' for literal braces."
            )
        return self._ns[key]


def substitute(text: str, namespace: Mapping[str, Any]) -> str:
    """Fill ``{name}`` (also ``{name.attr}``, ``{name[0]}``, ``{name:.2f}``) from ``namespace``.

    ``{{`` and ``}}`` stand for literal braces, as in ``str.format``.
    """
    try:
        return _NamespaceFormatter(namespace).format(text)
    except UsageError:
        raise
    except (ValueError, AttributeError, LookupError, TypeError) as exc:
        raise UsageError(
            f"could not fill the prompt's {{...}} fields ({exc}); write '{{{{' and '}}}}' for literal braces."
        ) from None


def resolve_sources(tokens: Sequence[str], namespace: Mapping[str, Any]) -> list[Any]:
    """Each ``-i`` token as an audio source: a variable's value when it names one, else a path or URL."""
    sources: list[Any] = []
    for token in tokens:
        if token.isidentifier() and token in namespace:
            sources.append(_unwrap(namespace[token]))
        elif _URL.match(token):
            sources.append(token)
        elif token.isidentifier() and not os.path.exists(token):
            # a bare name is far more often a variable not yet defined than a file with no suffix
            raise UsageError(f"-i {token}: no variable or file named {token!r}. Run the cell that defines "
                             "it first, or give the file's path (with its suffix, e.g. speech.wav).")
        else:
            sources.append(os.path.expanduser(token))
    return sources


def _unwrap(value: Any) -> Any:
    """An earlier reply is sent as its audio file (headerless pcm16 as WAV, since it carries no rate);
    anything else goes to prepare_audio as it is."""
    audio = getattr(value, "audio", None)
    if isinstance(audio, bytes) and hasattr(value, "transcript") and hasattr(value, "mime_type"):
        if getattr(value, "format", None) == "pcm16":
            from ...core._wav import pcm_to_wav

            return pcm_to_wav(audio, value.sample_rate, value.channels)
        return audio
    return value


def validate_name(name: str | None) -> str | None:
    """``--out NAME`` must be a Python identifier (it becomes a variable)."""
    if name is not None and (not name.isidentifier() or name.startswith("__")):
        raise UsageError(f"--out needs a variable name, not {name!r}.")
    return name


def unquote(value: str | None) -> str | None:
    """``'a b'`` or ``"a b"`` -> ``a b``: IPython splits magic options keeping their quotes."""
    if value is not None and len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    return value


def unquote_options(args: Any, names: Sequence[str]) -> None:
    """Unquote the named string options of a parsed namespace in place (lists item by item)."""
    for name in names:
        value = getattr(args, name, None)
        if isinstance(value, list):
            setattr(args, name, [unquote(v) for v in value])
        elif isinstance(value, str):
            setattr(args, name, unquote(value))


def check_cell_options(args: Any) -> None:
    """Option values that would only fail after the (paid) request: refused now, as a UsageError."""
    validate_name(args.out)
    if args.text:
        spoken = [name for name, value in (("--voice", args.voice), ("--format", args.format),
                                           ("--save", args.save), ("--autoplay", args.autoplay)) if value]
        if spoken:
            verb = "is" if len(spoken) == 1 else "are"
            raise UsageError(f"{', '.join(spoken)} {verb} for a spoken reply, and --text asks for a written "
                             "one: drop one or the other.")
    for name, value in (("--max-tokens", args.max_tokens), ("--timeout", args.timeout),
                        ("--temperature", args.temperature)):
        if value is not None and not math.isfinite(value):
            raise UsageError(f"{name} must be a finite number, not {value}.")
        if value is not None and value <= 0 and name != "--temperature":
            raise UsageError(f"{name} must be positive, not {value}.")
    if args.save:
        from ...core._formats import format_from_suffix
        from ...errors import AudioFormatError

        try:
            format_from_suffix(args.save)  # --save must name a format the reply can be written in
        except AudioFormatError as exc:
            raise UsageError(f"--save {args.save}: {exc}") from None


def parse_options(magic: Any, line: str) -> Any:
    """``parse_argstring`` for ``magic``, whose UsageError for an unknown option names the closest one.

    (argparse says only "unrecognized arguments: --voise"; the reader wants "did you mean --voice?")
    """
    from IPython.core.magic_arguments import parse_argstring

    try:
        return parse_argstring(magic, line)
    except UsageError as exc:
        better = _suggest_option(magic, str(exc))
        if better is None:
            raise
    raise UsageError(better)


def _suggest_option(magic: Any, message: str) -> str | None:
    """The message for argparse's "unrecognized arguments: ...", with the nearest option; else None."""
    found = re.search(r"unrecognized arguments: (.*)", message)
    if found is None:
        return None
    unknown = [word for word in found.group(1).split() if word.startswith("-")]
    if not unknown:
        return None
    word = unknown[0].split("=", 1)[0]
    options = sorted(o for o in magic.parser._option_string_actions if o.startswith("--"))
    name = magic.__name__
    where = f"%%{name}?" if name == "oraudio" else f"%{name}?"
    close = difflib.get_close_matches(word if word.startswith("--") else "-" + word, options, n=1, cutoff=0.6)
    guess = f": did you mean {close[0]}?" if close else "."
    return f"%{name} has no option {word}{guess} {where} lists every option."


def give_empty_cells_a_body(lines: list[str]) -> list[str]:
    """An input transformer: a ``%%oraudio`` cell with nothing under its first line gets an empty line.

    IPython refuses a cell magic whose body is empty before the magic runs, asking "Did you mean the line
    magic?", which misleads for ``%%oraudio --say`` (the text to read is missing) and
    ``%%oraudio --transcribe -i F`` (complete as it is). With a blank body the magic itself runs, and says
    what is missing or does what was asked.
    """
    if len(lines) == 1 and _CELL_MAGIC.match(lines[0]):
        return [lines[0] if lines[0].endswith("\n") else lines[0] + "\n", "\n"]
    return lines
