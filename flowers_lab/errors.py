"""The one exception type the project raises for bad input, and how errors are cut to one line."""

from __future__ import annotations


class DataError(Exception):
    """Bad input: the message is one line that names the file and what is wrong."""


def one_line(error: BaseException | str, limit: int = 160) -> str:
    """The first non-empty line of an error's message (its class name where it has none), cut
    to ``limit`` characters: what a one-line report shows of an error from a library."""
    text = str(error).strip()
    line = text.splitlines()[0].strip() if text else type(error).__name__
    return line if len(line) <= limit else line[: limit - 3] + "..."
