"""Keeping the libraries' start-up chatter out of the project's commands.

TensorFlow 2.21 writes its C++ start-up lines (``oneDNN custom operations are on``, ``failed
call to cuInit``...) to the process's standard error before its logging is set up, where
``TF_CPP_MIN_LOG_LEVEL`` does not reach them; LiteRT's converter and interpreter write theirs
(``fully_quantize: 0``, ``Created TensorFlow Lite XNNPACK delegate``) there too. Python's own
``sys.stderr`` (the project's errors, tracebacks) is a separate stream: ``native_stderr_to``
points the process's descriptor 2 elsewhere and leaves ``sys.stderr`` where it was.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

QUIET_ENVIRONMENT = {"TF_CPP_MIN_LOG_LEVEL": "3", "GRPC_VERBOSITY": "ERROR"}
"""What TensorFlow and gRPC read before they start: only fatal lines once logging is set up."""


def native_stderr_to(path: str | Path = os.devnull) -> None:
    """Send what native libraries write to standard error (descriptor 2) to ``path``, keep
    Python's ``sys.stderr`` on the terminal, and set ``QUIET_ENVIRONMENT`` for the libraries
    and the processes started from here. Call it before TensorFlow is imported."""
    os.environ.update(QUIET_ENVIRONMENT)
    sys.stderr.flush()
    terminal = os.dup(2)
    log = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(log, 2)
    os.close(log)
    sys.stderr = os.fdopen(terminal, "w", buffering=1, encoding=sys.stderr.encoding, errors="backslashreplace")
