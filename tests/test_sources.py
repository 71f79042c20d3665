"""Resolving a lesson's data: explicit path, then cache, then download, then the offline sample."""

import pytest

from flowers_lab import sources
from flowers_lab.errors import DataError
from flowers_lab.sources import data_root, resolve_data


def test_an_explicit_shard_folder_wins(sample_shards, tmp_path, capsys):
    found = resolve_data(sample_shards, root=tmp_path)
    assert (found.kind, found.shards) == ("explicit", sample_shards)
    assert "data from the path given" in capsys.readouterr().out


def test_an_explicit_photo_folder_is_converted_beside_itself(sample_photos, tmp_path):
    photos = tmp_path / "mine" / "flower_photos"
    photos.parent.mkdir()
    photos.symlink_to(sample_photos, target_is_directory=True)
    found = resolve_data(photos, size=32, root=tmp_path, log=None)
    assert found.shards == tmp_path / "mine" / "tfrecords-jpeg-32x32" and len(list(found.shards.glob("*.tfrec"))) == 15


def test_an_explicit_path_that_does_not_exist_is_an_error(tmp_path):
    with pytest.raises(DataError, match=r"nowhere: no such file or folder"):
        resolve_data(tmp_path / "nowhere", root=tmp_path)


def test_downloaded_photos_are_converted_once_and_then_come_from_the_cache(sample_photos, tmp_path, monkeypatch):
    (tmp_path / "flower_photos").symlink_to(sample_photos, target_is_directory=True)
    monkeypatch.setattr(sources, "download_photos", _no_network)
    first = resolve_data(size=32, root=tmp_path, online=True, log=None)
    assert (first.kind, first.shards) == ("cache", tmp_path / "tfrecords-jpeg-32x32")
    stamp = sorted(first.shards.glob("*.tfrec"))[0].stat().st_mtime_ns
    again = resolve_data(size=32, root=tmp_path, online=True, log=None)
    assert again.kind == "cache" and sorted(again.shards.glob("*.tfrec"))[0].stat().st_mtime_ns == stamp


def _no_network(root=None):
    raise OSError("Name or service not known")


def test_online_without_a_cache_downloads_and_converts(sample_photos, tmp_path, monkeypatch):
    def fake_download(root):
        (root / "flower_photos").symlink_to(sample_photos, target_is_directory=True)
        return root / "flower_photos"

    monkeypatch.setattr(sources, "download_photos", fake_download)
    found = resolve_data(size=32, root=tmp_path, online=True, log=None)
    assert (found.kind, found.photos) == ("download", tmp_path / "flower_photos")
    assert len(list(found.shards.glob("*.tfrec"))) == 15


def test_a_failed_download_falls_back_to_the_sample_and_says_why(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(sources, "download_photos", _no_network)
    found = resolve_data(size=32, root=tmp_path, online=True, sample_per_class=2)
    out = capsys.readouterr().out
    assert "download failed (Name or service not known); using the offline sample" in out
    assert found.kind == "sample" and "offline synthetic sample" in out
    assert found.shards == tmp_path / "sample" / "per-class-2-seed-0" / "tfrecords-jpeg-32x32"
    assert sum(1 for _ in found.photos.rglob("*.jpg")) == 10


def test_the_data_root_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("FLOWERS_LAB_DATA", str(tmp_path))
    assert data_root() == tmp_path
    monkeypatch.delenv("FLOWERS_LAB_DATA")
    assert data_root().name == "data"


def test_log_none_silences_everything_resolving_says_and_a_log_gets_it_all(tmp_path, capsys):
    found = resolve_data(size=32, root=tmp_path / "quiet", online=False, sample_per_class=2, log=None)
    assert found.kind == "sample" and capsys.readouterr().out == ""
    lines = []
    resolve_data(size=32, root=tmp_path / "told", online=False, sample_per_class=2, log=lines.append)
    assert capsys.readouterr().out == ""
    assert lines[0] == "sample: 2 daisy" and lines[-1].startswith("flowers_lab: data from the offline synthetic sample")
