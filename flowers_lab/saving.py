"""Saving a trained model without replacing one saved before."""

from __future__ import annotations

from pathlib import Path

from flowers_lab.staging import staging_folder


def save_new(model, path: str | Path) -> Path:
    """Save ``model`` in Keras' native format to ``path`` or, where that file exists, to the
    first free ``<stem>-2.keras``, ``<stem>-3.keras``...; return the file written.
    The file appears whole or not at all."""
    path = Path(path)
    if path.suffix != ".keras":
        raise ValueError(f"{path}: Keras' native format needs a file name ending in .keras")
    candidate, number = path, 1
    while candidate.exists():
        number += 1
        candidate = path.with_name(f"{path.stem}-{number}.keras")
    with staging_folder(candidate.parent, ".saving-") as staging:  # no half-written file if interrupted
        staged = staging / candidate.name
        model.save(staged)
        staged.replace(candidate)
    print(f"saved to {candidate}")
    return candidate
