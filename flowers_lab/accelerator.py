"""Finding the accelerator and what a notebook needs from it, on either Keras backend.

``detect()`` returns an ``Accelerator``: the kind found (tpu/gpu/cpu), the replica count, a
recommended global batch size, the mixed-precision policy that suits the hardware and a
``scope()`` to build models in. On TensorFlow the scope is a ``tf.distribute`` strategy's;
on JAX it is a ``keras.distribution.DataParallel``'s. A lesson's code is the same on both.
"""

from __future__ import annotations

import contextlib
import glob
import importlib.util
import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flowers_lab.errors import one_line
from flowers_lab.facts import note

BATCH_PER_REPLICA = {"tpu": 16, "gpu": 32, "cpu": 32}
"""The workshop's batch sizes: 16 per TPU core, 32 per GPU; the CPU takes the GPU's."""

POLICY = {"tpu": "mixed_bfloat16", "gpu": "mixed_float16", "cpu": "float32"}
"""The mixed-precision policy that suits each kind (``float32``: none)."""


@dataclass
class Accelerator:
    """What ``detect()`` found."""

    kind: str
    replicas: int
    backend: str
    strategy: Any = None
    distribution: Any = None
    fallbacks: list[str] = field(default_factory=list)

    @property
    def batch_size(self) -> int:
        """Recommended global batch size: per-replica size times replicas."""
        return BATCH_PER_REPLICA[self.kind] * self.replicas

    @property
    def precision_policy(self) -> str:
        """The Keras dtype policy that suits this hardware."""
        return POLICY[self.kind]

    def scope(self) -> contextlib.AbstractContextManager:
        """Context to create and compile models in, so they are spread over the replicas."""
        if self.strategy is not None:
            return self.strategy.scope()
        if self.distribution is not None:
            return self.distribution.scope()
        return contextlib.nullcontext()

    def use_mixed_precision(self) -> str:
        """Set Keras' global dtype policy to ``precision_policy``; return the policy set."""
        import keras

        keras.config.set_dtype_policy(self.precision_policy)
        return self.precision_policy

    def describe(self) -> str:
        """One line: what was found and, where detection fell back, why."""
        where = f"{self.kind.upper()}, {self.replicas} replica{'s' if self.replicas > 1 else ''}"
        spread = self.strategy or self.distribution
        how = type(spread).__name__ if spread is not None else "no distribution"
        how = "default strategy" if how == "_DefaultDistributionStrategy" else how
        line = f"flowers_lab: {where} on {self.backend} ({how}), batch size {self.batch_size}"
        return line + (f"; {'; '.join(self.fallbacks)}" if self.fallbacks else "")


def tpu_runtime() -> bool:
    """Whether this machine has TPU chips attached (a TPU VM, such as Colab's TPU runtimes)."""
    return bool(glob.glob("/dev/accel*") or glob.glob("/dev/vfio/[0-9]*") or os.environ.get("TPU_ACCELERATOR_TYPE"))


def choose_backend() -> str:
    """Pick the Keras backend before ``keras`` is first imported, and say why.

    An explicit ``KERAS_BACKEND`` wins. On a TPU runtime with JAX installed the choice is
    JAX: Colab's TPU runtimes ship JAX and no TensorFlow, and TensorFlow installed there
    has been seen not to find the TPU; ``tf.data`` still feeds the model from the host.
    Everywhere else: TensorFlow.
    """
    if os.environ.get("KERAS_BACKEND"):
        backend, why = os.environ["KERAS_BACKEND"], "set by KERAS_BACKEND"
    elif tpu_runtime() and importlib.util.find_spec("jax") is not None:
        backend, why = "jax", "TPU runtime: JAX drives the TPU, TensorFlow only reads the data"
    else:
        backend, why = "tensorflow", "default"
    os.environ["KERAS_BACKEND"] = backend
    print(f"flowers_lab: Keras backend {backend} ({why})")
    return backend


class ProbeFailed(Exception):
    """A probe found nothing; the message says why."""


