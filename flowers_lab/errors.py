"""The one exception type the project raises for bad input."""


class DataError(Exception):
    """Bad input: the message is one line that names the file and what is wrong."""
