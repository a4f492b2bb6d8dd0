"""What a ``%%oraudio`` cell asks for, and which of OpenRouter's audio surfaces answers it.

``--say`` reads the cell aloud word for word with the speech model (``POST /audio/speech``);
``--transcribe`` writes down ``-i`` audio with the transcription model (``POST /audio/transcriptions``);
otherwise a chat model answers, unless ``-m`` names a speech, transcription or music model, which then picks
its own surface (a music model composes the song the cell describes). Everything a model cannot serve is
refused before anything is sent.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from IPython.core.error import UsageError

from ...core._catalogue import MUSIC, SPEECH, TRANSCRIPTION
from ...errors import UnknownModelError
from ._prompt import check_cell_options, resolve_sources, substitute

DEFAULT_TRANSCRIBE_PROMPT = "Transcribe this audio."
DEFAULT_LISTEN_PROMPT = "Listen to this audio and reply."
# The surfaces are the catalogue's (core._catalogue); "chat" is either of its two chat surfaces.
CHAT = "chat"

# What %%oraudio? shows first, before the usage and the options: one example to copy per surface.
HELP_EXAMPLES = """Examples (the first line of each is the cell's first line):

  %%oraudio --voice nova
  In one short sentence, welcome me to audio in Jupyter.
      a chat model answers aloud (openai/gpt-audio-mini)

  %%oraudio --text -i meeting.m4a
  List the decisions taken in this meeting.
      a listening model answers in writing about the audio (google/gemini-2.5-flash)

  %%oraudio --say
  Every word of this cell is read aloud, as written.
      a speech model reads the text (openai/gpt-4o-mini-tts-2025-12-15)

  %oraudio --transcribe -i meeting.m4a
      a transcription model writes the recording down (openai/whisper-1)

  %%oraudio -m google/lyria-3-clip-preview
  A bright pop song about the sun, with a catchy chorus.
      a music model composes a 30 s clip: an MP3 and its lyrics, shown in time with it

%oraudio_models lists the models; %oraudio_config sets the defaults.

"""

NEEDS_INPUT = ("Nothing to transcribe: --transcribe writes down the audio you give with -i (a path, a URL, "
               "or the name of a variable holding audio). For example:\n    %oraudio --transcribe -i "
               "meeting.m4a")
NOTHING_TO_READ = ("Nothing to read aloud: --say reads the text written under the first line of the cell, "
                   "word for word, and there is none. For example:\n    %%oraudio --say\n    Every word "
                   "of this cell is read aloud.\nor on one line:  %oraudio --say Good morning!")
NOTHING_TO_COMPOSE = ("Nothing to compose: a music model makes the song the cell describes, and the cell is "
                      "empty. For example:\n    %%oraudio -m google/lyria-3-clip-preview\n    A bright pop "
                      "song about the sun, with a catchy chorus.")
NOTHING_TO_SEND = ("Nothing to send: write a prompt under the first line of the %%oraudio cell (or after "
                   "the options of a one-line %oraudio), or give audio with -i.")


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
    surface = pick_surface(args, catalogue)
    require_something(surface, prompt, sources)
    check_known_model(args, surface, catalogue)
    check_cell_options(args)
    check_surface(args, surface, prompt, sources)
    if not prompt:
        prompt = DEFAULT_TRANSCRIBE_PROMPT if args.text else DEFAULT_LISTEN_PROMPT
    params = {k: v for k, v in (("temperature", args.temperature), ("max_tokens", args.max_tokens))
              if v is not None}
    subtitles = {kind: Path(path).expanduser() for kind in ("srt", "vtt")
                 if (path := getattr(args, kind, None))}
    if subtitles:  # times are asked for only when subtitles are
        if surface != TRANSCRIPTION:
            raise UsageError("--srt and --vtt write a transcription's timed lines: use them with "
                             "--transcribe.")
        params["timestamps"] = "segment"
    spoken = surface == SPEECH or (surface == CHAT and not args.text)  # music takes no voice: no audio object
    audio = {"voice": args.voice or (magics.speech_voice if surface == SPEECH else magics.voice),
             "format": args.format or magics.format} if spoken else None
    return Request(
        prompt=prompt, model=args.model or _default_model(magics, args, surface), audio=audio,
        sources=sources, system=substitute(args.system, ns) if args.system else None, params=params,
        embed=args.embed or magics.embed, embed_limit=magics.embed_limit,
        save=Path(args.save).expanduser() if args.save else None, autoplay=args.autoplay, surface=surface,
        out=args.out, subtitles=subtitles,
    )


def pick_surface(args: Any, catalogue: Any) -> str:
    """``--say``/``--transcribe`` say it outright; else a speech or transcription ``-m`` picks its own."""
    if args.say and args.transcribe:
        raise UsageError("--say reads text aloud and --transcribe writes audio down: choose one.")
    if args.say:
        return SPEECH
    if args.transcribe:
        return TRANSCRIPTION
    if not args.model:
        return CHAT
    entry = catalogue.get(args.model) if catalogue is not None else None
    if entry is not None:
        for surface in (SPEECH, TRANSCRIPTION, MUSIC):
            if entry.serves(surface):
                return surface
        return CHAT
    from ...core._catalogue import looks_like_music_model

    return MUSIC if looks_like_music_model(args.model) else CHAT  # the list could not be read


def require_something(surface: str, prompt: str, sources: list[Any]) -> None:
    """What the surface needs first: audio to transcribe, a text to read aloud, or anything at all."""
    if surface == TRANSCRIPTION and not sources:
        raise UsageError(NEEDS_INPUT)
    if surface == SPEECH and not prompt:
        raise UsageError(NOTHING_TO_READ)
    if surface == MUSIC and not prompt:
        raise UsageError(NOTHING_TO_COMPOSE)
    if not prompt and not sources:
        raise UsageError(NOTHING_TO_SEND)


def check_known_model(args: Any, surface: str, catalogue: Any) -> None:
    """Refuse a ``-m`` the model list (when it could be read) does not name, with the nearest ids."""
    if not args.model or catalogue is None:
        return
    from ...core._catalogue import CHAT_OUT

    wanted = {SPEECH: SPEECH, TRANSCRIPTION: TRANSCRIPTION, MUSIC: MUSIC}.get(
        surface, None if args.text else CHAT_OUT)
    try:
        catalogue.require_known(args.model, wanted)
    except UnknownModelError as exc:
        raise UsageError(exc.explain("%oraudio_models")) from None


def check_surface(args: Any, surface: str, prompt: str, sources: list[Any]) -> None:
    """Options that make no sense on the surface chosen, refused before sending."""
    if surface == SPEECH:
        extra = [n for n, v in (("-i", sources), ("--text", args.text), ("--system", args.system),
                                ("--max-tokens", args.max_tokens), ("--temperature", args.temperature)) if v]
        if extra:
            raise UsageError(f"{', '.join(extra)}: not for reading a text aloud (--say or a speech model); "
                             "the cell is read word for word.")
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
    elif surface == MUSIC:
        extra = [n for n, v in (("-i", sources), ("--text", args.text), ("--voice", args.voice),
                                ("--format", args.format)) if v]
        if extra:
            raise UsageError(f"{', '.join(extra)}: not for a music model, which composes from the cell's "
                             "words alone and answers with an MP3 (save it under another format with "
                             "--save song.wav, or reply.save()).")


def _default_model(magics: Any, args: Any, surface: str) -> str:
    if surface == SPEECH:
        return str(magics.speech_model)
    if surface == TRANSCRIPTION:
        return str(magics.transcription_model)
    return str(magics.listen_model if args.text else magics.model)
