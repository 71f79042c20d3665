"""Writing files so that they appear whole or not at all: into a hidden staging folder beside
their destination, then renamed into place (a rename within one file system is atomic)."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: alive
        return True
    return True


def remove_stale(parent: Path, prefix: str) -> list[Path]:
    """Remove the staging folders ``parent/<prefix><pid>-*`` whose process is gone (a run killed in
    the middle of writing); return them. Folders of running processes are left alone."""
    stale = []
    for folder in parent.glob(f"{prefix}*") if parent.is_dir() else []:
        match = re.fullmatch(rf"{re.escape(prefix)}(\d+)-.*", folder.name)
        if folder.is_dir() and match and not _alive(int(match.group(1))):
            shutil.rmtree(folder, ignore_errors=True)
            stale.append(folder)
    return stale


@contextlib.contextmanager
def staging_folder(parent: str | Path, prefix: str) -> Iterator[Path]:
    """A new hidden folder in ``parent`` to write into; move what is finished out of it with
    ``Path.replace``. It is removed on exit, whatever happens, and stale ones of the same
    ``prefix`` left by killed runs are removed first."""
    parent = Path(parent)
    parent.mkdir(parents=True, exist_ok=True)
    remove_stale(parent, prefix)
    folder = Path(tempfile.mkdtemp(prefix=f"{prefix}{os.getpid()}-", dir=parent))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)
