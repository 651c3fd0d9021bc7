"""What one tick did, as ``reflect tick`` prints it."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class TickReport:
    joined: int = 0
    left: int = 0
    queued: int = 0
    sent: int = 0
    deferred: int = 0
    failed: int = 0
    ingested: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def summary(self) -> str:
        read = sum(self.ingested.values())
        parts = [
            f"{self.joined} joined",
            f"{self.left} left",
            f"{self.queued} queued",
            f"{self.sent} sent",
        ]
        if self.deferred:
            parts.append(f"{self.deferred} deferred")
        if self.failed:
            parts.append(f"{self.failed} failed")
        detail = ", ".join(f"{n} {k}" for k, n in sorted(self.ingested.items()))
        parts.append(f"{read} replies read" + (f" ({detail})" if detail else ""))
        return ", ".join(parts)
