"""The format registry (core/_formats.py): consistent with itself, with ffmpeg and with the sniffer, and the
only place in the package that names MIME types, ffmpeg codecs or tables of formats."""

from __future__ import annotations

import ast
import math
import re
import struct
from collections.abc import Sequence
from pathlib import Path

import pytest

from or_audio_widgets.core import _ffmpeg, _formats, _transcode
from or_audio_widgets.core._formats import FORMATS, AudioFormat
from or_audio_widgets.core._sniff import sniff
from or_audio_widgets.errors import AudioFormatError

PACKAGE = Path(__file__).resolve().parent.parent / "or_audio_widgets"
REGISTRY = PACKAGE / "core" / "_formats.py"
PCM = struct.pack("<4800h", *(int(8000 * math.sin(2 * math.pi * 440 * i / 24000)) for i in range(4800)))
WRITTEN = [fmt for fmt in FORMATS.values() if fmt.encoder is not None]


def test_names_suffixes_and_mime_types_agree() -> None:
    seen: dict[str, str] = {}
    for name, fmt in FORMATS.items():
        assert fmt.name == name and name == name.lower()
        assert re.fullmatch(r"(audio|video)/[\w.+-]+", fmt.mime), fmt
        for suffix in fmt.suffixes:
            assert suffix.startswith(".") and suffix == suffix.lower(), fmt
            assert seen.setdefault(suffix, name) == name, f"{suffix} belongs to {seen[suffix]} and {name}"
            assert _formats.format_for_suffix(suffix) is fmt
        assert _formats.audio_format(name.upper()) is fmt
        assert _formats.mime_type(name) == fmt.mime
        mime_owner = _formats.format_for_mime(f"{fmt.mime}; codecs=x")
        assert mime_owner is not None and mime_owner.mime == fmt.mime
        for alias in fmt.mime_aliases:
            assert _formats.format_for_mime(alias.upper()) is fmt


def test_the_roles_fit_together() -> None:
    for fmt in FORMATS.values():
        if fmt.output or fmt.reply:
            assert fmt.wire, f"{fmt.name}: a reply in it arrives on the wire or is built from what does"
        if fmt.reply:
            assert fmt.encoder is not None and fmt.suffixes, f"{fmt.name}: a reply must be writable, savable"
        if fmt.sample_width:
            assert fmt.encoder is not None and fmt.encoder.muxer.endswith("le") and not fmt.compressed
    assert _formats.OUTPUT_FORMATS == ("wav", "mp3", "flac", "opus", "pcm16")  # the API's own order
    assert _formats.INPUT_FORMATS == ("wav", "mp3", "aiff", "aac", "ogg", "flac", "m4a", "pcm16", "pcm24")
    assert _formats.RAW_FORMATS == ("pcm16", "pcm24")
    assert set(_formats.REPLY_FORMATS) <= set(_formats.WIRE_FORMATS)


@pytest.mark.parametrize(("name", "expected"), [("AIF", "aiff"), ("wave", "wav"), (".oga", "ogg"),
                                                ("pcm", "pcm16"), ("s16le", "pcm16"), ("xyz", "xyz")])
def test_aliases_name_one_format(name: str, expected: str) -> None:
    assert _formats.canonical_name(name) == expected


@pytest.mark.parametrize("fmt", WRITTEN, ids=lambda f: f.name)
def test_what_ffmpeg_writes_is_what_the_registry_says(fmt: AudioFormat) -> None:
    source = [*_ffmpeg.raw_input_args("pcm16", 24000), "-i", "pipe:0"]
    data = _ffmpeg.encode(source, fmt.name, data=PCM, purpose="the test")
    if fmt.sample_width:  # headerless: exactly the samples, at the format's width
        assert len(data) == len(PCM) // 2 * fmt.sample_width
        return
    found = sniff(data)
    expected = _formats.kin_of_suffix(fmt.suffixes[0])
    assert found is not None and expected is not None and found.format in expected, (fmt.name, found)
    if fmt.reply:  # and a reply's own encoder gives the same kind of file
        assert sniff(_transcode.encode_pcm(PCM, fmt.name)) == found


