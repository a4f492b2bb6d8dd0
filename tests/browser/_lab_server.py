"""JupyterLab or Notebook 7 on 127.0.0.1, run from a temp folder with its own config, data, settings and
workspace folders, so nothing from the developer's Jupyter setup (or the network) is involved; its kernels see
``OR_AUDIO_OFFLINE=1`` and an emulator pacing at real time."""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

# Settings that keep JupyterLab quiet and every cell in the DOM (no news toast, no windowing).
LAB_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    "@jupyterlab/extensionmanager-extension/plugin.jupyterlab-settings": {"enabled": False},
    "@jupyterlab/apputils-extension/themes.jupyterlab-settings": {"adaptive-theme": False},
}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _write_settings(folder: Path) -> None:
    for name, values in LAB_SETTINGS.items():
        package, _, plugin = name.rpartition("/")
        target = folder / package / plugin
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(values))


class Lab:
    """A running JupyterLab (or Notebook 7): ``url(path)`` gives a page address with the token."""

    def __init__(
        self, root: Path, port: int, token: str, process: subprocess.Popen[bytes], log: Path
    ) -> None:
        self.root, self.port, self.token = root, port, token
        self.process, self.log, self.name = process, log, "JupyterLab"

    def url(self, path: str) -> str:
        sep = "&" if "?" in path else "?"
        return f"http://127.0.0.1:{self.port}/{path.lstrip('/')}{sep}token={self.token}"

    def wait_ready(self, timeout: float = 90.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited early:\n{self.log.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(self.url("api/status"), timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.3)
        raise TimeoutError(f"{self.name} did not start:\n{self.log.read_text()[-3000:]}")


@contextmanager
def serving(app: str, base: Path, *extra: str, realtime: float = 1.0) -> Iterator[Lab]:
    """``jupyter <app>`` (``lab`` or ``notebook``) serving ``base/root`` until exit; kernels get offline mode
    and an emulator paced at ``realtime`` times the speed of speech."""
    root = base / "root"
    root.mkdir()
    settings = base / "settings"
    _write_settings(settings)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENROUTER_", "JUPYTER", "OR_AUDIO"))}
    env.update(
        JUPYTER_CONFIG_DIR=str(base / "config"),
        JUPYTER_DATA_DIR=str(base / "data"),
        JUPYTER_RUNTIME_DIR=str(base / "runtime"),
        JUPYTERLAB_SETTINGS_DIR=str(settings),
        JUPYTERLAB_WORKSPACES_DIR=str(base / "workspaces"),
        IPYTHONDIR=str(base / "ipython"),
        OR_AUDIO_OFFLINE="1",
        OR_AUDIO_EMULATOR_REALTIME=str(realtime),
        PYTHONUNBUFFERED="1",
    )
    port, token = _free_port(), secrets.token_hex(16)
    log = base / f"{app}.log"
    # The LabApp settings also reach JupyterLab's server extension that Notebook 7 runs on.
    command = [
        sys.executable, "-m", "jupyter", app, "--no-browser",
        "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}", f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root}", "--ServerApp.port_retries=0",
        "--ServerApp.allow_root=True", "--ServerApp.terminals_enabled=False",
        "--LabApp.news_url=None", "--LabApp.extension_manager=readonly",
        "--LabApp.check_for_updates_class=jupyterlab.handlers.announcements.NeverCheckForUpdate",
        *extra,
    ]  # fmt: skip
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=root, env=env, stdout=out, stderr=subprocess.STDOUT)
    server = Lab(root, port, token, process, log)
    server.name = "JupyterLab" if app == "lab" else f"jupyter {app}"
    try:
        server.wait_ready()
        yield server
    finally:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)
