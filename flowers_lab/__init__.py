"""flowers-lab: the package behind the "Keras and modern convnets, on TPUs" notebooks.

Modules: ``accelerator`` (strategy and backend detection), ``schema`` (the TFRecord
schema), ``writer`` and ``reader`` (shards out and in), ``shards`` (checking shards),
``photos`` (reading photos), ``sample`` (the offline synthetic sample), ``sources``
(resolving a lesson's data), ``cli`` (the ``flowers-lab`` command).
"""

from flowers_lab.schema import CLASSES

__version__ = "0.1.0"
__all__ = ["CLASSES", "__version__"]
