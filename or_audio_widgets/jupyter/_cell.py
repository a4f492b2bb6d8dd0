"""What a ``%%oraudio`` cell asks for, and which of OpenRouter's three audio surfaces answers it.

``--say`` reads the cell aloud word for word with the speech model (``POST /audio/speech``);
``--transcribe`` writes down ``-i`` audio with the transcription model (``POST /audio/transcriptions``);
otherwise a chat model answers, unless ``-m`` names a speech or a transcription model, which then picks
its own surface. Everything a model cannot serve is refused before anything is sent.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from IPython.core.error import UsageError

from ._prompt import check_cell_options, resolve_sources, substitute

DEFAULT_TRANSCRIBE_PROMPT = "Transcribe this audio."
DEFAULT_LISTEN_PROMPT = "Listen to this audio and reply."
CHAT, SPEECH, TRANSCRIPTION = "chat", "speech", "transcription"


def build_request(magics: Any, args: Any, cell: str | None, catalogue: Any = None) -> Any:
    """The :class:`~._run.Request` of one cell; a UsageError for options that cannot go together."""
    from ._run import Request

    ns = magics.shell.user_ns if magics.shell is not None else {}
    tokens = list(args.input)
    if cell is not None and args.prompt:
        if not tokens:
            raise UsageError("%%oraudio takes its prompt from the cell body; put the words there.")
        tokens += args.prompt  # "%%oraudio -i a.wav b.wav": more sources
    prompt = substitute(cell if cell is not None else " ".join(args.prompt), ns).strip()
    sources = resolve_sources(tokens, ns)
    if not prompt and not sources:
        raise UsageError("Nothing to send: write a prompt (or give audio with -i).")
    surface = pick_surface(args, catalogue)
    check_cell_options(args)
    check_surface(args, surface, prompt, sources)
    if not prompt:
        prompt = DEFAULT_TRANSCRIBE_PROMPT if args.text else DEFAULT_LISTEN_PROMPT
    params = {k: v for k, v in (("temperature", args.temperature), ("max_tokens", args.max_tokens))
              if v is not None}
    spoken = surface == SPEECH or (surface == CHAT and not args.text)
    audio = {"voice": args.voice or (magics.speech_voice if surface == SPEECH else magics.voice),
             "format": args.format or magics.format} if spoken else None
    return Request(
        prompt=prompt, model=args.model or _default_model(magics, args, surface), audio=audio,
        sources=sources, system=substitute(args.system, ns) if args.system else None, params=params,
        embed=args.embed or magics.embed, embed_limit=magics.embed_limit,
        save=Path(args.save).expanduser() if args.save else None, autoplay=args.autoplay, surface=surface,
        out=args.out,
    )


def pick_surface(args: Any, catalogue: Any) -> str:
    """``--say``/``--transcribe`` say it outright; else a speech or transcription ``-m`` picks its own."""
    if args.say and args.transcribe:
        raise UsageError("--say reads text aloud and --transcribe writes audio down: choose one.")
    if args.say:
        return SPEECH
    if args.transcribe:
        return TRANSCRIPTION
    entry = catalogue.get(args.model) if args.model and catalogue is not None else None
    if entry is not None and entry.serves("speech"):
        return SPEECH
    if entry is not None and entry.serves("transcription"):
        return TRANSCRIPTION
    return CHAT


def check_surface(args: Any, surface: str, prompt: str, sources: list[Any]) -> None:
    """Options that make no sense on the surface chosen, refused before sending."""
    if surface == SPEECH:
        extra = [n for n, v in (("-i", sources), ("--text", args.text), ("--system", args.system),
                                ("--max-tokens", args.max_tokens), ("--temperature", args.temperature)) if v]
        if extra:
            raise UsageError(f"{', '.join(extra)}: not for reading a text aloud (--say or a speech model); "
                             "the cell is read word for word.")
        if not prompt:
            raise UsageError("Nothing to read aloud: write the text in the cell.")
    elif surface == TRANSCRIPTION:
        if len(sources) != 1:
            raise UsageError("Transcription takes exactly one audio source: give it with -i SOURCE.")
        if prompt:
            raise UsageError("A transcription model writes down what is said and takes no prompt: leave the "
                             "cell empty, or use --text with a chat model that listens to follow one.")
        extra = [n for n, v in (("--voice", args.voice), ("--format", args.format), ("--save", args.save),
                                ("--system", args.system), ("--max-tokens", args.max_tokens)) if v]
        if extra:
            raise UsageError(f"{', '.join(extra)}: not for a transcription model, which writes audio down.")


def _default_model(magics: Any, args: Any, surface: str) -> str:
    if surface == SPEECH:
        return str(magics.speech_model)
    if surface == TRANSCRIPTION:
        return str(magics.transcription_model)
    return str(magics.listen_model if args.text else magics.model)
