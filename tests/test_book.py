"""flowers-lab book: a static site of a run, checked in a real browser (headless Chromium): every
page loads without a console error, every image is there, every link inside the site resolves,
and a lesson's page is not blank. Links out of the site (Colab, GitHub) cannot be followed from
here: they are checked for their form only."""

import base64
import io
import json
import os
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import matplotlib
import nbformat
import numpy as np
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output
from PIL import Image

from flowers_lab.authoring.book import MARK, write_book
from flowers_lab.authoring.curriculum import lesson
from flowers_lab.authoring.runner import LessonRun, write_report
from flowers_lab.cli import main
from flowers_lab.errors import DataError

matplotlib.use("Agg")


def _chromium() -> str:
    found = next(
        (shutil.which(name) for name in ("chromium", "chromium-browser", "google-chrome") if shutil.which(name)), None
    )
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("CI installs Chromium (.ci/run): none found")
        pytest.skip("no Chromium on this machine (apt-get install chromium): the book's browser checks did not run")
    return found


def _plot_png() -> str:
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(3, 2))
    axes.plot([0, 1, 2], [0.2, 0.6, 0.8])
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    plt.close(figure)
    return base64.b64encode(buffer.getvalue()).decode()


def _executed(path: Path, number: int) -> Path:
    """An executed notebook like a lesson's: markdown, code, text and a plot."""
    cell = new_code_cell("training_curves(history)", execution_count=1)
    cell.outputs = [
        new_output("stream", name="stdout", text="Epoch 1/2\n"),
        new_output("display_data", data={"image/png": _plot_png(), "text/plain": "<Figure>"}),
    ]
    badge = new_markdown_cell("[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](x)")
    badge.metadata["flowers_lab"] = {"role": "badge"}
    notebook = new_notebook(cells=[new_markdown_cell(f"# Lesson {number} (solution)"), badge, cell])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(notebook, path)
    return path


@pytest.fixture
def run(tmp_path):
    """A run's folder as flowers-lab run leaves it: executed notebooks of lessons 1 and 2, a report."""
    out = tmp_path / "build"
    (out / "notebooks").mkdir(parents=True)
    runs = [
        LessonRun(lesson(number), _executed(out / "notebooks" / lesson(number).solution.name, number), 12.0, figures)
        for number, figures in ((1, {"bucket_images_per_s": 20.0}), (2, {"validation_accuracy": 0.5}))
    ]
    write_report(runs, out)
    return out


class _Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links, self.images = [], []

    def handle_starttag(self, tag, attributes):
        found = dict(attributes)
        if tag == "a" and found.get("href"):
            self.links.append(found["href"])
        if tag == "img":
            self.images.append(found.get("src", ""))


def _read(page: Path) -> _Page:
    parsed = _Page()
    parsed.feed(page.read_text(encoding="utf-8"))
    return parsed


def check_site(site: Path, browser: str, shots: Path) -> list[Path]:
    """Open every page of ``site`` in ``browser``: no console line, a screenshot that is not
    blank, every image embedded and decodable, every link inside the site leading to a file, every
    link out of it to Colab or GitHub; return the pages."""
    pages = sorted(site.glob("*.html"))
    for page in pages:
        parsed = _read(page)
        for link in parsed.links:
            target = link.split("#")[0]
            if link.startswith("https://"):
                assert re.match(r"https://(colab\.research\.google\.com|github\.com)/", link), (page.name, link)
            elif target:
                assert (site / target).is_file(), f"{page.name}: {link} leads nowhere"
        for source in parsed.images:
            assert source.startswith("data:image/png;base64,"), f"{page.name}: an image from elsewhere, {source[:80]}"
            Image.open(io.BytesIO(base64.b64decode(source.split(",", 1)[1]))).verify()
        shot = shots / f"{page.stem}.png"
        loaded = subprocess.run(
            [
                browser,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--enable-logging=stderr",
                "--v=0",
                "--window-size=1200,900",
                f"--screenshot={shot}",
                page.as_uri(),
            ],
            capture_output=True,
            text=True,
            timeout=120,
        )
        console = [line for line in loaded.stderr.splitlines() if ":CONSOLE" in line or "Failed to load" in line]
        assert loaded.returncode == 0 and not console, (page.name, console)
        pixels = np.asarray(Image.open(shot).convert("L"), dtype=float)
        assert pixels.std() > 10, f"{page.name} looks blank"
    return pages


@pytest.mark.slow
def test_the_book_opens_in_a_browser_with_every_page_image_and_link_working(run, tmp_path):
    index = write_book(run)
    site = index.parent
    pages = check_site(site, _chromium(), tmp_path)
    assert [page.name for page in pages] == ["01_tf_data_solution.html", "02_tfrecords_solution.html", "index.html"]
    lesson_page = _read(site / "01_tf_data_solution.html")
    assert "02_tfrecords_solution.html" in lesson_page.links and "index.html" in lesson_page.links
    assert "playgrounds/01_tf_data_playground.ipynb" in lesson_page.links
    assert (site / "playgrounds" / "01_tf_data_playground.ipynb").read_bytes() == lesson(1).playground.read_bytes()
    assert len(lesson_page.images) == 1, "the plot, and no badge from the network"
    index_page = _read(index)
    assert {"01_tf_data_solution.html", "02_tfrecords_solution.html"} <= set(index_page.links)
    text = index.read_text()
    assert "Environment:" in text and "| lesson | status | ran on |" not in text, "the report's table is rendered"


def test_the_book_is_remade_but_never_over_a_folder_it_did_not_make(run, tmp_path, capsys):
    site = write_book(run).parent
    assert (site / MARK).exists()
    (site / "stale.html").write_text("from an earlier run")
    write_book(run)
    assert not (site / "stale.html").exists(), "a book of its own is replaced whole"
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("mine")
    with pytest.raises(DataError, match="exists and was not made by flowers-lab book"):
        write_book(run, mine)
    assert [path.name for path in mine.iterdir()] == ["notes.txt"]
    assert main(["book", "--out", str(tmp_path)]) == 1
    assert (
        capsys.readouterr().err
        == f"flowers-lab: error: {tmp_path / 'report.json'}: no run to make a book of: run flowers-lab run first\n"
    )
    assert main(["book", "--out", str(run)]) == 0
    assert capsys.readouterr().out == f"book: {run / 'book' / 'index.html'}\n"
    assert json.loads((run / "report.json").read_text())["lessons"][0]["lesson"] == 1
