"""flowers-lab: the package behind the "Keras and modern convnets, on TPUs" notebooks.

What the notebooks import sits at the top: ``accelerator`` (strategy and backend detection),
``sources`` (where a lesson's data comes from), ``timing``, ``plots``, ``evaluation``,
``schedule``, ``saving``, ``backbone``, ``results`` and ``checks/`` (exercise feedback).
Below them: ``data/`` (the TFRecord schema, photos to shards, reading shards), ``synthetic/``
(the offline sample and the backbone's pretraining photos), and, for maintainers only,
``authoring/`` (the curriculum, playgrounds, the notebook runner); ``cli`` is the command.
"""

from flowers_lab.data.schema import CLASSES

__version__ = "0.1.0"
__all__ = ["CLASSES", "__version__"]
