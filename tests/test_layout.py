"""The package's layout: dependencies point one way, down, so each layer can be read and tested alone."""

import ast
import subprocess
import sys
from pathlib import Path

import flowers_lab

PACKAGE = Path(flowers_lab.__file__).parent

ALLOWED = {
    "errors": set(),
    "facts": set(),
    "staging": set(),
    "data": {"data", "errors", "facts", "staging"},
    "synthetic": {"synthetic", "data", "errors", "staging"},
}
"""What each low part of the package may import of the rest (its first name below ``flowers_lab``)."""


def _imports(path: Path) -> set[str]:
    """The parts of ``flowers_lab`` a module imports (``data`` for ``flowers_lab.data.reader``)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        names = (
            [node.module]
            if isinstance(node, ast.ImportFrom) and node.module
            else ([alias.name for alias in node.names] if isinstance(node, ast.Import) else [])
        )
        found |= {name.split(".")[1] for name in names if name.startswith("flowers_lab.")}
    return found


def _part(path: Path) -> str:
    return path.relative_to(PACKAGE).parts[0].removesuffix(".py")


def test_each_part_imports_only_what_lies_below_it():
    for path in PACKAGE.rglob("*.py"):
        part = _part(path)
        if part in ALLOWED:
            assert _imports(path) <= ALLOWED[part], f"{path.relative_to(PACKAGE)} imports {_imports(path)}"


def test_only_the_command_uses_the_authoring_tools():
    users = {
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        if "authoring" in _imports(path) and _part(path) != "authoring"
    }
    assert users == {"cli.py"}


def test_without_the_authoring_extra_run_ends_in_one_line_that_says_what_to_install():
    hide = "import sys; sys.modules.update(nbformat=None, papermill=None); from flowers_lab.cli import main; "
    result = subprocess.run(
        [sys.executable, "-c", hide + "sys.exit(main(['run', '--lessons', '1']))"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == (
        "flowers-lab: error: this command needs the authoring tools (nbformat is not installed): "
        'pip install "flowers-lab[authoring]"'
    )
    assert "Traceback" not in result.stderr
