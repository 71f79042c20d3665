"""Exercise checks: one call after each exercise says whether the answer is right, or gives a hint.

``from flowers_lab.checks import lesson01 as check`` then ``check.decode_jpeg(decode_jpeg)``.
A check judges an answer by what it does (the values it computes, what a dataset yields, which
layer feeds which), never by its source text, so every right way of writing it passes.
Checks never raise: a playground runs to the end whatever the learner wrote.
"""

from __future__ import annotations

import re
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from flowers_lab.errors import one_line

_PACKAGE = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Feedback:
    """The verdict on one exercise; shown as one line in the notebook."""

    passed: bool
    message: str

    def __repr__(self) -> str:
        return ("✅ Correct: " if self.passed else "❌ Not yet: ") + self.message


def correct(message: str) -> Feedback:
    """The answer is right; ``message`` says what was verified."""
    return Feedback(True, message)


def hint(message: str) -> Feedback:
    """The answer is not right yet; ``message`` says what to change."""
    return Feedback(False, message)


_KNOWN_ERRORS: tuple[tuple[str, str], ...] = (
    # (a pattern in the error's informative line, the hint that names the usual cause)
    (
        r"Unknown image file format|Expected image \(JPEG",
        "tf.io.decode_jpeg got bytes that are not an image, often the file's *name*: read the file first "
        "with tf.io.read_file(filename) and decode what it returns",
    ),
    (
        r"object has no attribute '(numpy|split|decode|endswith|startswith|replace|lower|upper)'",
        "inside Dataset.map your function runs as a TensorFlow graph, on tensors: use tf.* operations "
        "(tf.strings.split, tf.io.read_file), not .numpy() or Python string methods",
    ),
    (
        r"must assign iterable|object is not iterable|expected bytes, (int|float) found",
        "a tf.train.Feature holds a list: wrap a single value in brackets, e.g. Int64List(value=[class_index])",
    ),
    (
        r"write\(\): incompatible function arguments",
        "a TFRecordWriter writes bytes: write each record serialized, example.SerializeToString()",
    ),
    (r"expected bytes, str found", "a BytesList holds bytes, not str: encode text first, e.g. class_name.encode()"),
    (
        r"Data types don't match|not in list of allowed values: float32, int64, string|was not parsed",
        "the layout you parse with does not match the record: each field's dtype (tf.string, tf.int64 or "
        "tf.float32) and length must be the ones it was written with",
    ),
)


def error_line(error: BaseException) -> str:
    """The informative line of an error: TensorFlow puts it after "in user code:" for graph
    errors, or first, before a ``[[{{node ...}}]]`` line, for errors raised while running."""
    lines = [line.strip() for line in str(error).strip().splitlines() if line.strip()]
    lines = [line for line in lines if not line.startswith(("[[", "File ", "in user code:"))]
    if "in user code:" in str(error) and lines:
        line = lines[-1]
    else:
        line = lines[0] if lines else type(error).__name__
    line = re.sub(r"\{\{function_node [^}]*\}\}\s*", "", line)
    line = re.sub(r"^Error in user-defined function passed to \S+ transformation with iterator: \S+: ", "", line)
    return one_line(line, limit=200)


def explain(error: BaseException) -> Feedback:
    """The hint for an exception raised by the learner's code: its usual cause where it is a
    frequent one, and its informative line, with the line of the learner's cell it came from."""
    line = error_line(error)
    if not line.startswith(type(error).__name__):
        line = f"{type(error).__name__}: {line}"
    yours = [frame for frame in traceback.extract_tb(error.__traceback__) if _is_learners(frame.filename)]
    where = f" (line {yours[-1].lineno} of your cell)" if yours else ""
    for pattern, advice in _KNOWN_ERRORS:
        if re.search(pattern, line):
            return hint(f"{advice}. The error: {line}{where}")
    return hint(f"your code raised {line}{where}")


def guarded(check: Callable[..., Feedback]) -> Callable[..., Feedback]:
    """Turn an exception raised by the learner's code into a hint naming it."""

    def run(*args, **kwargs) -> Feedback:
        try:
            return check(*args, **kwargs)
        except Exception as error:  # the learner's code may raise anything
            return explain(error)

    run.__name__, run.__doc__ = check.__name__, check.__doc__
    return run


def _is_learners(filename: str) -> bool:
    """Whether a traceback frame is in code the learner wrote (a notebook cell), not a library's."""
    return "site-packages" not in filename and not filename.startswith(str(_PACKAGE)) and "/lib/python" not in filename
