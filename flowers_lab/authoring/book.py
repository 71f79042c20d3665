"""A book of a run: the executed notebooks and the report of ``flowers-lab run`` as a static site.

nbconvert renders every page with its JupyterLab template, made self-contained (``book_template``:
no script from a CDN, so a page opened from disk or hosted anywhere loads all it needs, and plots
are embedded in the page). The index is a notebook of markdown cells (the report's table, the
workshop's story line, the environment), rendered the same way; each lesson's page begins and
ends with links to the index, the lessons before and after it, and its playground.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from flowers_lab.authoring.curriculum import lesson as lesson_numbered
from flowers_lab.authoring.playgrounds import KEY, colab_url
from flowers_lab.errors import DataError
from flowers_lab.staging import staging_folder

TEMPLATE = Path(__file__).with_name("book_template")
"""The nbconvert template of the pages: JupyterLab's, without the scripts it loads from CDNs."""

MARK = ".flowers-lab-book"
"""A file in every book folder: a folder without it was not made here and is never replaced."""


def page_name(notebook: Path) -> str:
    """The file name of an executed notebook's page."""
    return notebook.with_suffix(".html").name


def _render(notebook, path: Path) -> None:
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(template_name="book_template", extra_template_basedirs=[str(TEMPLATE.parent)])
    html, _ = exporter.from_notebook_node(notebook)
    path.write_text(html, encoding="utf-8")


def _navigation(entries: list[dict], index: int) -> str:
    """The links of a lesson's page, as markdown: the index, the neighbours, the playground."""
    links = ["[All lessons](index.html)"]
    if index > 0:
        before = entries[index - 1]
        links.append(f"[← {before['lesson']} {before['title']}]({page_name(Path(before['notebook']))})")
    if index + 1 < len(entries):
        after = entries[index + 1]
        links.append(f"[{after['lesson']} {after['title']} →]({page_name(Path(after['notebook']))})")
    playground = lesson_numbered(entries[index]["lesson"]).playground
    links.append(f"[The playground](playgrounds/{playground.name}) ([in Colab]({colab_url(playground.name)}))")
    return " · ".join(links)


def _index(report: dict, markdown: str, entries: list[dict]):
    """The index page as a notebook of markdown cells: the report and a link to every lesson."""
    import nbformat
    from nbformat.v4 import new_markdown_cell, new_notebook

    lessons = [
        f"- [{entry['lesson']}. {entry['title']}]({page_name(Path(entry['notebook']))}): {entry['status']}, "
        f"{entry['seconds']:.0f} s"
        for entry in entries
    ]
    body = markdown.split("\n", 1)[1] if markdown.startswith("# ") else markdown  # the title is the page's
    cells = [
        new_markdown_cell(f"# Keras and modern convnets, on TPUs: the run of {report['generated']}"),
        new_markdown_cell("## The lessons\n\n" + "\n".join(lessons)),
        new_markdown_cell("## The report\n" + body),
    ]
    notebook = new_notebook(cells=cells)
    notebook.metadata["title"] = "flowers-lab: the run"
    nbformat.validate(notebook)
    return notebook


def write_book(out: Path, site: Path | None = None) -> Path:
    """Make the book of the run reported in ``out`` (``report.json``, ``report.md`` and the
    executed notebooks they name) in ``site`` (default ``out/book``), whole or not at all; return
    its index page. A ``site`` that exists and was not made here is never replaced."""
    import nbformat
    from nbformat.v4 import new_markdown_cell

    site = site or out / "book"
    reported = out / "report.json"
    if not reported.is_file():
        raise DataError(f"{reported}: no run to make a book of: run flowers-lab run first")
    report = json.loads(reported.read_text())
    entries = [entry for entry in report["lessons"] if Path(entry["notebook"]).is_file()]
    if not entries:
        raise DataError(f"{reported}: none of the notebooks it names is there any more")
    if site.exists() and not (site / MARK).exists():
        raise DataError(f"{site}: exists and was not made by flowers-lab book; name another folder with --site")
    with staging_folder(site.parent, ".book-") as staging:
        (staging / MARK).write_text("made by flowers-lab book\n")
        (staging / "playgrounds").mkdir()
        for index, entry in enumerate(entries):
            notebook = nbformat.read(entry["notebook"], as_version=4)
            for cell in notebook.cells:  # Colab's badge is an image from the network: a link instead
                if cell.metadata.get(KEY, {}).get("role") == "badge":
                    cell.source = f"[Open this notebook in Colab]({colab_url(Path(entry['notebook']).name)})"
            links = _navigation(entries, index)
            notebook.cells.insert(0, new_markdown_cell(links))
            notebook.cells.append(new_markdown_cell(links))
            notebook.metadata["title"] = f"{entry['lesson']}. {entry['title']}"
            _render(notebook, staging / page_name(Path(entry["notebook"])))
            playground = lesson_numbered(entry["lesson"]).playground
            shutil.copy(playground, staging / "playgrounds" / playground.name)
        _render(_index(report, (out / "report.md").read_text(), entries), staging / "index.html")
        staging.chmod(0o755)  # mkdtemp's 0o700 would keep a web server out
        if site.exists():
            shutil.rmtree(site)
        staging.replace(site)
    return site / "index.html"
