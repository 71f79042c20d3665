"""Executing lessons with papermill and summing up how they went."""

from __future__ import annotations

import datetime
import functools
import json
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from flowers_lab.authoring.curriculum import Lesson
from flowers_lab.authoring.story import fine_tuning_told, told
from flowers_lab.errors import one_line
from flowers_lab.quiet import QUIET_ENVIRONMENT
from flowers_lab.results import MIME


@dataclass
class LessonRun:
    """How one executed notebook went."""

    lesson: Lesson
    notebook: Path
    seconds: float
    figures: dict = field(default_factory=dict)
    error: str | None = None
    environment: dict = field(default_factory=dict)

    @property
    def status(self) -> str:
        return "failed" if self.error else "ok"

    @property
    def not_shown(self) -> list[str]:
        """The lesson's points that its figures do not show (at this run's budget)."""
        return [point.says for point in self.lesson.points if point.not_shown(self.figures)]


def quiet_kernels(log: Path) -> type:
    """A kernel manager for papermill whose kernels talk over local sockets (IPC: ipykernel warns
    that TCP is unencrypted) and write their standard error, TensorFlow's C++ lines among it, to
    ``log`` rather than to the terminal of ``flowers-lab run``."""
    from jupyter_client.manager import AsyncKernelManager
    from traitlets import CaselessStrEnum

    class QuietKernelManager(AsyncKernelManager):
        transport = CaselessStrEnum(["tcp", "ipc"], default_value="ipc", config=True)

        async def _async_launch_kernel(self, kernel_cmd, **kw):
            with open(log, "ab") as stderr:
                await super()._async_launch_kernel(kernel_cmd, **{**kw, "stderr": stderr})

    return QuietKernelManager


def run_notebook(
    source: Path,
    executed: Path,
    parameters: dict,
    backend: str | None = None,
    environ: dict[str, str] | None = None,
    verbose: bool = True,
    progress: dict | None = None,
) -> tuple[dict, str | None, dict]:
    """Execute ``source`` into ``executed`` in a kernel with the Keras ``backend`` and the
    variables of ``environ`` (``XLA_FLAGS``, for instance); return the figures it reported, the
    error if any, and the environment it reported. Not ``verbose``, the kernel's standard error
    goes to ``executed`` with the suffix ``.stderr.log``, and TensorFlow logs only fatal lines.
    With ``progress`` (tqdm's settings), a bar counts the cells as they run."""
    import nbformat
    import papermill

    executed.parent.mkdir(parents=True, exist_ok=True)
    variables = {**(environ or {}), **({"KERAS_BACKEND": backend} if backend else {})}
    quiet = {} if verbose else {"kernel_manager_class": quiet_kernels(executed.with_suffix(".stderr.log"))}
    if not verbose:
        variables = {**QUIET_ENVIRONMENT, **variables}
    previous = {name: os.environ.get(name) for name in variables}
    os.environ.update(variables)  # the kernel inherits this process's environment
    error = None
    try:
        papermill.execute_notebook(
            str(source),
            str(executed),
            parameters=parameters,
            kernel_name="python3",
            cwd=str(executed.parent),
            progress_bar=progress or False,
            **quiet,
        )
    except papermill.PapermillExecutionError as failure:
        error = f"cell {failure.exec_count}: {failure.ename}: {one_line(failure.evalue)}"
    finally:
        for name, value in previous.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    figures, environment = {}, {}
    if executed.exists():
        for cell in nbformat.read(executed, as_version=4).cells:
            for output in cell.get("outputs", []):
                reported = output.get("data", {}).get(MIME, {})
                figures.update(reported.get("figures", {}))
                environment.update(reported.get("environment", {}))
    return figures, error, environment


PROGRESS = functools.partial(print, flush=True)
"""How ``run_lessons`` says by default that a lesson ended: at once, even into a pipe."""


def run_lessons(
    lessons: Sequence[Lesson],
    out: Path = Path("build"),
    quick: bool = False,
    backend: str | None = None,
    playgrounds: bool = False,
    log: Callable[[str], None] | None = PROGRESS,
    verbose: bool = True,
    progress: TextIO | None = None,
) -> list[LessonRun]:
    """Execute each lesson's solution (or playground) notebook into ``out/notebooks``, saying how
    each went as it ends (not ``verbose``: the kernels' standard error in a log beside each).
    With ``progress`` (a terminal), a bar there says which lesson of how many, which cell of how
    many, the time so far, and the time the lesson took in the last report in ``out``."""
    runs = []
    last = last_seconds(out)
    for count, lesson in enumerate(lessons, start=1):
        source = lesson.playground if playgrounds else lesson.solution
        executed = out / "notebooks" / (f"{source.stem}-{backend}.ipynb" if backend else source.name)
        start = time.perf_counter()
        bar = None
        if progress is not None:
            before = f", {last[lesson.number]:.0f} s last time" if lesson.number in last else ""
            bar = {
                "desc": f"lesson {lesson.number} ({count} of {len(lessons)}{before})",
                "file": progress,
                "leave": False,
            }
        figures, error, environment = run_notebook(
            source, executed, lesson.parameters(quick, playgrounds), backend, verbose=verbose, progress=bar
        )
        runs.append(LessonRun(lesson, executed, time.perf_counter() - start, figures, error, environment))
        if log:
            log(
                f"lesson {lesson.number}: {runs[-1].status} in {runs[-1].seconds:.0f} s"
                + (f" ({error})" if error else "")
            )
    return runs


