"""What AudioChat is made of besides widgets: turns, the client it talks to, the model list, and the
loop that feeds a stream into a LivePlayer."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ...core._html import format_cost


@dataclass
class Turn:
    """One side of an exchange: the user's words and audio parts, or the assistant's reply."""

    role: str
    text: str
    parts: list[dict[str, Any]] = field(default_factory=list)  # input_audio parts sent with a user turn
    sources: list[str] = field(default_factory=list)  # what each part was (for people)
    reply: Any = None  # the assistant's AudioReply (its audio, usage, complete/error)
    heard: str | None = None  # a user turn's recordings, transcribed (sent instead of them later on)
    heard_error: str | None = None  # why they could not be transcribed (then they go again as audio)
    interrupted: bool = False  # an assistant's reply cut short by the user speaking over it (barge-in)
    times: dict[str, float] = field(default_factory=dict)  # a user turn's milestones, time.time() seconds

    def message(self) -> dict[str, Any]:
        """This turn as a chat message for the next request."""
        if self.role != "user" or not self.parts:
            return {"role": self.role, "content": self.text}
        text = [{"type": "text", "text": self.text}] if self.text else []
        return {"role": "user", "content": [*text, *self.parts]}


def offline_client() -> Any:
    """A client for the kernel's offline emulator, the one the magics use (pacing from
    ``OR_AUDIO_EMULATOR_REALTIME``, default 0)."""
    from ...client._client import OpenRouterAudio
    from .._offline import emulator_url
    from .._session import OFFLINE_KEY

    return OpenRouterAudio(OFFLINE_KEY, base_url=emulator_url(), app_name="or-audio-widgets (AudioChat)")


def default_client() -> tuple[Any, bool]:
    """The client to use when none is given, and whether it is the offline emulator.

    ``OR_AUDIO_OFFLINE=1`` means the emulator (as for the magics); otherwise ``OPENROUTER_API_KEY``, and
    without one :class:`MissingAPIKeyError` says how to set it.
    """
    from ...client._client import OpenRouterAudio
    from .._session import env_offline

    if env_offline():
        return offline_client(), True
    return OpenRouterAudio(app_name="or-audio-widgets (AudioChat)"), False


def model_choices(client: Any) -> tuple[list[tuple[str, bool]], bool]:
    """(model id, speaks) for every chat model that takes or gives audio, speaking models first; and
    whether they come from the model list (False: the known models, when the list could not be read).

    Read from the client's catalogue, as routing and ``%oraudio_models`` read it: speech, transcription and
    music models have surfaces of their own and cannot chat, so they are left out.
    """
    from ...core._catalogue import CHAT_IN, CHAT_OUT

    catalogue = client.catalogue()
    chats = [e for e in catalogue.entries() if e.serves(CHAT_IN) or e.serves(CHAT_OUT)]
    found = [(e.id, e.serves(CHAT_OUT)) for e in chats]
    return sorted(found, key=lambda item: (not item[1], item[0])), bool(catalogue.listed)


def summary(reply: Any, offline: bool, stopped: bool = False) -> str:
    """The chat's status line after a reply (``stopped``: the person pressed Stop)."""
    if len(reply.pcm):
        what = f"{reply.duration:.1f} s of audio"
    elif reply.text:
        what = "text reply"
    elif reply.transcript:
        what = "words, no audio yet"  # stopped between the transcript and the first audio
    else:
        what = "nothing arrived"
    if reply.complete:
        state = "complete"
    elif stopped:
        state = "stopped, what arrived is kept"  # the person's own choice: not an error
    else:
        state = f"incomplete ({reply.error or 'the stream did not finish'}), partial reply kept"
    cost = f" · {format_cost(reply.cost)}" if reply.cost else ""
    return f"{what} · {state}{cost}{' · offline emulator' if offline else ''}"


def user_box_html(turn: Turn) -> str:
    """A user turn in the live history: the words, each recording (playable) and what it was heard as."""
    from ._chat_record import user_html

    return f'<div class="ora-user-turn">{user_html(turn)}</div>'
