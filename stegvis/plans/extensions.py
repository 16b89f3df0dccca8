"""Sections that apps above plans add to the RTW plan page (the MMR program's shared goals).

Each function takes the case, resolved through the door with its `access_decision`, and
returns the section's template and context, or None when it has nothing for this reader.
Filled in the apps' AppConfig.ready."""

from collections.abc import Callable

PLAN_SECTIONS: list[Callable[[object], dict | None]] = []


def extra_sections(case) -> list[dict]:
    return [section for make in PLAN_SECTIONS if (section := make(case)) is not None]
