"""Wall time of the notebook part of ``make test``, per test, and where each solution's time goes.

    python benchmarks/notebooks.py [--json FILE]

Runs ``pytest -n 2 --maxschedchunk=1 tests/test_notebooks.py`` once (as ``make test`` runs it), keeping its executed
notebooks, then reads the per-test times from its JUnit report and papermill's per-cell
durations from the executed solutions: kernel start, the import cell, the data cell (which makes
the offline sample when it is missing), training (cells that call ``fit``) and the rest.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import nbformat


def where_the_time_goes(executed: Path) -> dict[str, float]:
    """Seconds of one executed notebook by kind of cell, from papermill's metadata."""
    notebook = nbformat.read(executed, as_version=4)
    parts = {
        "kernel": float(notebook.metadata["papermill"]["duration"]),
        "imports": 0.0,
        "data": 0.0,
        "training": 0.0,
        "other": 0.0,
    }
    for cell in notebook.cells:
        seconds = cell.metadata.get("papermill", {}).get("duration") or 0.0
        if cell.cell_type != "code":
            continue
        kind = (
            "training"
            if ".fit(" in cell.source
            else "data"
            if "resolve_data(" in cell.source
            else "imports"
            if cell.source.startswith(("import ", "from "))
            else "other"
        )
        parts[kind] += seconds
        parts["kernel"] -= seconds  # what is left: kernel start and shutdown, papermill's own work
    return {kind: round(seconds, 1) for kind, seconds in parts.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    base = Path(tempfile.mkdtemp(prefix="flowers-bench-notebooks-"))
    junit = base / "junit.xml"
    start = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-n",
            "2",
            "--maxschedchunk=1",
            "-p",
            "no:cacheprovider",
            "tests/test_notebooks.py",
            f"--basetemp={base / 'tmp'}",
            f"--junitxml={junit}",
        ],
        check=True,
    )
    total = time.perf_counter() - start
    tests = {case.get("name"): round(float(case.get("time")), 1) for case in ElementTree.parse(junit).iter("testcase")}
    breakdown = {
        path.stem: where_the_time_goes(path)
        for path in sorted((base / "tmp").rglob("*_solution.ipynb"))
        if "nbval" not in path.parts
    }
    print(f"notebook tests: {total:.0f} s in all")
    for name, seconds in tests.items():
        print(f"  {seconds:>6.1f} s  {name}")
    for name, parts in breakdown.items():
        print(f"  {name}: " + ", ".join(f"{kind} {seconds:.1f} s" for kind, seconds in parts.items()))
    if args.json:
        args.json.write_text(
            json.dumps({"total": round(total, 1), "tests": tests, "solutions": breakdown}, indent=1) + "\n"
        )


if __name__ == "__main__":
    main()