def last_seconds(out: Path) -> dict[int, float]:
    """Each lesson's wall time in the report last written to ``out``, where it ran to the end."""
    try:
        lessons = json.loads((out / "report.json").read_text())["lessons"]
    except (OSError, ValueError, KeyError, TypeError):
        return {}
    return {entry["lesson"]: entry["seconds"] for entry in lessons if entry.get("status") == "ok"}


def table(runs: Sequence[LessonRun]) -> str:
    """The runs as a text table: lesson, status, wall time, validation accuracy, other figures."""
    rows = [("lesson", "status", "time", "val. accuracy", "figures")]
    for run in runs:
        figures = dict(run.figures)
        accuracy = figures.pop("validation_accuracy", None)
        rows.append(
            (
                f"{run.lesson.number} {run.lesson.title}",
                run.status,
                f"{run.seconds:.0f} s",
                f"{accuracy:.3f}" if accuracy is not None else "-",
                run.error or _figures(figures) + (f" (not shown: {'; '.join(run.not_shown)})" if run.not_shown else ""),
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row[:4], widths, strict=True)) + "  " + row[4]
        for row in rows
    )


def write_report(runs: Sequence[LessonRun], out: Path) -> tuple[Path, Path]:
    """Write ``out/report.json`` and ``out/report.md``: per lesson its status, wall time, final
    accuracies and the workshop's target, and the environment the lessons reported."""
    lessons = [
        {
            "lesson": run.lesson.number,
            "title": run.lesson.title,
            "status": run.status,
            "seconds": round(run.seconds, 1),
            "training_accuracy": run.figures.get("training_accuracy"),
            "validation_accuracy": run.figures.get("validation_accuracy"),
            "target": run.lesson.target,
            "figures": run.figures,
            "error": run.error,
            "not_shown": run.not_shown,
            "notebook": str(run.notebook),
            "environment": run.environment,
        }
        for run in runs
    ]
    environment = {}
    for run in runs:
        environment.update(run.environment)
    generated = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
    out.mkdir(parents=True, exist_ok=True)
    as_json, as_markdown = out / "report.json", out / "report.md"
    as_json.write_text(
        json.dumps({"generated": generated, "environment": environment, "lessons": lessons}, indent=1) + "\n"
    )
    rows = [
        "| lesson | status | ran on | time | training acc. | validation acc. | target | data |",
        "|---" * 8 + "|",
    ]
    for entry, run in zip(lessons, runs, strict=True):
        data = run.environment.get("data", "-")
        if "images" in run.environment:
            data += f", {run.environment['images']:,} images at {run.environment.get('image_size')} px"
        rows.append(
            f"| {entry['lesson']} {entry['title']} | {entry['status']} | {ran_on(run.environment)} | "
            f"{entry['seconds']:.0f} s | {_percent(run.figures.get('training_accuracy'))} | "
            f"{_percent(run.figures.get('validation_accuracy'))} | {entry['target']} | {data} |"
        )
    accuracies = ("training_accuracy", "validation_accuracy")  # in the table's columns
    others = [(run, {k: v for k, v in run.figures.items() if k not in accuracies}) for run in runs]
    figures = [f"- lesson {run.lesson.number}: {_figures(rest)}" for run, rest in others if rest]
    failures = [f"- lesson {run.lesson.number}: {run.error}" for run in runs if run.error]
    unshown = [f"- lesson {run.lesson.number}: {says}" for run in runs for says in run.not_shown]
    per_lesson = ("data", "shards", "images", "image_size")  # in the table's data column
    setting = ", ".join(f"{key} {value}" for key, value in sorted(environment.items()) if key not in per_lesson)
    lines = [f"# flowers-lab run, {generated}", "", f"Environment: {setting or 'not reported'}.", "", *rows]
    said = story(runs)
    lines += ["", f"{said}."] if said else []
    lines += ["", "Figures:", *figures] if figures else []
    lines += ["", NOT_SHOWN, *unshown] if unshown else []
    as_markdown.write_text("\n".join(lines + (["", "Failures:", *failures] if failures else [])) + "\n")
    return as_json, as_markdown


NOT_SHOWN = "Not shown at this run's budget (the lesson's point holds at its own sizes; a quick run trains less):"
"""What the report says above the points a run's figures do not show."""


def story(runs: Sequence[LessonRun]) -> str | None:
    """Whether lessons 3-5's reported validation accuracies tell the workshop's story, and whether
    fine-tuning (lesson 6) ends above the frozen backbone (lesson 3), for those that ran."""
    figures = {run.lesson.number: run.figures for run in runs}
    offline = any(run.lesson.number == 6 and run.environment.get("data") == "sample" for run in runs)
    said = [
        f"{what}: {line}"
        for what, line in (
            ("The workshop's story (validation accuracy, lessons 3-5)", told(figures)),
            ("Fine-tuning against the frozen backbone (validation accuracy)", fine_tuning_told(figures, offline)),
        )
        if line
    ]
    return ".\n\n".join(said) or None


def ran_on(environment: dict) -> str:
    """The Keras backend a lesson reported, with its replicas where it looked for an accelerator:
    "jax, 8 replicas", "tensorflow, 1 replica", "tensorflow"; "-" when it reported nothing."""
    if "backend" not in environment:
        return "-"
    replicas = environment.get("replicas")
    return environment["backend"] + (f", {replicas} replica{'s' if replicas != 1 else ''}" if replicas else "")


def _figures(figures: dict[str, float]) -> str:
    """A lesson's figures as one line: "name value, ...", names with spaces."""
    return ", ".join(f"{name.replace('_', ' ')} {value:.4g}" for name, value in figures.items())


def _percent(value: float | None) -> str:
    return f"{value:.1%}" if value is not None else "-"
