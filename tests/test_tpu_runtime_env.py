"""`.ci/tpu-runtime`, which rebuilds Colab's TPU runtime: without a Python 3.13 it stops in one
line, never passing in silence."""

import os
import shutil
import subprocess
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / ".ci" / "tpu-runtime"


def test_without_python_3_13_the_tpu_runtime_step_fails_in_one_line(tmp_path):
    tools = tmp_path / "bin"  # only what the script needs besides Python: no pyenv, no python3.13
    tools.mkdir()
    for tool in ("dirname", "bash"):
        os.symlink(shutil.which(tool), tools / tool)
    bare = {"PATH": str(tools), "HOME": str(tmp_path)}  # and no $PYTHON313
    done = subprocess.run(
        [str(tools / "bash"), str(SCRIPT), str(tmp_path / "env")], env=bare, capture_output=True, text=True
    )
    assert done.returncode == 1
    assert done.stderr.count("\n") == 1 and done.stderr.startswith(".ci/tpu-runtime: error: no Python 3.13 found")
    assert not (tmp_path / "env").exists()
