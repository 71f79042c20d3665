"""The flowers as data: the TFRecord schema, photos to shards (``photos``, ``writer``), checking
shards (``shards``) and reading them into ``tf.data`` (``reader``). Used by the notebooks and
the ``flowers-lab`` command; imports nothing of the rest of the package but ``errors``."""
