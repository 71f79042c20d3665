"""Exercise checks: one call after each exercise says whether the answer is right, or gives a hint.

``from flowers_lab.checks import lesson01 as check`` then ``check.decode_jpeg(decode_jpeg)``.
Checks never raise: a playground runs to the end whatever the learner wrote.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Feedback:
    """The verdict on one exercise; shown as one line in the notebook."""

    passed: bool
    message: str

    def __repr__(self) -> str:
        return ("✅ Correct: " if self.passed else "❌ Not yet: ") + self.message


def correct(message: str) -> Feedback:
    """The answer is right; ``message`` says what it does."""
    return Feedback(True, message)


def hint(message: str) -> Feedback:
    """The answer is not right yet; ``message`` says what to change."""
    return Feedback(False, message)


def guarded(check: Callable[..., Feedback]) -> Callable[..., Feedback]:
    """Turn an exception raised by the learner's code into a hint naming it."""

    def run(*args, **kwargs) -> Feedback:
        try:
            return check(*args, **kwargs)
        except Exception as error:  # the learner's code may raise anything
            text = str(error).strip()
            # tf.data wraps errors from a mapped function: "in user code: ... <the error>".
            last = (text.splitlines() or [""])[-1].strip()[:200]
            if "numpy" in text or "OperatorNotAllowedInGraph" in type(error).__name__:
                return hint("inside Dataset.map your function runs as a TensorFlow graph: use tf.* "
                            f"operations (tf.strings, tf.io), not .numpy() or Python str methods ({last})")
            yours = [frame for frame in traceback.extract_tb(error.__traceback__) if _is_learners(frame.filename)]
            where = f" (line {yours[-1].lineno} of your cell)" if yours else ""
            return hint(f"your code raised {type(error).__name__}: {last}{where}")

    run.__name__, run.__doc__ = check.__name__, check.__doc__
    return run


def _is_learners(filename: str) -> bool:
    """Whether a traceback frame is in code the learner wrote (a notebook cell), not a library's."""
    return "site-packages" not in filename and not filename.startswith(str(_PACKAGE)) and "/lib/python" not in filename
