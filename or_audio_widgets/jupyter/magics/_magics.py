"""``%%oraudio``, ``%oraudio``, ``%oraudio_config``, ``%oraudio_login`` and ``%oraudio_models``.

The magics class is a traitlets ``Configurable``: ``%config OrAudioMagics.voice = "nova"`` and
``c.OrAudioMagics.voice = "nova"`` in ``ipython_config.py`` set the same defaults as ``%oraudio_config``.

Which model answers: ``-m`` when given; else audio out (the default) uses ``model``
(``openai/gpt-audio-mini``), also when ``-i`` sends audio in; ``--text`` (a text reply) uses
``listen_model`` (``google/gemini-2.5-flash``); ``--say`` reads the cell aloud with ``speech_model``
and ``--transcribe`` writes ``-i`` audio down with ``transcription_model`` (see ``_cell``).
"""

from __future__ import annotations

import getpass
from typing import Any

from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_cell_magic, line_magic, magics_class, no_var_expand
from IPython.core.magic_arguments import argument, magic_arguments
from traitlets import Bool, Dict, Enum, Float, Int, Unicode

from ...core._defaults import (
    DEFAULT_FORMAT,
    DEFAULT_LISTEN_MODEL,
    DEFAULT_SPEAK_MODEL,
    DEFAULT_SPEECH_MODEL,
    DEFAULT_SPEECH_VOICE,
    DEFAULT_TRANSCRIBE_MODEL,
    DEFAULT_VOICE,
)
from ...core._formats import OUTPUT_FORMATS
from .._saved import DEFAULT_EMBED_LIMIT, EMBED_POLICIES
from .._session import KernelSession, ReadyClient, env_offline
from ._cell import DEFAULT_LISTEN_PROMPT, DEFAULT_TRANSCRIBE_PROMPT, HELP_EXAMPLES, build_request
from ._config_view import plain_help
from ._prompt import give_empty_cells_a_body, parse_options, refuse_key, unquote_options

__all__ = ["DEFAULT_LISTEN_PROMPT", "DEFAULT_TRANSCRIBE_PROMPT", "OrAudioMagics"]


