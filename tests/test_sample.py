"""The offline sample: deterministic and reusable (what it teaches: test_story.py)."""

import pytest

from flowers_lab.data.schema import CLASSES
from flowers_lab.errors import DataError
from flowers_lab.synthetic.sample import flower_photo, write_sample_photos


def _files(folder):
    return {p.relative_to(folder): p.read_bytes() for p in sorted(folder.rglob("*.jpg"))}


def test_the_same_seed_gives_byte_identical_photos(sample_photos, tmp_path):
    again = write_sample_photos(tmp_path / "again", per_class=12, seed=0, log=None)
    assert _files(again) == _files(sample_photos)
    other = write_sample_photos(tmp_path / "other", per_class=12, seed=1, log=None)
    assert _files(other).keys() == _files(sample_photos).keys()
    assert all(a != b for a, b in zip(_files(other).values(), _files(sample_photos).values(), strict=True))


def test_a_photo_depends_only_on_seed_class_and_index(sample_photos, tmp_path):
    fewer = write_sample_photos(tmp_path / "fewer", per_class=3, log=None)
    assert all(sample_photos / name in _paths(sample_photos) for name in _files(fewer))
    assert _files(fewer) == {k: v for k, v in _files(sample_photos).items() if int(k.stem[-4:]) < 3}
    assert flower_photo("roses", 5).tobytes() == flower_photo("roses", 5).tobytes()


def _paths(folder):
    return set(folder.rglob("*.jpg"))


def test_every_class_has_its_photos(sample_photos):
    assert sorted(p.name for p in sample_photos.iterdir() if p.is_dir()) == sorted(CLASSES)
    assert all(len(list((sample_photos / c).glob("*.jpg"))) == 12 for c in CLASSES)


def test_an_existing_sample_is_reused_and_another_folder_is_never_touched(sample_photos, tmp_path):
    stamp = (sample_photos / "daisy" / "daisy_0000.jpg").stat().st_mtime_ns
    assert write_sample_photos(sample_photos, per_class=12, log=None) == sample_photos
    assert (sample_photos / "daisy" / "daisy_0000.jpg").stat().st_mtime_ns == stamp
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "holiday.jpg").write_bytes(b"a user's file")
    with pytest.raises(DataError, match=r"mine: already exists and is not this sample"):
        write_sample_photos(mine, per_class=2, log=None)
    assert [p.name for p in mine.iterdir()] == ["holiday.jpg"]


def test_two_processes_making_the_same_sample_at_once_both_get_it(tmp_path, monkeypatch):
    """Two notebooks started together, each making the sample: the one that finishes second finds
    the first's and keeps it, rather than failing on a folder that is no longer empty."""
    import shutil

    from flowers_lab.synthetic import sample

    made_first = write_sample_photos(tmp_path / "elsewhere", per_class=2, log=None)
    out = tmp_path / "flower_photos"

    def meanwhile(*args):  # the other process finishes while this one draws its photos
        if not out.exists():
            shutil.copytree(made_first, out)
        return flower_photo(*args)

    monkeypatch.setattr(sample, "flower_photo", meanwhile)
    assert write_sample_photos(out, per_class=2, log=None) == out
    assert _files(out) == _files(made_first)
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == [], "no staging folder left"
