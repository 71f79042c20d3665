"""Accelerator detection: the CPU path here, and every fallback branch with its probes made to fail."""

import json
import os
import re
import subprocess
import sys

import keras
import pytest

from flowers_lab import accelerator
from flowers_lab.accelerator import Accelerator, ProbeFailed, choose_backend, detect, virtual_devices


@pytest.mark.backend
def test_this_machine_is_a_cpu_with_one_replica_and_says_so(capsys):
    found = detect()
    assert (found.kind, found.replicas, found.backend) == ("cpu", 1, keras.backend.backend())
    assert found.batch_size == 32 and found.precision_policy == "float32"
    line = capsys.readouterr().out.strip()
    assert "\n" not in line and line.startswith("flowers_lab: CPU, 1 replica")
    how = "default strategy" if found.backend == "tensorflow" else "no distribution"
    assert f"1 replica on {found.backend} ({how}), batch size 32" in line
    with found.scope():
        model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
    assert model.output_shape == (None, 2)


@pytest.mark.backend
def test_mixed_precision_is_applied_only_when_asked():
    try:
        detect(log=None)
        assert keras.config.dtype_policy().name == "float32"
        gpu = Accelerator("gpu", 1, keras.backend.backend())
        assert gpu.use_mixed_precision() == "mixed_float16"
        assert keras.config.dtype_policy().name == "mixed_float16"
        assert Accelerator("tpu", 8, "jax").precision_policy == "mixed_bfloat16"
    finally:
        keras.config.set_dtype_policy("float32")


