"""``%oraudio_models`` reads at 1,000 px: ids and prices on one line, prices right-aligned in figures of one
width, and every value escaped (a model list is untrusted text)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from _magics_support import Recorded

from or_audio_widgets.core._catalogue import Catalogue
from or_audio_widgets.jupyter._offline import stop_emulator
from or_audio_widgets.jupyter.magics._models_table import HEADERS, NOWRAP, NUMERIC, kind_rows
from or_audio_widgets.jupyter.magics._tables import bundle

_ROW = re.compile(r"<tr>(.*?)</tr>")
_CELL = re.compile(r'<t[dh] style="([^"]*)">(.*?)</t[dh]>')


@pytest.fixture
def shown(ip: Any, rec: Recorded, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    monkeypatch.setenv("OR_AUDIO_OFFLINE", "1")
    ip.run_line_magic("oraudio_models", "")
    yield rec.final()[-1]["data"]
    stop_emulator()


def _cells(html: str) -> list[list[tuple[str, str]]]:
    return [_CELL.findall(row) for row in _ROW.findall(html)]


def test_ids_and_prices_never_wrap_and_prices_align_right(shown: dict[str, str]) -> None:
    rows = _cells(shown["text/html"])
    assert [text for _, text in rows[0]] == ["id", "kind", "price", "per", "voices"]
    body = rows[1:]
    assert len(body) >= 10
    for row in body:
        (id_style, model), (kind_style, _), (price_style, _), (unit_style, _), (voice_style, _) = row
        assert "white-space:nowrap" in id_style and "white-space:nowrap" in kind_style, model
        assert "white-space:nowrap" in unit_style and "nowrap" not in voice_style  # only voices may wrap
        for rule in ("text-align:right", "font-variant-numeric:tabular-nums", "white-space:nowrap"):
            assert rule in price_style, (model, price_style)
    assert "text-align:right" in rows[0][2][0]  # the heading sits over its figures
    prices = [price for _, _, (_, price), _, _ in body if price]
    assert prices and all(re.fullmatch(r"\$\d+\.\d+", p) for p in prices), prices


def test_the_text_table_right_aligns_prices(shown: dict[str, str]) -> None:
    lines = shown["text/plain"].splitlines()[1:]  # the caption first
    start = lines[0].index("price")
    ends = {line.index(" ", line.index("$")) if " " in line[line.index("$"):] else len(line)
            for line in lines[1:] if "$" in line}
    assert len(ends) == 1 and ends.pop() == start + len("price"), lines[:4]


def test_untrusted_ids_names_and_voices_stay_escaped() -> None:
    hostile = "<img src=x onerror=alert(1)>/tts"
    catalogue = Catalogue([{
        "id": hostile, "architecture": {"input_modalities": ["text"], "output_modalities": ["speech"]},
        "pricing": {"prompt": "0.000015"}, "supported_voices": ['"><script>alert(2)</script>'],
    }])
    shown = bundle(HEADERS, kind_rows(catalogue), caption="<b>x</b>", numeric=NUMERIC, nowrap=NOWRAP)
    html = shown["text/html"]
    assert "<img" not in html and "<script" not in html and "<b>" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;/tts" in html and "&lt;script&gt;" in html
    assert "$15.00" in html
