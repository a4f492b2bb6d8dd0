"""What the AudioChat browser tests check on the panel's layout: a user turn's label and its recording's
player, and text that fits its box (nothing cut off)."""

from __future__ import annotations

from typing import Any

# A user turn in the panel's history: its label's text, and where its recording's player sits.
USER_TURN = """(box) => {
    const who = box.querySelector(".or-audio-chat-who");
    const audio = box.querySelector("audio");
    const turn = box.closest(".ora-turn").getBoundingClientRect();
    const label = who.getBoundingClientRect();
    const player = audio && audio.getBoundingClientRect();
    return {
        label: who.textContent.trim(),
        playerBelowLabel: Boolean(player) && player.top >= label.bottom - 1,
        playerInTurn: Boolean(player) && player.top >= turn.top - 1 && player.bottom <= turn.bottom + 1,
    };
}"""

# Elements under the root whose text does not fit their box (an ellipsis, or text clipped away).
CUT_TEXT = """(root) => [...root.querySelectorAll("button, .widget-label, .ora-chat-status")]
    .filter((e) => e.getClientRects().length && e.textContent.trim())
    .filter((e) => e.scrollWidth > e.clientWidth + 1 || e.scrollHeight > e.clientHeight + 1)
    .map((e) => ({ text: e.textContent.trim(), scroll: e.scrollWidth, client: e.clientWidth }))"""


def user_turn(box: Any) -> dict[str, Any]:
    """``box``: a ``.ora-user-turn`` locator."""
    return dict(box.evaluate(USER_TURN))


def cut_text(root: Any) -> list[dict[str, Any]]:
    """The buttons and labels under ``root`` whose text is cut off."""
    return list(root.evaluate(CUT_TEXT))
