"""Shared fixtures: a small offline sample, as photos and as shards, made once per session."""

import fcntl
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import pytest  # noqa: E402

from flowers_lab.authoring.curriculum import LESSONS  # noqa: E402
from flowers_lab.data.writer import write_shards  # noqa: E402
from flowers_lab.sources import sample_folder  # noqa: E402
from flowers_lab.synthetic.sample import write_sample_photos  # noqa: E402


@pytest.fixture(scope="session")
def sample_photos(tmp_path_factory):
    """12 synthetic photos per class in ``<tmp>/flower_photos/<class>/``."""
    return write_sample_photos(tmp_path_factory.mktemp("sample") / "flower_photos", per_class=12, log=None)


@pytest.fixture(scope="session")
def sample_shards(sample_photos, tmp_path_factory):
    """The sample written as 16 shards of 64 px images (60 images: 4 per shard)."""
    out = tmp_path_factory.mktemp("shards") / "tfrecords-jpeg-64x64"
    write_shards(sample_photos, out, size=64, shards=16, log=None)
    return out


@pytest.fixture(scope="session")
def data_root(tmp_path_factory):
    """One data root (``FLOWERS_LAB_DATA``) for the tests that read the lessons' samples, so each
    sample is made once: the notebooks and the story test train on the same 250-per-class one.
    pytest-xdist's workers share it (a sample two make at once is made twice, identically)."""
    previous = os.environ.get("FLOWERS_LAB_DATA")
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = tmp_path_factory.getbasetemp().parent / "data"  # beside the workers' own folders
        root.mkdir(exist_ok=True)
        os.environ["FLOWERS_LAB_DATA"] = str(root)
        with open(root / ".making", "w") as lock:  # the quick runs' photos (20 s at 250 per class): one worker
            fcntl.flock(lock, fcntl.LOCK_EX)
            for per_class in {
                lesson.quick["SAMPLE_PER_CLASS"] for lesson in LESSONS if "SAMPLE_PER_CLASS" in lesson.quick
            }:
                write_sample_photos(sample_folder(per_class) / "flower_photos", per_class=per_class, log=None)
    else:
        root = tmp_path_factory.mktemp("data")
        os.environ["FLOWERS_LAB_DATA"] = str(root)
    yield root
    if previous is None:
        del os.environ["FLOWERS_LAB_DATA"]
    else:
        os.environ["FLOWERS_LAB_DATA"] = previous


def pytest_collection_modifyitems(items):
    """The tests that train run first, the story's longest of them first: with two workers that
    take one test at a time (``--maxschedchunk=1`` in the Makefile), the quick ones then fill the
    gaps, rather than one long test ending the run while the other worker waits."""
    items.sort(key=lambda item: (item.get_closest_marker("slow") is None, "test_story" not in item.nodeid))
