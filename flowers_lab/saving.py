"""Saving a trained model, or exporting it, without replacing a file written before."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from flowers_lab.staging import staging_folder


def _write_new(path: Path, write: Callable[[Path], object]) -> Path:
    """``write(file)`` into ``path`` or, where that file exists, into the first free
    ``<stem>-2<suffix>``, ``<stem>-3<suffix>``...; the file appears whole or not at all."""
    candidate, number = path, 1
    while candidate.exists():
        number += 1
        candidate = path.with_name(f"{path.stem}-{number}{path.suffix}")
    candidate.parent.mkdir(parents=True, exist_ok=True)
    with staging_folder(candidate.parent, ".saving-") as staging:  # no half-written file if interrupted
        staged = staging / candidate.name
        write(staged)
        staged.replace(candidate)
    print(f"saved to {candidate}")
    return candidate


def save_new(model, path: str | Path) -> Path:
    """Save ``model`` in Keras' native format to ``path``, never over an existing file (a
    ``-2``, ``-3``... is added to the name instead); return the file written."""
    path = Path(path)
    if path.suffix != ".keras":
        raise ValueError(f"{path}: Keras' native format needs a file name ending in .keras")
    return _write_new(path, model.save)


def export_litert(model, path: str | Path, **converter) -> Path:
    """``model.export(path, format="litert", **converter)``, never over an existing file (as
    ``save_new``); return the file written. ``converter`` sets the TFLite converter's attributes
    (``optimizations``, ``representative_dataset``, ``target_spec``...)."""
    path = Path(path)
    if path.suffix != ".tflite":
        raise ValueError(f"{path}: a LiteRT model's file name ends in .tflite")
    from flowers_lab.litert import convert

    return _write_new(path, lambda file: convert(model, file, **converter))
