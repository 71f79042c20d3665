"""What this kernel ran on (accelerator, data), noted where it is found.

A leaf module: ``accelerator``, ``sources`` and the data reader note facts here, and
``results.report`` reads them, so none of them depends on the reporting module.
"""

from __future__ import annotations

RUN: dict[str, str | int | None] = {}
"""What this kernel ran on, noted by ``detect``, ``resolve_data`` and ``load_flowers``."""


def note(**facts: str | int | None) -> None:
    """Record facts about this run (accelerator, data) for the next ``report``."""
    RUN.update(facts)