def test_mp3_bitrate_follows_the_channels() -> None:
    mp3 = _formats.encoder_of("mp3")
    assert mp3.bitrate(1) == 64_000 and mp3.bitrate(2) == 128_000 and mp3.bitrate(None) == 128_000
    assert "-b:a" not in _formats.encoder_of("flac").args(1)
    assert _formats.encoder_of("mp3").args(1, bitrate=48_000)[:4] == ["-c:a", "libmp3lame", "-b:a", "48000"]
    with pytest.raises(AudioFormatError, match="cannot produce 'webm' audio"):
        _formats.encoder_of("webm")


def test_suffix_checks_use_families() -> None:
    assert _formats.kin_of_suffix(".opus") == {"ogg", "opus"}
    assert _formats.kin_of_suffix(".WAV") == {"wav", "rf64"}
    assert _formats.kin_of_suffix(".pcm") is None and _formats.kin_of_suffix(".txt") is None
    assert _formats.suffix_for("opus") == "ogg" and _formats.suffix_for("pcm16") == "pcm"
    assert ".webm" in _formats.picker_suffixes() and ".pcm" not in _formats.picker_suffixes()


# --- nothing outside the registry keeps its own table --------------------------------------------------


def _strings(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, text) of every string constant but docstrings."""
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
                  and node.body and isinstance(node.body[0], ast.Expr)}
    return [(node.lineno, node.value) for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings]


def _package_trees() -> list[tuple[str, ast.AST]]:
    return [(str(path.relative_to(PACKAGE)), ast.parse(path.read_text(encoding="utf-8")))
            for path in sorted(PACKAGE.rglob("*.py")) if path != REGISTRY]


def _stray_literals(trees: Sequence[tuple[str, ast.AST]]) -> list[str]:
    """MIME types, ffmpeg codec and muxer names (those that are not also format names) and encoder
    options written out as string constants."""
    codecs = {part for fmt in WRITTEN if fmt.encoder for part in (fmt.encoder.codec, fmt.encoder.muxer)}
    banned = (codecs - set(FORMATS)) | {"-c:a", "-acodec", "-codec:a", "-b:a"}
    return [f"{where}:{line}: {text!r}" for where, tree in trees for line, text in _strings(tree)
            if re.search(r"(?<![\w/-])(audio|video)/[a-z]", text) or text in banned]


def _format_tables(trees: Sequence[tuple[str, ast.AST]]) -> list[str]:
    """Literal tuples, lists, sets and dicts naming three or more formats or suffixes."""
    known = set(FORMATS) | {s for fmt in FORMATS.values() for s in fmt.suffixes}
    tables = []
    for where, tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, (ast.Tuple, ast.List, ast.Set, ast.Dict)):
                items = [*node.keys, *node.values] if isinstance(node, ast.Dict) else node.elts
                named = [i.value for i in items if isinstance(i, ast.Constant) and i.value in known]
                if len(named) >= 3:
                    tables.append(f"{where}:{node.lineno}: {named}")
    return tables


def test_no_mime_type_codec_or_encoder_option_outside_the_registry() -> None:
    stray = _stray_literals(_package_trees())
    assert stray == [], "ask core/_formats.py instead:\n" + "\n".join(stray)


def test_no_table_of_formats_outside_the_registry() -> None:
    tables = _format_tables(_package_trees())
    assert tables == [], "a table of formats belongs in core/_formats.py:\n" + "\n".join(tables)


def test_the_checks_find_what_they_look_for() -> None:
    source = ('"""A docstring may say audio/mpeg."""\nCODEC = ["-c:a", "libmp3lame"]\n'
              'MIME = {"mp3": "audio/mpeg"}\nOK = ("wav", "mp3")\nTABLE = {".wav": "wav", "opus": "ogg"}\n')
    trees = [("example.py", ast.parse(source))]
    assert _stray_literals(trees) == ["example.py:2: '-c:a'", "example.py:2: 'libmp3lame'",
                                      "example.py:3: 'audio/mpeg'"]
    assert _format_tables(trees) == ["example.py:5: ['.wav', 'opus', 'wav', 'ogg']"]
