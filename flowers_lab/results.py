"""How a lesson reports its figures, and what it ran on, so that ``flowers-lab run`` can collect them."""

from __future__ import annotations

from flowers_lab.facts import RUN

MIME = "application/vnd.flowers-lab.result+json"


def environment() -> dict[str, str | int | None]:
    """Python's and the libraries' versions and Keras' backend, with what was noted about the run."""
    import importlib.metadata
    import platform

    import keras

    found = {"python": platform.python_version(), "keras": keras.__version__, "backend": keras.backend.backend()}
    for package in ("tensorflow", "jax"):
        try:
            found[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            continue
    return {**found, **RUN}


def report(**figures: float) -> None:
    """Show the lesson's final figures as one line, tagged for the runner to read with the
    environment the lesson ran in."""
    from IPython.display import display

    text = "Result: " + ", ".join(f"{name.replace('_', ' ')} {value:.4g}" for name, value in figures.items())
    payload = {"figures": {name: float(value) for name, value in figures.items()}, "environment": environment()}
    display({MIME: payload, "text/plain": text}, raw=True)
