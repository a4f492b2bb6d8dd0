"""Format detection from magic bytes: real files made by ffmpeg, and hand-built headers."""

from __future__ import annotations

import struct
import warnings
from pathlib import Path

import pytest
from _audio_samples import make_audio, make_video

from or_audio_widgets.core._sniff import HEAD_BYTES, Sniffed, check_suffix, sniff


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("sniff")


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("wav", Sniffed("wav")),
        ("wav-float", Sniffed("wav")),
        ("mp3", Sniffed("mp3")),
        ("mp3-noid3", Sniffed("mp3")),
        ("flac", Sniffed("flac")),
        ("ogg", Sniffed("ogg", "vorbis")),
        ("ogg-opus", Sniffed("ogg", "opus")),
        ("aiff", Sniffed("aiff")),
        ("aac", Sniffed("aac")),
        ("m4a", Sniffed("m4a")),
        ("webm", Sniffed("webm")),
        ("mkv", Sniffed("mkv")),
        ("wma", Sniffed("wma")),
        ("caf", Sniffed("caf")),
        ("au", Sniffed("au")),
    ],
)
def test_files_made_by_ffmpeg(folder: Path, kind: str, expected: Sniffed) -> None:
    path = make_audio(folder, kind)
    assert sniff(path.read_bytes()[:HEAD_BYTES]) == expected


def test_mp3_without_id3_starts_with_frame_sync(folder: Path) -> None:
    head = make_audio(folder, "mp3-noid3").read_bytes()[:4]
    assert head[0] == 0xFF and not head.startswith(b"ID3")


def test_mp4_with_video_is_not_m4a(folder: Path) -> None:
    assert sniff(make_video(folder).read_bytes()[:HEAD_BYTES]) == Sniffed("mp4")


def _ftyp(major: bytes, *compatible: bytes) -> bytes:
    body = major + b"\0\0\0\0" + b"".join(compatible)
    return struct.pack(">I", 8 + len(body)) + b"ftyp" + body


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (b"RIFF\x24\0\0\0WAVEfmt ", Sniffed("wav")),
        (b"RIFF\x24\0\0\0AVI LIST", Sniffed("riff", "AVI")),
        (b"RF64\xff\xff\xff\xffWAVEds64", Sniffed("rf64")),
        (b"FORM\0\0\0\x20AIFFCOMM", Sniffed("aiff")),
        (b"FORM\0\0\0\x20AIFCFVER", Sniffed("aifc")),
        (b"FORM\0\0\0\x20ILBMBMHD", None),
        (_ftyp(b"M4A ", b"isom"), Sniffed("m4a")),
        (_ftyp(b"isom", b"iso2", b"M4A "), Sniffed("m4a")),
        (_ftyp(b"isom", b"iso2", b"mp41"), Sniffed("mp4")),
        (_ftyp(b"3gp5", b"3gp5"), Sniffed("mp4", "3gp")),
        (_ftyp(b"qt  "), Sniffed("mp4", "mov")),
        (b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\x82\x84webm", Sniffed("webm")),
        (b"\x1a\x45\xdf\xa3\xa3\x42\x86\x81\x01\x42\x82\x88matroska", Sniffed("mkv")),
        (bytes.fromhex("3026b2758e66cf11a6d900aa0062ce6c") + b"\0" * 8, Sniffed("wma")),
        (b"fLaC\0\0\0\x22", Sniffed("flac")),
        (b"#!AMR\n", Sniffed("amr")),
        (b"\xff\xf1\x50\x80\x02\x1f\xfc", Sniffed("aac")),  # ADTS, MPEG-4, 44.1 kHz
        (b"\xff\xf9\x50\x80\x02\x1f\xfc", Sniffed("aac")),  # ADTS, MPEG-2
        (b"\xff\xfb\x90\x64\x00", Sniffed("mp3")),  # MPEG-1 layer III, 128 kb/s, 44.1 kHz
        (b"\xff\xf3\x48\xc4\x00", Sniffed("mp3")),  # MPEG-2 layer III
        (b"\xff\xfb\xf0\x64\x00", None),  # bitrate index 15 is reserved
        (b"\xff\xfb\x9c\x64\x00", None),  # sample-rate index 3 is reserved
        (b"\xff\xeb\x90\x64\x00", None),  # version "01" is reserved
        (b"", None),
        (b"hello, this is not audio at all", None),
        (b"\x00" * 64, None),
    ],
)
def test_hand_built_headers(head: bytes, expected: Sniffed | None) -> None:
    assert sniff(head) == expected


def _ogg_page(packet: bytes) -> bytes:
    header = b"OggS\x00\x02" + b"\0" * 8 + b"\x01\0\0\0" + b"\0\0\0\0" + b"\0\0\0\0"
    return header + bytes([1, len(packet)]) + packet


@pytest.mark.parametrize(
    ("packet", "codec"),
    [(b"OpusHead\x01\x01", "opus"), (b"\x01vorbis\0\0", "vorbis"), (b"\x7fFLAC\x01\x00", "flac"),
     (b"Speex   1.2", "speex"), (b"\x80theora", None)],
)
def test_ogg_codec_from_first_packet(packet: bytes, codec: str | None) -> None:
    assert sniff(_ogg_page(packet)) == Sniffed("ogg", codec)


def _id3(body_size: int) -> bytes:
    syncsafe = bytes((body_size >> shift) & 0x7F for shift in (21, 14, 7, 0))
    return b"ID3\x04\x00\x00" + syncsafe + b"\0" * body_size


def test_id3_tag_in_front_of_flac_and_aac() -> None:
    assert sniff(_id3(300) + b"fLaC\0\0\0\x22") == Sniffed("flac")
    assert sniff(_id3(20) + b"\xff\xf1\x50\x80\x02\x1f\xfc") == Sniffed("aac")
    assert sniff(_id3(20) + b"\xff\xfb\x90\x64\x00") == Sniffed("mp3")


def test_long_id3_tag_still_means_mp3() -> None:
    # the audio after a tag longer than the head cannot be seen; ID3 alone says MP3
    assert sniff(_id3(100_000)[:HEAD_BYTES]) == Sniffed("mp3")


def test_suffix_that_disagrees_warns_naming_both() -> None:
    with pytest.warns(UserWarning, match=r"song\.mp3.*'\.mp3' says mp3 but the content is wav"):
        assert check_suffix("/data/song.mp3", "wav") is False


@pytest.mark.parametrize(
    ("name", "found"),
    [("a.wav", "wav"), ("a.WAV", "wav"), ("a.m4a", "mp4"), ("a.opus", "ogg"), ("a.bin", "wav"),
     ("noext", "mp3"), ("dir.wav/file", "mp3"), ("a.mp3", None)],
)
def test_suffix_that_agrees_or_says_nothing_is_quiet(name: str, found: str | None) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert check_suffix(name, found) is True
