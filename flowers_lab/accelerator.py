"""Finding the accelerator and what a notebook needs from it, on either Keras backend.

``detect()`` returns an ``Accelerator``: the kind found (tpu/gpu/cpu), the replica count, a
recommended global batch size, the mixed-precision policy that suits the hardware and a
``scope()`` to build models in. On TensorFlow the scope is a ``tf.distribute`` strategy's
(``fit`` and ``evaluate`` then split each batch over its replicas); on JAX with several devices
``detect()`` sets a ``keras.distribution.DataParallel`` for the whole session, so every batch
is split over the devices wherever it is used. A lesson's code is the same on both, on any number
of replicas: the global batch is the per-replica batch times the replicas, and validation
batches are padded to full size (``flowers_lab.data.reader.pad_batch``).
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
"""The workshop's batch sizes: 16 per TPU device, 32 per GPU; the CPU takes the GPU's.

The workshop's 16 was for a TPU v2/v3 core (8 or 16 GiB of memory each). A v5e chip, one device
to JAX (Colab's TPU runtime: one chip; Kaggle's v5e-8: eight), has 16 GiB like a v3 core, so 16
fits there too: a safe default, not a tuned one (this project has not measured a TPU), and
``BATCH_SIZE`` in each lesson's parameters overrides it."""

POLICY = {"tpu": "mixed_bfloat16", "gpu": "mixed_float16", "cpu": "float32"}
"""The mixed-precision policy that suits each kind (``float32``: none)."""


PROCESSES = "KERAS_DISTRIBUTION_NUM_PROCESSES"
"""With the JAX backend, several processes (machines) train as one when each is started with this
variable, ``KERAS_DISTRIBUTION_JOB_ADDRESSES`` (the first process's host:port) and
``KERAS_DISTRIBUTION_PROCESS_ID``: ``detect()`` then joins them (``keras.distribution.initialize``)."""


@dataclass
class Accelerator:
    """What ``detect()`` found."""

    kind: str
    replicas: int
    backend: str
    strategy: Any = None
    distribution: Any = None
    notes: list[str] = field(default_factory=list)
    """Why detection fell back from each probe tried before, and what to know about what it found."""

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
        """One line: what was found, and its notes (why each earlier probe fell back; caveats)."""
        where = f"{self.kind.upper()}, {self.replicas} replica{'s' if self.replicas > 1 else ''}"
        spread = self.strategy or self.distribution
        how = type(spread).__name__ if spread is not None else "no distribution"
        how = {
            "_DefaultDistributionStrategy": "default strategy",
            "CollectiveAllReduceStrategy": "MultiWorkerMirroredStrategy",
        }.get(how, how)
        line = f"flowers_lab: {where} on {self.backend} ({how}), batch size {self.batch_size}"
        if self.replicas > 1:
            line += f" ({BATCH_PER_REPLICA[self.kind]} per replica)"
        return line + (f"; {'; '.join(self.notes)}" if self.notes else "")


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
    hidden = keep_tensorflow_on_the_cpu() if backend != "tensorflow" else []
    print(
        f"flowers_lab: Keras backend {backend} ({why})"
        + (f"; TensorFlow kept off the {', '.join(hidden)}" if hidden else "")
    )
    return backend


def keep_tensorflow_on_the_cpu() -> list[str]:
    """Hide every GPU and TPU from TensorFlow, which then only reads data (``tf.data``) for a
    model on another backend; return the device types hidden. Call it before TensorFlow runs
    anything (``choose_backend`` does, for any backend but TensorFlow).

    On a TPU VM only one framework can open the TPU (jax-ml/jax#13260; a TPU-enabled TensorFlow
    beside JAX failed with ``ioctl failed``, googlecolab/colabtools#4567); on a GPU both would
    reserve its memory. The plain ``tensorflow`` wheel this project installs has no TPU support at
    all (no ``libtpu`` in its libraries: only ``tensorflow-tpu`` loads it), so on a TPU runtime
    TensorFlow sees no TPU to hide; this keeps it that way should a TensorFlow that does be there."""
    import tensorflow as tf

    hidden = []
    for kind in ("GPU", "TPU"):
        if tf.config.list_physical_devices(kind):
            tf.config.set_visible_devices([], kind)
            hidden.append(kind)
    return hidden


class ProbeFailed(Exception):
    """A probe found nothing; the message says why."""