def detect(mixed_precision: bool = False, log: Callable[[str], None] | None = print) -> Accelerator:
    """Probe for the best accelerator on the current Keras backend; never raises for its absence.

    TensorFlow order: TPU VM (``tpu='local'``), a named TPU (``TPU_NAME`` or Colab's legacy
    ``COLAB_TPU_ADDR``), a multi-worker cluster from ``TF_CONFIG``, several GPUs, then one GPU
    or the CPU with the default strategy. JAX: all of ``jax.devices()``.
    With ``mixed_precision`` the suiting policy is applied.
    """
    import keras

    if keras.backend.backend() == "jax":
        found = _detect_jax()
    else:
        found = _detect_tensorflow()
    if mixed_precision:
        found.use_mixed_precision()
    note(accelerator=found.kind, replicas=found.replicas)
    if log:
        log(found.describe())
    return found


def _detect_tensorflow() -> Accelerator:
    fallbacks = []
    for probe in (probe_local_tpu, probe_named_tpu, probe_cluster, probe_gpus):
        try:
            found = probe()
        except ProbeFailed as why:
            fallbacks.append(str(why))
            continue
        found.fallbacks = fallbacks
        return found
    import tensorflow as tf

    return Accelerator("cpu", 1, "tensorflow", strategy=tf.distribute.get_strategy(), fallbacks=fallbacks)


def probe_local_tpu() -> Accelerator:
    """A TPU attached to this VM (Cloud TPU VMs, today's Colab TPU runtimes with TensorFlow)."""
    return _connect_tpu("local")


def probe_named_tpu() -> Accelerator:
    """A TPU reached over the network by name: ``TPU_NAME``, or ``COLAB_TPU_ADDR`` on old Colab."""
    name = os.environ.get("TPU_NAME") or (
        f"grpc://{os.environ['COLAB_TPU_ADDR']}" if os.environ.get("COLAB_TPU_ADDR") else None
    )
    if not name:
        raise ProbeFailed("no named TPU (TPU_NAME and COLAB_TPU_ADDR unset)")
    return _connect_tpu(name)


def _connect_tpu(name: str) -> Accelerator:
    import tensorflow as tf

    try:
        resolver = tf.distribute.cluster_resolver.TPUClusterResolver.connect(tpu=name)
    except Exception as error:  # TF raises several types here; all mean "no TPU".
        reason = one_line(one_line(error, limit=1000).split(". ")[0], limit=80)  # the first sentence
        raise ProbeFailed(f"no TPU at '{name}' ({reason})") from None
    strategy = tf.distribute.TPUStrategy(resolver)
    return Accelerator("tpu", strategy.num_replicas_in_sync, "tensorflow", strategy=strategy)


def probe_cluster() -> Accelerator:
    """Several machines described by ``TF_CONFIG``: MultiWorkerMirroredStrategy."""
    import tensorflow as tf

    config = os.environ.get("TF_CONFIG")
    if not config:
        raise ProbeFailed("no cluster (TF_CONFIG unset)")
    try:
        workers = json.loads(config)["cluster"]["worker"]
    except (ValueError, KeyError, TypeError):
        raise ProbeFailed("TF_CONFIG is set but names no cluster workers") from None
    if len(workers) < 2:
        raise ProbeFailed(f"TF_CONFIG names {len(workers)} worker, not a cluster")
    strategy = tf.distribute.MultiWorkerMirroredStrategy()
    kind = "gpu" if tf.config.list_physical_devices("GPU") else "cpu"
    return Accelerator(kind, strategy.num_replicas_in_sync, "tensorflow", strategy=strategy)


def probe_gpus() -> Accelerator:
    """Several GPUs: MirroredStrategy. One GPU: the default strategy (no mirroring overhead)."""
    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    if not gpus:
        raise ProbeFailed("no GPU found")
    if len(gpus) == 1:
        return Accelerator("gpu", 1, "tensorflow", strategy=tf.distribute.get_strategy())
    strategy = tf.distribute.MirroredStrategy()
    return Accelerator("gpu", strategy.num_replicas_in_sync, "tensorflow", strategy=strategy)


def _detect_jax() -> Accelerator:
    import jax
    import keras

    devices = jax.devices()
    kind = devices[0].platform if devices[0].platform in BATCH_PER_REPLICA else "gpu"
    if len(devices) == 1:
        return Accelerator(kind, 1, "jax")
    distribution = keras.distribution.DataParallel(devices=devices)
    return Accelerator(kind, len(devices), "jax", distribution=distribution)
