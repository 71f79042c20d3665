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
def test_two_tensorflow_workers_train_lesson_4s_model_to_identical_weights(sample_shards, tmp_path):
    """A TF_CONFIG cluster of two processes: MultiWorkerMirroredStrategy, trained by the custom
    loop of flowers_lab.multiworker (Keras 3's fit cannot run there)."""
    workers = [f"localhost:{_free_port()}", f"localhost:{_free_port()}"]
    processes = [
        _start(
            sample_shards,
            tmp_path,
            KERAS_BACKEND="tensorflow",
            TF_CONFIG=json.dumps({"cluster": {"worker": workers}, "task": {"type": "worker", "index": index}}),
        )
        for index in range(2)
    ]
    results = [_result(process) for process in processes]
    for found in results:  # every worker detects the cluster and says what to train with
        said = "\n".join(found["said"])
        assert said.startswith(
            "flowers_lab: CPU, 2 replicas on tensorflow (MultiWorkerMirroredStrategy), batch size 64 (32 per replica)"
        ), said
        assert "keras-team/keras#20585" in said and "flowers_lab.multiworker.train_steps" in said, said
        assert "KERAS_DISTRIBUTION_NUM_PROCESSES" in said, said
    assert all((found["replicas"], found["batch_size"]) == (2, 64) for found in results), results
    assert all(found["trained"] for found in results), "the weights moved"
    assert results[0]["losses"] == results[1]["losses"], "each step's loss is the whole batch's, on both"
    first, second = (np.load(tmp_path / f"weights-{index}.npz") for index in range(2))
    assert first.files and all(np.array_equal(first[k], second[k]) for k in first.files)
