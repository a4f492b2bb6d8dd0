"""The audio formats the package knows: one table, asked by every layer.

For each format: its name, MIME type, file suffixes, whether the API takes it as input, streams it as
output, whether a reply can be kept in it, and how ffmpeg writes it. Also which input formats each model
family takes, and help when a server refuses one.

OpenRouter lists nine input formats, but providers read fewer: OpenAI's audio models take only wav and
mp3. :func:`format_refusal_hint` turns a refusal into a sentence naming a format that works, for the
client to add to its error; ``_for_model.prepare_for_model`` converts for a known model.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePath

from ..errors import AudioFormatError

#: Headerless pcm16/pcm24 carry no rate or layout; the API reads them as 24 kHz mono little-endian.
RAW_SAMPLE_RATE = 24000


@dataclass(frozen=True)
class Encoder:
    """How ffmpeg writes a format: the codec, the muxer, and the bit rate per channel (None: the codec's
    default, or lossless)."""

    codec: str
    muxer: str
    bitrate_per_channel: int | None = None

    def bitrate(self, channels: int | None) -> int | None:
        """Bits per second for ``channels`` (stereo when the count is not known yet)."""
        return self.bitrate_per_channel * (channels or 2) if self.bitrate_per_channel else None

    def codec_args(self) -> list[str]:
        """The ffmpeg option that picks the codec."""
        return ["-c:a", self.codec]

    def args(self, channels: int | None = None, bitrate: int | None = None) -> list[str]:
        """ffmpeg output options: codec, bit rate (``bitrate`` overrides the format's own), muxer."""
        rate = bitrate or self.bitrate(channels)
        return [*self.codec_args(), *(["-b:a", str(rate)] if rate else []), "-f", self.muxer]


@dataclass(frozen=True)
class AudioFormat:
    """One audio format, under the name the package uses for it everywhere.

    ``input``: the API takes it in an ``input_audio`` part. ``output``: a value of the API's
    ``audio.format`` (what a reply is asked in). ``wire``: a reply streamed in it can be read here.
    ``reply``: a reply can be kept, encoded and saved in it. ``compressed``: a compressed codec (reading
    or writing it needs ffmpeg). ``playable``: browsers play it in ``<audio>``. ``sample_width``: bytes
    per sample of a headerless format (0 for formats with a header). ``family``: formats whose files
    may hold each other's content (a ``.opus`` file sniffs as Ogg). ``link_suffix``: the suffix the
    package gives a file it writes for a browser (Ogg Opus as ``.ogg``, which every server serves as
    ``audio/ogg``).
    """

    name: str
    mime: str
    suffixes: tuple[str, ...] = ()
    encoder: Encoder | None = None
    input: bool = False
    output: bool = False
    wire: bool = False
    reply: bool = False
    compressed: bool = False
    playable: bool = False
    sample_width: int = 0
    family: str | None = None
    aliases: tuple[str, ...] = ()
    mime_aliases: tuple[str, ...] = ()
    link_suffix: str | None = None

    @property
    def suffix(self) -> str:
        """The suffix of a file of this format that the package writes (``.ogg`` for opus)."""
        return self.link_suffix or (self.suffixes[0] if self.suffixes else f".{self.name}")


def _table(*formats: AudioFormat) -> dict[str, AudioFormat]:
    return {fmt.name: fmt for fmt in formats}


# The order is the API's: input formats as OpenRouter lists them, output formats likewise.
FORMATS: dict[str, AudioFormat] = _table(
    AudioFormat("wav", "audio/wav", (".wav", ".wave"), Encoder("pcm_s16le", "wav"), input=True, output=True,
                wire=True, reply=True, playable=True, family="wave",
                mime_aliases=("audio/x-wav", "audio/wave", "audio/vnd.wave")),
    AudioFormat("mp3", "audio/mpeg", (".mp3", ".mpga"), Encoder("libmp3lame", "mp3", 64_000), input=True,
                output=True, wire=True, reply=True, compressed=True, playable=True,
                mime_aliases=("audio/mp3",)),
    AudioFormat("aiff", "audio/aiff", (".aiff", ".aif"), Encoder("pcm_s16be", "aiff"), input=True,
                family="aiff", mime_aliases=("audio/x-aiff",)),
    AudioFormat("aac", "audio/aac", (".aac",), Encoder("aac", "adts"), input=True, wire=True, reply=True,
                compressed=True, playable=True),
    # Vorbis: what "Ogg" means to the providers that list it (Google's audio/ogg is Ogg Vorbis).
    AudioFormat("ogg", "audio/ogg", (".ogg", ".oga"), Encoder("libvorbis", "ogg"), input=True, wire=True,
                reply=True, compressed=True, playable=True, family="ogg"),
    AudioFormat("flac", "audio/flac", (".flac",), Encoder("flac", "flac"), input=True, output=True, wire=True,
                reply=True, compressed=True, playable=True, mime_aliases=("audio/x-flac",)),
    # Ogg Opus: the API's output format "opus"; not an input format (it goes in as ogg).
    AudioFormat("opus", "audio/ogg", (".opus",), Encoder("libopus", "opus"), output=True, wire=True,
                reply=True, compressed=True, playable=True, family="ogg", link_suffix=".ogg",
                mime_aliases=("audio/opus",)),
    AudioFormat("m4a", "audio/mp4", (".m4a",), Encoder("aac", "ipod"), input=True, compressed=True,
                playable=True, family="mp4", mime_aliases=("audio/x-m4a",)),
    AudioFormat("pcm16", "audio/L16", (".pcm", ".raw", ".pcm16"), Encoder("pcm_s16le", "s16le"), input=True,
                output=True, wire=True, reply=True, sample_width=2, aliases=("s16le",),
                mime_aliases=("audio/pcm", "audio/raw")),
    AudioFormat("pcm24", "audio/L24", (".pcm24",), Encoder("pcm_s24le", "s24le"), input=True, wire=True,
                sample_width=3, aliases=("s24le",)),
    # Formats the sniffer recognises but the API does not take: converted before sending.
    AudioFormat("webm", "audio/webm", (".webm",), compressed=True, playable=True, family="matroska"),
    AudioFormat("mkv", "audio/x-matroska", (".mkv", ".mka"), compressed=True, family="matroska"),
    AudioFormat("mp4", "video/mp4", (".mp4",), compressed=True, family="mp4"),
    AudioFormat("aifc", "audio/aiff", (".aifc",), family="aiff"),
    AudioFormat("rf64", "audio/wav", (), family="wave"),
    AudioFormat("wma", "audio/x-ms-wma", (".wma", ".asf"), compressed=True),
    AudioFormat("caf", "audio/x-caf", (".caf",)),
    AudioFormat("amr", "audio/amr", (".amr",), compressed=True),
    AudioFormat("au", "audio/basic", (".au", ".snd")),
)

#: Input formats the API accepts in an ``input_audio`` part, in the API's order.
INPUT_FORMATS = tuple(name for name, fmt in FORMATS.items() if fmt.input)
ACCEPTED_FORMATS = frozenset(INPUT_FORMATS)
#: Values of the API's ``audio.format``: what a reply can be asked in, in the API's order.
OUTPUT_FORMATS = tuple(name for name, fmt in FORMATS.items() if fmt.output)
#: Formats a reply can be kept and saved in (``ReplyBuilder(format=...)``, ``AudioReply.save``).
REPLY_FORMATS = frozenset(name for name, fmt in FORMATS.items() if fmt.reply)
#: Formats a streamed reply can arrive in.
WIRE_FORMATS = frozenset(name for name, fmt in FORMATS.items() if fmt.wire)
#: Headerless input formats: 24 kHz mono little-endian samples, 16 or 24 bits.
RAW_FORMATS = tuple(name for name, fmt in FORMATS.items() if fmt.sample_width)


# ffmpeg's demuxer for each compressed format the sniffing names, for decoding while bytes arrive
# (``_live_decode``): read from a pipe, so only the formats a stream can carry.
LIVE_DEMUXERS = {"mp3": "mp3", "wav": "wav", "flac": "flac", "ogg": "ogg", "opus": "ogg", "vorbis": "ogg",
                 "aac": "aac", "adts": "aac", "webm": "matroska", "m4a": "mov"}


def audio_format(name: str) -> AudioFormat | None:
    """The format called ``name`` (any case; also ``aif``, ``wave``, ``.oga``, ``s16le``...), else None."""
    key = name.strip().lower()
    by_alias = next((fmt for fmt in FORMATS.values() if key in fmt.aliases), None)
    return FORMATS.get(key) or format_for_suffix(key) or by_alias


def encoder_of(name: str) -> Encoder:
    """How ffmpeg writes the format ``name``; :class:`AudioFormatError` when the package cannot write it."""
    fmt = FORMATS.get(name.lower())
    if fmt is None or fmt.encoder is None:
        writable = ", ".join(n for n, f in FORMATS.items() if f.encoder)
        raise AudioFormatError(f"cannot produce {name!r} audio; choose one of {writable}.")
    return fmt.encoder


def canonical_name(name: str) -> str:
    """The package's name for a format name or alias (``"AIF"`` -> ``"aiff"``); unknown names lowered."""
    fmt = audio_format(name)
    return fmt.name if fmt is not None else name.strip().lower().lstrip(".")


def is_compressed(name: str) -> bool:
    """Whether ``name`` is a compressed format (one that needs ffmpeg to read or write)."""
    fmt = FORMATS.get(name.lower())
    return fmt is not None and fmt.compressed


def mime_type(name: str) -> str:
    """The MIME type of an audio format name (``application/octet-stream`` when unknown)."""
    fmt = FORMATS.get(name.lower())
    return fmt.mime if fmt is not None else "application/octet-stream"


def suffix_for(name: str) -> str:
    """The suffix (without its dot) of a file of format ``name`` that the package writes: ``ogg`` for
    opus, ``pcm`` for pcm16, the name itself for an unknown format."""
    fmt = FORMATS.get(name.lower())
    return fmt.suffix.lstrip(".") if fmt is not None else name


def is_playable(name: str) -> bool:
    """Whether browsers play format ``name`` in ``<audio>``."""
    fmt = FORMATS.get(name.lower())
    return fmt is not None and fmt.playable


def format_for_mime(mime: str) -> AudioFormat | None:
    """The format a MIME type names (parameters such as ``; codecs=opus`` ignored), else None."""
    bare = mime.split(";")[0].strip().lower()
    for fmt in FORMATS.values():
        if bare == fmt.mime.lower() or bare in fmt.mime_aliases:
            return fmt
    return None


def format_for_suffix(suffix: str) -> AudioFormat | None:
    """The format a file suffix (``".mp3"`` or ``"mp3"``) belongs to, else None."""
    dotted = "." + suffix.lower().lstrip(".")
    return next((fmt for fmt in FORMATS.values() if dotted in fmt.suffixes), None)


def format_from_suffix(path: str | PurePath) -> str:
    """The reply format a file name asks for, from its suffix; :class:`AudioFormatError` if unknown."""
    suffix = PurePath(path).suffix.lower()
    fmt = format_for_suffix(suffix) if suffix else None
    if fmt is None or not fmt.reply:
        known = ", ".join(sorted(s for f in FORMATS.values() if f.reply for s in f.suffixes))
        what = suffix or "no suffix"
        raise AudioFormatError(f"cannot tell the audio format from {what!r}; use one of {known}")
    return fmt.name


def kin_of_suffix(suffix: str) -> frozenset[str] | None:
    """The formats content behind ``suffix`` may sniff as (its format and that format's family), or None
    when the suffix is not an audio one or names headerless samples, which no magic bytes can confirm."""
    fmt = format_for_suffix(suffix)
    if fmt is None or fmt.sample_width:
        return None
    if fmt.family is None:
        return frozenset({fmt.name})
    return frozenset(name for name, other in FORMATS.items() if other.family == fmt.family)


def picker_suffixes() -> list[str]:
    """Suffixes a file picker offers: every format the API takes or browsers play, headerless ones aside."""
    return [s for fmt in FORMATS.values() if (fmt.input or fmt.playable) and not fmt.sample_width
            for s in fmt.suffixes[:1]]


#: The MIME type a speech endpoint names headerless pcm with (its rate and channels follow as parameters).
PCM_CONTENT_TYPE = "audio/pcm"

#: What ``POST /audio/transcriptions`` takes (OpenRouter's speech-to-text guide lists these seven).
TRANSCRIPTION_FORMATS = ("wav", "mp3", "flac", "m4a", "ogg", "webm", "aac")

#: Formats each model family is documented to take, where that is narrower than the API's list
#: (OpenAI's audio models read only wav and mp3; Google's documentation lists these six).
MODEL_FORMATS: dict[str, frozenset[str]] = {
    "openai/": frozenset({"wav", "mp3"}),
    "google/": frozenset({"wav", "mp3", "aiff", "aac", "ogg", "flac"}),
}


def formats_for_model(model: str | None) -> frozenset[str]:
    """The input formats ``model`` is documented to take (the API's list when none narrower is known)."""
    for prefix, formats in MODEL_FORMATS.items():
        if model and model.startswith(prefix):
            return formats
    return ACCEPTED_FORMATS


def format_refusal_hint(model: str | None, sent_format: str | None, message: str = "") -> str | None:
    """For a 400 that refuses an audio format: a sentence naming a format that works, else None.

    The client calls this with the server's message and the format it sent, and adds the result as the
    error's hint.
    """
    lowered = message.lower()
    if sent_format is None or not any(word in lowered for word in ("format", "audio", "mime", "unsupported")):
        return None
    works = sorted(formats_for_model(model) - {sent_format}) or ["wav"]
    suggestion = "wav" if "wav" in works else works[0]
    return (
        f"{model or 'The model'} refused {sent_format} audio. Formats it is known to take: "
        f"{', '.join(works)}. Convert it first: prepare_audio(source, target={suggestion!r})."
    )
