"""The small things a first session meets: readable costs and a running total in %oraudio_config, plain-text
help, and a clear word for -i with a name that is neither a variable nor a file."""

from __future__ import annotations

import re
from typing import Any

import pytest
from _magics_support import (
    Recorded,
    magics,
)
from IPython.core.error import UsageError

from or_audio_widgets.core._html import format_cost


def config_rows(rec: Recorded) -> dict[str, str]:
    text = rec.displays()[-1]["data"]["text/plain"]
    rows = [line.split("  ", 1) for line in text.splitlines()[2:]]
    return {name.strip(): value.strip() for name, value in rows}


def test_config_keeps_a_running_total_of_the_session(ip: Any, rec: Recorded, online: Any) -> None:
    session = magics(ip)._session
    session.spent, session.priced, session.unpriced = 0.0, 0, 0  # the shell is shared by the tests
    ip.run_line_magic("oraudio_config", "")
    assert config_rows(rec)["spent this session"] == "$0 (no reply yet)"
    costs = []
    for prompt in ("Hi", "Hello there, and welcome"):
        ip.run_cell_magic("oraudio", "", prompt)
        costs.append(ip.user_ns["_oraudio"].cost)
    ip.run_line_magic("oraudio_config", "")
    assert all(costs)
    assert config_rows(rec)["spent this session"] == f"{format_cost(sum(costs))} over 2 replies"
    assert not re.search(r"\de-\d", rec.displays()[-1]["data"]["text/html"])  # no exponent anywhere


def test_help_is_plain_text(ip: Any) -> None:
    for name, kind in (("oraudio", "cell"), ("oraudio_config", "line"), ("oraudio_login", "line"),
                       ("oraudio_models", "line")):
        found = ip.find_cell_magic(name) if kind == "cell" else ip.find_line_magic(name)
        doc = found.__doc__
        assert "``" not in doc and "::" not in doc, name
    doc = ip.find_cell_magic("oraudio").__doc__
    assert doc.startswith("Examples") and "\nUsage:\n  %oraudio [-m MODEL]" in doc
    assert "{name} is replaced by the value" in doc


def test_input_naming_nothing_says_so_before_any_request(ip: Any, rec: Recorded, online: Any) -> None:
    before = len(online.requests)
    with pytest.raises(UsageError, match="no variable or file named 'recording'"):
        ip.run_cell_magic("oraudio", "-i recording", "Transcribe this")
    assert len(online.requests) == before


def test_a_file_named_like_a_variable_still_works(ip: Any, rec: Recorded, online: Any, tmp_path: Any,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from _audio_samples import make_audio

    monkeypatch.chdir(tmp_path)
    (tmp_path / "take").write_bytes(make_audio(tmp_path, "wav", seconds=0.5).read_bytes())
    ip.run_cell_magic("oraudio", "--text -i take", "Transcribe this")
    assert "duration=0.5" in ip.user_ns["_oraudio"].text


def test_a_voice_the_model_refused_once_is_refused_before_sending_after(
        ip: Any, rec: Recorded, online: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from or_audio_widgets.client._models_api import ModelLists
    from or_audio_widgets.errors import APIError

    def unreadable(*args: Any, **kwargs: Any) -> Any:
        raise APIError("no model list here", status=404)

    # Without a model list (a gateway that has none), the server is the first to refuse the voice...
    monkeypatch.setattr(ModelLists, "_listed", unreadable)
    # clients made now keep the stand-in list for a while: they must not serve the next tests
    monkeypatch.setattr(magics(ip)._session, "_clients", {})
    first = ip.run_cell("%%oraudio --voice nobody\nHi").error_in_exec
    assert first is not None and "Supported values are" in first.message  # the server's refusal
    posts = len([r for r in online.requests if r.method == "POST"])
    again = ip.run_cell("%%oraudio --voice nobody_else\nHi").error_in_exec
    assert again is not None and again.title == "Unknown voice"
    assert "nobody_else" in again.message and "alloy" in again.message and "--voice" in again.message
    assert len([r for r in online.requests if r.method == "POST"]) == posts  # no round trip this time
    ip.run_cell_magic("oraudio", "--voice nova", "Hi")  # a listed voice still goes through
    assert ip.user_ns["_oraudio"].complete

