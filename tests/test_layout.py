"""The package's shape holds: each step of a message's path has its folder, and each
folder imports only what its docstring says it may.

Someone carrying on the work should be able to trust the docstrings: a package's
``May import:`` line is checked against every import its modules make.
"""

from __future__ import annotations

import ast
import re
from datetime import timedelta
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "scheduler"
# The few modules every step shares, and the entry points.
TOP_LEVEL = {"__init__", "__main__", "clock", "errors", "faults", "safety", "vocabulary"}


def sub_packages() -> list[Path]:
    return sorted(p for p in PACKAGE.iterdir() if (p / "__init__.py").exists())


def allowed(package: Path) -> set[str]:
    doc = ast.get_docstring(ast.parse((package / "__init__.py").read_text())) or ""
    found = re.search(r"^May import: (.+?)\.$", doc, re.MULTILINE)
    assert found, f"{package.name}/__init__.py: its docstring has no 'May import:' line"
    if found.group(1).startswith("nothing"):
        return set()
    names = re.sub(r"\([^)]*\)", "", found.group(1))  # a remark in brackets says why
    return {name.strip() for name in names.split(",")}


def imported(module: Path) -> set[str]:
    """The scheduler packages and top-level modules this module imports (first name after scheduler.)."""
    names = set()
    for node in ast.walk(ast.parse(module.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            parts = node.module.split(".")
            if parts[0] == "scheduler" and len(parts) > 1:
                names.add(parts[1])
        elif isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] == "scheduler" and len(parts) > 1:
                    names.add(parts[1])
    return names


def test_only_shared_modules_stand_beside_the_step_packages() -> None:
    loose = {p.stem for p in PACKAGE.glob("*.py")}
    assert loose <= TOP_LEVEL, f"modules outside a step package: {sorted(loose - TOP_LEVEL)}"


@pytest.mark.parametrize("package", sub_packages(), ids=lambda p: p.name)
def test_a_package_imports_only_what_its_docstring_allows(package: Path) -> None:
    may = allowed(package) | {package.name}
    wrong = {
        f"{module.relative_to(PACKAGE)} imports {name}"
        for module in package.rglob("*.py")
        for name in imported(module) - may
    }
    assert not wrong, sorted(wrong)


def test_the_packages_form_no_circle() -> None:
    uses = {p.name: allowed(p) - TOP_LEVEL for p in sub_packages()}

    def reaches(start: str, goal: str, seen: frozenset[str] = frozenset()) -> bool:
        return any(
            step == goal or (step not in seen and reaches(step, goal, seen | {step}))
            for step in uses.get(start, ())
        )

    circles = sorted(name for name in uses if reaches(name, name))
    assert not circles, f"packages that reach themselves through their allowed imports: {circles}"


def test_each_history_the_archive_reads_covers_the_rule_it_serves() -> None:
    """The planner sees only what load_state reads: a longer rule would never fire."""
    from scheduler.inputs.config import PromptSettings
    from scheduler.plan import windows as w

    reminder_wait = timedelta(days=PromptSettings().reminder_after_days)
    assert reminder_wait + w.REMINDER_LATE_LIMIT <= w.OPEN_PROMPTS_LOOKBACK
    assert w.HANDOVER_ASKED_WINDOW >= w.HANDOVER_CHASE_UNTIL > w.HANDOVER_WAIT
    assert w.INDUCTED_WINDOW >= w.HANDOVER_NOTES_WINDOW + w.SUCCESSOR_WINDOW
