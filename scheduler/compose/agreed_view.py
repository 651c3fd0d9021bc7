"""The "Last time we agreed" lines that question emails, digests and invitations open
with: the last meeting's decisions and every open action, as emails show them."""

from __future__ import annotations

from datetime import date

from scheduler.compose.render_inputs import AgreedInputs, carried_key
from scheduler.plan.intents import Intent
from scheduler.plan.state import AgreedItem

__all__ = ["agreed_text", "carried_forward", "day_text", "item_view"]


def day_text(when: date | None) -> str:
    return f"{when:%a} {when.day} {when:%b %Y}" if when else ""


def item_view(item: AgreedItem) -> dict[str, str]:
    """One line as an email shows it: its words, its owner, its due date."""
    return {
        "text": item.text,
        "owner": item.owner,
        "due": day_text(item.due) or item.due_text,
        "status": {"not_yet": "not yet", "dropped": "dropped", "done": "done"}.get(
            item.status, "open"
        ),
    }


def carried_forward(agreed: AgreedInputs, intent: Intent) -> dict[str, list[dict[str, str]]]:
    """ "Last time we agreed": the last meeting's decisions and every open action."""
    key = carried_key(intent)
    if key is None:
        return {"decisions": [], "actions": []}
    found = agreed.carried.get(key)
    decisions, actions = found or ((), ())
    return {
        "decisions": [item_view(i) for i in decisions],
        "actions": [item_view(i) for i in actions],
    }


def agreed_text(carried: dict[str, list[dict[str, str]]]) -> str:
    """ "Last time we agreed" as plain lines, for a calendar entry's description."""
    lines = [f"- {d['text']}" for d in carried["decisions"]]
    for a in carried["actions"]:
        about = ", ".join(p for p in (a["owner"], a["due"] and f"due {a['due']}") if p)
        lines.append(f"- {a['text']}" + (f" ({about})" if about else ""))
    return "Last time we agreed:\n" + "\n".join(lines) if lines else ""
