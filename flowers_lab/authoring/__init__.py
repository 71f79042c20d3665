"""Tools for the people who write and check the lessons, not for learners: ``curriculum`` (the
lessons and their small parameters), ``playgrounds`` (solution -> playground) and ``runner``
(executing notebooks). They need the ``authoring`` extra (nbformat, papermill, ipykernel)."""