@pytest.mark.skipif(keras.backend.backend() != "tensorflow", reason="the tf.distribute probes")
def test_on_cpu_every_tensorflow_probe_falls_back_with_its_reason(capsys, monkeypatch):
    for name in ("TPU_NAME", "COLAB_TPU_ADDR", "TF_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    found = detect()
    assert found.notes == [
        "no cluster (TF_CONFIG unset)",
        "no TPU at 'local' (TPUs not found in the cluster)",
        "no named TPU (TPU_NAME and COLAB_TPU_ADDR unset)",
        "no GPU found",
    ]
    assert "no TPU at 'local'" in capsys.readouterr().out


@pytest.mark.skipif(keras.backend.backend() != "tensorflow", reason="the tf.distribute probes")
def test_a_named_tpu_that_cannot_be_reached_falls_back(monkeypatch):
    monkeypatch.setenv("COLAB_TPU_ADDR", "10.0.0.2:8470")
    monkeypatch.setattr(accelerator, "probe_local_tpu", _fail("no TPU at 'local' (test)"))
    calls = []

    def fake_connect(name):
        calls.append(name)
        raise ProbeFailed(f"no TPU at '{name}' (unreachable)")

    monkeypatch.setattr(accelerator, "_connect_tpu", fake_connect)
    found = detect(log=None)
    assert calls == ["grpc://10.0.0.2:8470"] and found.kind == "cpu"
    assert "no TPU at 'grpc://10.0.0.2:8470' (unreachable)" in found.notes


def _fail(reason):
    def probe():
        raise ProbeFailed(reason)

    return probe


@pytest.mark.skipif(keras.backend.backend() != "tensorflow", reason="the tf.distribute probes")
@pytest.mark.parametrize("winner", ["probe_cluster", "probe_local_tpu", "probe_named_tpu", "probe_gpus"])
def test_probes_run_in_order_and_the_first_that_finds_wins(monkeypatch, winner):
    # The cluster first: MultiWorkerMirroredStrategy must be made before TensorFlow starts
    # ("Collective ops must be configured at program startup"), and a TPU probe starts it.
    order = ["probe_cluster", "probe_local_tpu", "probe_named_tpu", "probe_gpus"]
    tried = []
    for name in order:

        def probe(name=name):
            tried.append(name)
            if name == winner:
                return Accelerator("tpu" if "tpu" in name else "gpu", 8, "tensorflow", strategy=object())
            raise ProbeFailed(f"{name} failed")

        monkeypatch.setattr(accelerator, name, probe)
    found = detect(log=None)
    assert tried == order[: order.index(winner) + 1]
    assert found.notes == [f"{name} failed" for name in tried[:-1]]
    assert found.batch_size == (16 if found.kind == "tpu" else 32) * 8


@pytest.mark.skipif(keras.backend.backend() != "tensorflow", reason="the tf.distribute probes")
@pytest.mark.parametrize(
    "config, reason",
    [
        (None, "no cluster (TF_CONFIG unset)"),
        ("not json", "TF_CONFIG is set but names no cluster workers"),
        (
            json.dumps({"cluster": {"worker": ["a:1"]}, "task": {"type": "worker", "index": 0}}),
            "TF_CONFIG names 1 worker, not a cluster",
        ),
    ],
)
def test_tf_config_without_a_cluster_is_not_a_cluster(monkeypatch, config, reason):
    if config is None:
        monkeypatch.delenv("TF_CONFIG", raising=False)
    else:
        monkeypatch.setenv("TF_CONFIG", config)
    with pytest.raises(ProbeFailed, match=re.escape(reason)):
        accelerator.probe_cluster()


@pytest.mark.skipif(keras.backend.backend() != "tensorflow", reason="the tf.distribute probes")
def test_one_gpu_uses_the_default_strategy_and_several_mirror(monkeypatch):
    import tensorflow as tf

    monkeypatch.setattr(tf.config, "list_physical_devices", lambda kind: ["gpu0"] if kind == "GPU" else [])
    one = accelerator.probe_gpus()
    assert (one.kind, one.replicas, one.batch_size) == ("gpu", 1, 32)
    assert one.strategy is tf.distribute.get_strategy()
    monkeypatch.setattr(tf.config, "list_physical_devices", lambda kind: [])
    with pytest.raises(ProbeFailed, match="no GPU found"):
        accelerator.probe_gpus()


@pytest.mark.parametrize(
    "env, tpu, expected",
    [
        ({"KERAS_BACKEND": "torch"}, True, "torch"),
        ({}, True, "jax"),
        ({}, False, "tensorflow"),
    ],
)
def test_the_backend_is_jax_on_a_tpu_runtime_unless_set(monkeypatch, capsys, env, tpu, expected):
    monkeypatch.setenv("KERAS_BACKEND", "")  # so that monkeypatch restores it: choose_backend sets it
    monkeypatch.delenv("KERAS_BACKEND")
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setattr(accelerator, "tpu_runtime", lambda: tpu)
    assert choose_backend() == expected
    assert os.environ["KERAS_BACKEND"] == expected
    assert capsys.readouterr().out.startswith(f"flowers_lab: Keras backend {expected} (")


@pytest.mark.backend
def test_jax_spreads_the_model_over_all_its_devices():
    """Two host devices stand in for a TPU's cores: DataParallel over both, batch doubled."""
    code = (
        "import keras; from flowers_lab.accelerator import detect; a = detect();"
        "print(a.replicas, a.batch_size, type(a.distribution).__name__)"
    )
    env = {**os.environ, "KERAS_BACKEND": "jax", **virtual_devices(2)}
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().splitlines()[-1] == "2 64 DataParallel"


@pytest.mark.parametrize("backend, hides", [("jax", True), ("tensorflow", False)])
def test_tensorflow_is_kept_off_the_accelerators_when_another_backend_drives_them(monkeypatch, capsys, backend, hides):
    """On JAX, TensorFlow only reads data: the GPUs and TPUs it finds are hidden from it before it
    runs anything, and the setup line says so; on TensorFlow they are left to it."""
    import tensorflow as tf

    hidden = []
    monkeypatch.setenv("KERAS_BACKEND", backend)
    monkeypatch.setattr(tf.config, "list_physical_devices", lambda kind: [f"{kind.lower()}0"])
    monkeypatch.setattr(tf.config, "set_visible_devices", lambda devices, kind: hidden.append((devices, kind)))
    assert choose_backend() == backend
    line = capsys.readouterr().out.strip()
    if hides:
        assert hidden == [([], "GPU"), ([], "TPU")]
        assert line == "flowers_lab: Keras backend jax (set by KERAS_BACKEND); TensorFlow kept off the GPU, TPU"
    else:
        assert hidden == [] and line == "flowers_lab: Keras backend tensorflow (set by KERAS_BACKEND)"
