"""Data-parallel training on several replicas without an accelerator: each batch split over the
replicas (not repeated on each), every validation image counted once, the lessons' code unchanged.
Each case runs ``tests/replicas.py`` in fresh processes: the device count is fixed when a backend
starts."""

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from flowers_lab.accelerator import virtual_devices

SCRIPT = Path(__file__).with_name("replicas.py")


def _start(shards, out, **environ):
    variables = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", **environ}
    return subprocess.Popen(
        [sys.executable, str(SCRIPT), str(shards), str(out)], env=variables, stdout=subprocess.PIPE, text=True
    )


def _result(process) -> dict:
    stdout, _ = process.communicate(timeout=300)
    assert process.returncode == 0, stdout[-2000:]
    return json.loads(stdout.strip().splitlines()[-1])


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("localhost", 0))
        return probe.getsockname()[1]


def _counts_every_image_once(found):
    assert found["predicted_count"] == found["validation_count"], found
    assert found["evaluated_accuracy"] == pytest.approx(found["accuracy_of_predictions"], abs=1e-6), found
    assert found["val_accuracy"] == pytest.approx(found["evaluated_accuracy"], abs=1e-6), found


@pytest.mark.slow
def test_jax_on_8_devices_splits_each_batch_and_counts_every_image_once(sample_shards, tmp_path):
    found = _result(_start(sample_shards, tmp_path, KERAS_BACKEND="jax", **virtual_devices(8)))
    assert (found["replicas"], found["batch_size"]) == (8, 256), found
    assert found["shard_shapes"] == [[32, 32, 32, 3]], "each device gets 32 of the 256 images, in every call"
    assert found["validation_count"] < found["batch_size"]  # one short batch, padded to full size
    _counts_every_image_once(found)


@pytest.mark.slow
def test_tensorflow_mirrored_over_2_cpus_counts_a_short_batch_once_and_saves(sample_shards, tmp_path):
    found = _result(_start(sample_shards, tmp_path, KERAS_BACKEND="tensorflow", REPLICAS="2"))
    assert (found["backend"], found["replicas"], found["batch_size"]) == ("tensorflow", 2, 64), found
    assert found["validation_count"] < 64  # smaller than one global batch: what failed before padding
    _counts_every_image_once(found)
    assert found["reloaded_agrees"], "the model trained under the strategy, saved and reloaded, predicts the same"


@pytest.mark.slow
def test_two_jax_processes_train_as_one_with_identical_weights(sample_shards, tmp_path):
    address = f"localhost:{_free_port()}"
    workers = [
        _start(
            sample_shards,
            tmp_path,
            KERAS_BACKEND="jax",
            KERAS_DISTRIBUTION_NUM_PROCESSES="2",
            KERAS_DISTRIBUTION_JOB_ADDRESSES=address,
            KERAS_DISTRIBUTION_PROCESS_ID=str(index),
            XLA_FLAGS="",
        )
        for index in range(2)
    ]
    results = [_result(worker) for worker in workers]
    assert all((found["replicas"], found["batch_size"]) == (2, 64) for found in results), results
    assert all(found["shard_shapes"] == [[32, 32, 32, 3]] for found in results), results
    first, second = (np.load(tmp_path / f"weights-{index}.npz") for index in range(2))
    assert first.files and first.files == second.files
    assert all(np.array_equal(first[k], second[k]) for k in first.files)


@pytest.mark.slow
def test_a_tf_config_cluster_is_detected_by_every_worker_and_the_keras_limit_said(tmp_path):
    workers = [f"localhost:{_free_port()}", f"localhost:{_free_port()}"]
    code = "from flowers_lab.accelerator import detect; detect()"
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", code],
            env={
                **os.environ,
                "KERAS_BACKEND": "tensorflow",
                "TF_CPP_MIN_LOG_LEVEL": "2",
                "TF_CONFIG": json.dumps({"cluster": {"worker": workers}, "task": {"type": "worker", "index": index}}),
            },
            stdout=subprocess.PIPE,
            text=True,
        )
        for index in range(2)
    ]
    for process in processes:
        stdout, _ = process.communicate(timeout=120)
        assert process.returncode == 0, stdout
        assert stdout.startswith(
            "flowers_lab: CPU, 2 replicas on tensorflow (MultiWorkerMirroredStrategy), batch size 64 (32 per replica)"
        ), stdout
        assert "keras-team/keras#20585" in stdout and "KERAS_DISTRIBUTION_NUM_PROCESSES" in stdout
