"""Where the magics get a client: the key kept in memory only, and the offline emulator's lifecycle.

The key lives in this object and in the client's session, nowhere else: never in the user namespace, an
output, a cell or a repr. ``OR_AUDIO_OFFLINE=1`` (or ``%oraudio_config --offline``) is an explicit switch:
it wins over a key, so a notebook can be demonstrated offline on a machine that has one.
``OR_AUDIO_EMULATOR_REALTIME=1`` paces the offline emulator at the speed of speech (for demos).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..client._offline import OFFLINE_KEY, OFFLINE_NOTICE, env_offline
from ..errors import MissingAPIKeyError
from ._offline import emulator_running, emulator_url, stop_emulator

if TYPE_CHECKING:
    from ..client._client import OpenRouterAudio

__all__ = ["OFFLINE_KEY", "OFFLINE_NOTICE", "KernelSession", "ReadyClient", "env_offline"]


@dataclass(frozen=True)
class ReadyClient:
    """A client ready to use, and whether it talks to the offline emulator."""

    client: OpenRouterAudio
    offline: bool

    @property
    def notice(self) -> str | None:
        """The words every output carries when the reply is not from OpenRouter."""
        return OFFLINE_NOTICE if self.offline else None


class KernelSession:
    """The in-memory key, the offline emulator (started on first use) and cached clients."""

    def __init__(self) -> None:
        self._key: str | None = None
        self._clients: dict[tuple[object, ...], OpenRouterAudio] = {}
        self.spent = 0.0  # dollars, the sum of the replies' costs as the server reported them
        self.priced = self.unpriced = 0  # replies with a cost, and without one

    def tally(self, reply: Any) -> None:
        """Add a reply (also a partial one) to the session's running total."""
        cost = getattr(reply, "cost", None)
        if cost is None:
            self.unpriced += 1
        else:
            self.spent += float(cost)
            self.priced += 1

    def __repr__(self) -> str:
        emulator = "on" if emulator_running() else "off"
        return f"<KernelSession key={self.key_source() or 'none'} emulator={emulator}>"

    def login(self, key: str) -> None:
        """Keep ``key`` for this kernel's lifetime (memory only)."""
        self._key = key.strip() or None
        self._close_clients()  # none may go on using the previous key

    def logout(self) -> None:
        """Forget the key given to ``%oraudio_login``, and close the clients that held it."""
        self._key = None
        self._close_clients()

    def _close_clients(self) -> None:
        clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            client.close()

    def key_source(self) -> str | None:
        """Where the key comes from ("%oraudio_login", "OPENROUTER_API_KEY") or None; never the key."""
        if self._key:
            return "%oraudio_login"
        if os.environ.get("OPENROUTER_API_KEY", "").strip():
            return "OPENROUTER_API_KEY"
        return None

    def connect(
        self, *, offline: bool, base_url: str | None, timeout: float | None,
        headers: dict[str, str] | None = None,
    ) -> ReadyClient:
        """A client for the emulator when ``offline``, else for ``base_url`` with the key.

        Raises :class:`MissingAPIKeyError` (whose text says how to set a key or go offline).
        """
        if offline:
            url: str | None = emulator_url()
            key = OFFLINE_KEY
        else:
            url = base_url or os.environ.get("OPENROUTER_BASE_URL") or None
            key = self._key or os.environ.get("OPENROUTER_API_KEY", "").strip()
            if not key:
                raise MissingAPIKeyError()
        # The cache is keyed by the key's hash, so a new login or a changed variable makes a new client.
        cache_key = (hash(key), url, timeout, tuple(sorted((headers or {}).items())))
        client = self._clients.get(cache_key)
        if client is None:
            client = _make_client(key, url, timeout, headers)
            self._clients[cache_key] = client
        return ReadyClient(client, offline)

    def close(self) -> None:
        """Stop the kernel's offline emulator and forget the key and the clients."""
        self.logout()
        stop_emulator()


def _make_client(
    key: str, base_url: str | None, timeout: float | None, headers: dict[str, str] | None
) -> OpenRouterAudio:
    from ..client._client import OpenRouterAudio

    kwargs: dict[str, Any] = {"base_url": base_url, "app_name": "or-audio-widgets (Jupyter)",
                              "extra_headers": headers or None}
    if timeout is not None:
        kwargs["timeout"] = timeout
    return OpenRouterAudio(key, **kwargs)