def detect(mixed_precision: bool = False, log: Callable[[str], None] | None = print) -> Accelerator:
    """Probe for the best accelerator on the current Keras backend; never raises for its absence.

    TensorFlow order: a multi-worker cluster from ``TF_CONFIG`` (first: its strategy must be made
    before TensorFlow starts, and a TPU probe starts it), a TPU VM (``tpu='local'``), a named TPU
    (``TPU_NAME`` or Colab's legacy ``COLAB_TPU_ADDR``), several GPUs, then one GPU or the CPU
    with the default strategy. JAX: all of ``jax.devices()``, over which a ``DataParallel``
    distribution is set for the session when there are several.
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
    notes = []
    for probe in (probe_cluster, probe_local_tpu, probe_named_tpu, probe_gpus):
        try:
            found = probe()
        except ProbeFailed as why:
            notes.append(str(why))
            continue
        found.notes = notes + found.notes
        return found
    import tensorflow as tf

    return Accelerator("cpu", 1, "tensorflow", strategy=tf.distribute.get_strategy(), notes=notes)


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
    found = Accelerator(kind, strategy.num_replicas_in_sync, "tensorflow", strategy=strategy)
    found.notes.append(MULTI_WORKER_CAVEAT)
    return found


MULTI_WORKER_CAVEAT = (
    "Keras 3's fit fails under MultiWorkerMirroredStrategy (keras-team/keras#20585, seen with 3.15): "
    f"train with flowers_lab.multiworker.train_steps, or use the JAX backend and {PROCESSES}"
)
"""What ``detect()`` says beside a TensorFlow cluster: the strategy is made, and a custom training
loop trains with it, but the lessons' ``fit`` stops at its first step with a ``PerReplica`` error."""


def mirrored_cpus(count: int) -> Accelerator:
    """TensorFlow's ``MirroredStrategy`` over ``count`` logical devices split from the CPU: what
    several GPUs look like to a lesson, for tests and benchmarks on machines without them. Call it
    instead of ``detect()``, before TensorFlow has run anything."""
    import tensorflow as tf

    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * count)
    strategy = tf.distribute.MirroredStrategy([device.name for device in tf.config.list_logical_devices("CPU")])
    return Accelerator("cpu", strategy.num_replicas_in_sync, "tensorflow", strategy=strategy)


def repeatable(seed: int) -> None:
    """Make the rest of the session give the same figures run after run: Python's, NumPy's and
    the backend's random numbers seeded (the data's order, the initial weights, dropout), and
    TensorFlow's operations deterministic (``enable_op_determinism``: little cost on a CPU; on a
    GPU an operation without a deterministic kernel then stops with an error). JAX's are already."""
    import keras

    keras.utils.set_random_seed(seed)
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        tf.config.experimental.enable_op_determinism()


def virtual_devices(count: int) -> dict[str, str]:
    """The environment variables that show JAX ``count`` devices on this CPU, as a TPU v5e-8 shows
    it 8: for trying several replicas without an accelerator. Set them in a new process or kernel
    (JAX reads them when it starts).

    XLA's CPU client runs each device's share of a step, collectives included, on one pool of
    max(cores, devices) threads, which other work shares: with exactly as many threads as devices,
    an all-reduce now and then waits for devices that never start, and XLA ends the process after
    40 s (``Expected 8 threads to join the rendezvous, but only 6 of them arrived``): lesson 4 on 8
    devices of 2 cores died that way in 3 runs of 3, and passed 4 times in 4 with twice the threads, which
    ``PJRT_NPROC`` sets."""
    return {"XLA_FLAGS": f"--xla_force_host_platform_device_count={count}", "PJRT_NPROC": str(2 * count)}


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

    if int(os.environ.get(PROCESSES, "1")) > 1:
        jax.config.update("jax_cpu_collectives_implementation", "gloo")  # CPUs of several processes
        keras.distribution.initialize()  # before any computation; reads the KERAS_DISTRIBUTION_* variables
    devices = jax.devices()  # every process's devices
    kind = devices[0].platform if devices[0].platform in BATCH_PER_REPLICA else "gpu"
    if len(devices) == 1:
        return Accelerator(kind, 1, "jax")
    # Set for the whole session, not only inside scope(): a DataParallel distribution splits
    # each batch over the devices only where it is in force, and the lessons call fit,
    # evaluate and predict after building their models in the scope.
    distribution = keras.distribution.DataParallel(devices=devices)
    keras.distribution.set_distribution(distribution)
    return Accelerator(kind, len(devices), "jax", distribution=distribution)
