import subprocess
import sys

from or_audio_widgets.__main__ import main


def test_no_command_prints_usage_and_fails(capsys) -> None:
    assert main([]) == 2
    assert "replay FILE.sse" in capsys.readouterr().out


def test_help_succeeds(capsys) -> None:
    assert main(["--help"]) == 0
    assert "emulator" in capsys.readouterr().out


def test_unknown_command_is_named(capsys) -> None:
    assert main(["frobnicate"]) == 2
    assert "unknown command 'frobnicate'" in capsys.readouterr().err


def test_module_entry_point_runs() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "or_audio_widgets", "--help"], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0
    assert "usage: python -m or_audio_widgets" in proc.stdout