@magics_class
class OrAudioMagics(Magics):
    """OpenRouter audio in notebooks: stream a spoken (or text) reply and keep a playable record."""

    model = Unicode(DEFAULT_SPEAK_MODEL, help="Model for audio replies (also with audio in).").tag(
        config=True)
    listen_model = Unicode(DEFAULT_LISTEN_MODEL, help="Model for text replies (--text).").tag(config=True)
    voice = Unicode(DEFAULT_VOICE, help="Voice of audio replies.").tag(config=True)
    speech_model = Unicode(DEFAULT_SPEECH_MODEL, help="Model that reads text aloud (--say).").tag(config=True)
    speech_voice = Unicode(DEFAULT_SPEECH_VOICE, help="Voice of --say.").tag(config=True)
    transcription_model = Unicode(DEFAULT_TRANSCRIBE_MODEL, help="Model of --transcribe.").tag(config=True)
    format = Enum(OUTPUT_FORMATS, DEFAULT_FORMAT, help="Audio format of replies.").tag(config=True)
    base_url = Unicode("", help="API base URL; empty: $OPENROUTER_BASE_URL, else OpenRouter.").tag(
        config=True)
    embed = Enum(EMBED_POLICIES, "auto", help="Where saved audio goes: auto|inline|file|none.").tag(
        config=True)
    embed_limit = Int(DEFAULT_EMBED_LIMIT, help="Bytes of audio --embed auto inlines as is.").tag(config=True)
    offline = Bool(None, allow_none=True, help="Use the offline emulator; None: $OR_AUDIO_OFFLINE.").tag(
        config=True)
    timeout = Float(60.0, help="Seconds to wait between two bytes of a reply.").tag(config=True)
    live_player = Enum(
        ("auto", "on", "off"), "auto",
        help="Play audio during the stream with the live widget: auto = when a Jupyter front end is "
        "attached (JupyterLab, Notebook 7, VS Code, Colab), not in nbclient/nbconvert/papermill runs.",
    ).tag(config=True)
    headers = Dict(value_trait=Unicode(), help="Extra HTTP headers sent with every request.").tag(config=True)

    def __init__(self, shell: Any = None, **kwargs: Any) -> None:
        super().__init__(shell=shell, **kwargs)
        self._session = KernelSession()
        # So that an empty %%oraudio cell reaches the magic, which says what is missing. It stays as long
        # as the magic does (unloading the extension does not unregister magics, so not it either).
        cleanup = getattr(shell, "input_transformers_cleanup", None)
        if isinstance(cleanup, list) and give_empty_cells_a_body not in cleanup:
            cleanup.append(give_empty_cells_a_body)

    def close(self) -> None:
        """Stop the offline emulator and forget the in-memory key."""
        self._session.close()

    @staticmethod
    def _parse(magic: Any, line: str, quoted: tuple[str, ...] = ()) -> Any:
        """Refuse a key option, parse ``line`` with ``magic``'s arguments, unquote the ``quoted`` ones."""
        refuse_key(line)
        args = parse_options(magic, line)
        unquote_options(args, quoted)
        return args

    # --- %%oraudio --------------------------------------------------------------------------------------

    @no_var_expand
    @magic_arguments()
    @argument("-m", "--model", help="model id (default: %%oraudio_config)")
    @argument("--voice", help="voice of the reply (alloy, echo, fable, onyx, nova, shimmer, ...)")
    @argument("--format", choices=OUTPUT_FORMATS, help="audio format you get back")
    @argument("-i", "--input", action="append", default=[], metavar="SOURCE",
              help="audio to send: a path, URL or name of a variable holding audio; repeat -i for more "
                   "(in the cell form, words after -i SOURCE are more sources)")
    @argument("--system", help="system prompt")
    @argument("--temperature", type=float, help="sampling temperature (e.g. 0.7)")
    @argument("--max-tokens", type=int, help="at most this many tokens in the reply")
    @argument("--text", action="store_true", help="a text reply (no audio out)")
    @argument("--say", action="store_true", help="read the cell aloud, word for word (speech model)")
    @argument("--transcribe", action="store_true", help="write -i audio down (transcription model)")
    @argument("--srt", metavar="PATH", help="with --transcribe: write the timed lines as SubRip subtitles")
    @argument("--vtt", metavar="PATH", help="with --transcribe: write the timed lines as WebVTT subtitles")
    @argument("--out", metavar="NAME", help="also store the reply in this variable (always in _oraudio)")
    @argument("--save", metavar="PATH", help="write the audio to PATH (format from the suffix)")
    @argument("--embed", choices=EMBED_POLICIES, help="where the saved audio goes (default auto)")
    @argument("--autoplay", action="store_true", help="play the saved audio as soon as it is shown")
    @argument("--timeout", type=float, help="seconds to wait between two bytes of the reply")
    @argument("prompt", nargs="*", help="the prompt (one-line form); {name} is filled from your variables")
    @line_cell_magic
    def oraudio(self, line: str, cell: str | None = None) -> None:
        """Ask a model and stream its spoken (or, with --text, written) reply.

        The cell body (or the rest of the line) is the prompt; {name} is replaced by the value of the
        variable name, {{ and }} stand for literal braces. The reply, also a partial one, is kept in
        _oraudio (and in the variable --out NAME names); a cell that fails before any reply leaves the
        previous one there, as _ does.

        Models: a spoken reply (also with -i audio in) uses openai/gpt-audio-mini, --text uses
        google/gemini-2.5-flash, --say openai/gpt-4o-mini-tts-2025-12-15 and --transcribe
        openai/whisper-1; change them with -m or %oraudio_config (a speech or transcription -m picks its
        surface itself). --embed auto keeps replies of a second or more as a compressed MP3 (with
        ffmpeg), --embed inline as they are. There is no option for the API key: it would be saved in
        the notebook; use %oraudio_login or OPENROUTER_API_KEY (or %oraudio_config --offline).
        """
        args = self._parse(self.oraudio, line, ("model", "voice", "input", "system", "out", "save"))
        request = build_request(self, args, cell, self._catalogue_for(args))
        connection = self._connect(args.timeout)
        player = self._live_player(request)
        from ._run import execute

        reply, interrupted = execute(request, connection, player=player,
                                     store=lambda received: self._store(received, args.out))
        if interrupted:
            from ._run import CellError

            what = "the partial reply is kept in _oraudio." if reply is not None else "no reply had arrived."
            raise CellError("Cancelled", what, notice=connection.notice)

    def _catalogue_for(self, args: Any) -> Any:
        """The model list, when ``-m`` names a model: to refuse an unknown id before anything is sent,
        and because a speech or transcription model picks its own surface."""
        if not args.model:
            return None
        return self._connect(args.timeout).client.catalogue()

    def _connect(self, timeout: float | None) -> ReadyClient:
        from ...errors import OpenRouterAudioError
        from ._run import CellError

        try:
            return self._session.connect(offline=self.is_offline(), base_url=self.base_url or None,
                                         timeout=timeout or self.timeout, headers=dict(self.headers))
        except OpenRouterAudioError as exc:  # no key, a key that cannot be sent, a timeout that is not finite
            raise CellError(type(exc).__name__, str(exc)) from None

    def is_offline(self) -> bool:
        """True when replies come from the in-process offline emulator."""
        return env_offline() if self.offline is None else bool(self.offline)

    def _live_player(self, request: Any) -> Any:
        """The live widget when audio comes back and a kernel with a front end is there, else None."""
        sounds = request.audio is not None or request.surface == "music"  # music has no audio object
        if self.live_player == "off" or not sounds or getattr(self.shell, "kernel", None) is None:
            return None
        from ._display import front_end_attached  # lazily: the streaming core is not needed to load

        if self.live_player == "auto" and not front_end_attached(self.shell):
            return None
        try:
            from ..widgets._player import LivePlayer
        except ImportError:
            return None
        return LivePlayer(sample_rate=24000)

    def _store(self, reply: Any, out: str | None) -> None:
        if reply is not None:
            self._session.tally(reply)
        if reply is None or self.shell is None:
            return
        self.shell.user_ns["_oraudio"] = reply
        if out:
            self.shell.user_ns[out] = reply

    # --- %oraudio_config, %oraudio_login, %oraudio_models ------------------------------------------------

    @magic_arguments()
    @argument("-m", "--model", help="model for audio replies")
    @argument("--listen-model", help="model for text replies (--text)")
    @argument("--voice")
    @argument("--speech-model", help="model that reads text aloud (--say)")
    @argument("--speech-voice", help="voice of --say")
    @argument("--transcription-model", help="model of --transcribe")
    @argument("--format", choices=OUTPUT_FORMATS)
    @argument("--base-url", help="API base URL ('' for $OPENROUTER_BASE_URL or OpenRouter)")
    @argument("--embed", choices=EMBED_POLICIES)
    @argument("--embed-limit", type=float, metavar="MB", help="megabytes --embed auto inlines as is")
    @argument("--offline", action="store_true", help="use the built-in offline emulator")
    @argument("--online", action="store_true", help="use OpenRouter even when OR_AUDIO_OFFLINE is set")
    @line_magic
    def oraudio_config(self, line: str) -> None:
        """Show the defaults of %%oraudio, or set them (also settable with %config OrAudioMagics)."""
        names = ("model", "listen_model", "voice", "speech_model", "speech_voice", "transcription_model")
        args = self._parse(self.oraudio_config, line, (*names, "base_url"))
        if args.offline and args.online:
            raise UsageError("--offline and --online contradict each other; choose one.")
        if args.embed_limit is not None and not 0 <= args.embed_limit < float("inf"):  # NaN fails too
            raise UsageError("--embed-limit must be zero or more megabytes.")
        for name in (*names, "format", "base_url", "embed"):
            value = getattr(args, name)
            if value is not None:
                setattr(self, name, value)
        if args.embed_limit is not None:
            self.embed_limit = int(args.embed_limit * 1_000_000)
        if args.offline or args.online:
            self.offline = bool(args.offline)
        from IPython.display import display

        from ._config_view import settings_rows
        from ._tables import bundle

        display(bundle(["setting", "value"], settings_rows(self), caption="%oraudio defaults"), raw=True)

    @line_magic
    def oraudio_login(self, line: str) -> None:
        """Ask for the OpenRouter API key (not echoed) and keep it in memory for this kernel only.

        ``%oraudio_login --forget`` drops it. The key is never written to the notebook.
        """
        option = line.strip()
        if option == "--forget":
            self._session.logout()
            print("The key given to %oraudio_login is forgotten.")
            return
        if option:
            # Never echo what was typed: it may well be the key itself.
            raise UsageError("%oraudio_login takes no argument (only --forget): it asks for the key itself, "
                             "so the key is never written in a cell.")
        key = getpass.getpass("OpenRouter API key (kept in memory only): ")
        if not key.strip():
            print("No key given; nothing changed.")
            return
        self._session.login(key)
        del key
        message = "Key kept in memory for this kernel (never saved); %oraudio_login --forget drops it."
        if self.is_offline():
            message += " Offline mode is on: run %oraudio_config --online to use the key."
        print(message)

    @magic_arguments()
    @argument("--input", action="store_true", help="only models that take audio in")
    @argument("--output", action="store_true", help="only models that speak")
    @line_magic
    def oraudio_models(self, line: str) -> None:
        """Show the audio models by kind (chat audio out, chat audio in, speech, transcription, music) with
        voices and prices, or only the chat models with --input / --output audio."""
        args = self._parse(self.oraudio_models, line)
        connection = self._connect(None)
        from IPython.display import display

        from ...core._catalogue import CHAT_IN, CHAT_OUT
        from ...errors import OpenRouterAudioError
        from ._models_table import HEADERS, NOWRAP, NUMERIC, kind_rows
        from ._run import error_from
        from ._tables import bundle

        surfaces = (CHAT_IN,) * args.input + (CHAT_OUT,) * args.output
        try:
            rows = kind_rows(connection.client.catalogue(refresh=True), surfaces)
        except OpenRouterAudioError as exc:
            raise error_from(exc, connection.notice) from None
        if args.input and args.output:  # chat models that take audio in and speak
            rows = [row for row in rows if row[1] == "chat (audio in and out)"]
        what = {(True, False): "chat models with audio in", (False, True): "chat models that speak",
                (True, True): "chat models with audio in and out"}.get((args.input, args.output),
                                                                        "audio models")
        caption = f"{len(rows)} {what}" + (f" ({connection.notice})" if connection.notice else "")
        display(bundle(HEADERS, rows, caption=caption, numeric=NUMERIC, nowrap=NOWRAP), raw=True)


plain_help(OrAudioMagics.oraudio, OrAudioMagics.oraudio_config, OrAudioMagics.oraudio_login,
           OrAudioMagics.oraudio_models)
# IPython starts %%oraudio? with the usage line and its dozen options; someone new wants an example first.
OrAudioMagics.oraudio.__doc__ = HELP_EXAMPLES + (OrAudioMagics.oraudio.__doc__ or "")
