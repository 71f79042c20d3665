"""The writer: odd photos, odd folders, and never a half-written or overwritten shard set."""

import io
import os
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from flowers_lab.data import writer as writer_module
from flowers_lab.data.photos import square_jpeg
from flowers_lab.data.reader import load_flowers
from flowers_lab.data.schema import CLASSES
from flowers_lab.data.shards import check_shard, find_shards
from flowers_lab.data.writer import write_shards
from flowers_lab.errors import DataError


def _save(path, image, fmt, **options):
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path, fmt, **options)


def _decode(shard):
    record = next(iter(tf.data.TFRecordDataset(str(shard))))
    example = tf.train.Example.FromString(record.numpy())
    return tf.io.decode_jpeg(example.features.feature["image"].bytes_list.value[0]).numpy()


@pytest.mark.parametrize(
    "mode, colour, fmt, expected",
    [
        ("RGB", (200, 10, 10), "PNG", (200, 10, 10)),
        ("P", 0, "GIF", (0, 0, 0)),
        ("RGB", (10, 200, 10), "BMP", (10, 200, 10)),
        ("L", 128, "JPEG", (128, 128, 128)),
        ("CMYK", (0, 255, 255, 0), "JPEG", (255, 0, 0)),
        ("RGBA", (0, 0, 255, 255), "PNG", (0, 0, 255)),
        ("LA", (60, 255), "PNG", (60, 60, 60)),
    ],
)
def test_every_kind_of_photo_becomes_a_square_rgb_jpeg(tmp_path, mode, colour, fmt, expected):
    path = tmp_path / f"photo.{fmt.lower()}"
    _save(path, Image.new(mode, (50, 40), colour), fmt)
    jpeg, enlarged = square_jpeg(path, 32)
    image = tf.io.decode_jpeg(jpeg).numpy()
    assert image.shape == (32, 32, 3) and not enlarged
    np.testing.assert_allclose(image.mean(axis=(0, 1)), expected, atol=6)


def test_all_formats_in_class_folders_are_counted(tmp_path):
    src = tmp_path / "photos"
    for path, fmt in (
        ("daisy/a.png", "PNG"),
        ("daisy/b.gif", "GIF"),
        ("roses/c.bmp", "BMP"),
        ("roses/d.JPG", "JPEG"),
        ("tulips/e.jpeg", "JPEG"),
    ):
        _save(src / path, Image.new("RGB", (50, 40)), fmt)
    report = write_shards(src, tmp_path / "out", size=32, shards=6, log=None)
    assert report.per_class == {"daisy": 2, "dandelion": 0, "roses": 2, "sunflowers": 0, "tulips": 1}
    assert len(report.shards) == 5 and not report.skipped


def test_transparent_pixels_are_laid_over_white(tmp_path):
    _save(tmp_path / "p" / "daisy" / "clear.png", Image.new("RGBA", (40, 40), (0, 0, 255, 0)), "PNG")
    report = write_shards(tmp_path / "p", tmp_path / "out", size=32, shards=1, log=None)
    assert _decode(report.shards[0]).min() > 240


def test_exif_rotated_photos_come_out_upright(tmp_path):
    upright = Image.new("RGB", (60, 90), (0, 0, 255))
    upright.paste((255, 0, 0), (0, 0, 60, 45))  # red top half, blue bottom half
    stored = upright.transpose(Image.Transpose.ROTATE_90)  # what a sideways camera stores
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90 CW to display
    _save(tmp_path / "p" / "daisy" / "sideways.jpg", stored, "JPEG", exif=exif)
    report = write_shards(tmp_path / "p", tmp_path / "out", size=40, shards=1, log=None)
    image = _decode(report.shards[0]).astype(int)
    top, bottom = image[:12].mean(axis=(0, 1)), image[-12:].mean(axis=(0, 1))
    assert top[0] > 200 and top[2] < 60, "the top should be red"
    assert bottom[2] > 200 and bottom[0] < 60, "the bottom should be blue"


def test_fill_and_centre_crop_no_letterbox(tmp_path):
    wide = Image.new("RGB", (300, 100), (0, 255, 0))
    wide.paste((255, 0, 0), (100, 0, 200, 100))  # only the centre third is red
    _save(tmp_path / "p" / "roses" / "wide.jpg", wide, "JPEG")
    report = write_shards(tmp_path / "p", tmp_path / "out", size=50, shards=1, log=None)
    image = _decode(report.shards[0]).astype(int)
    assert image[:, 5:45, 0].min() > 200 and image[:, 5:45, 1].max() < 60


def test_small_images_are_enlarged_and_reported(tmp_path):
    _save(tmp_path / "p" / "daisy" / "tiny.jpg", Image.new("RGB", (20, 30), (0, 0, 0)), "JPEG")
    report = write_shards(tmp_path / "p", tmp_path / "out", size=64, shards=1, log=None)
    assert report.enlarged == 1
    assert _decode(report.shards[0]).shape == (64, 64, 3)
    assert "1 images smaller than the target were enlarged" in report.summary()


def test_non_images_unknown_folders_and_corrupt_files_are_skipped_with_reasons(tmp_path):
    src = tmp_path / "p"
    _save(src / "daisy" / "ok.jpg", Image.new("RGB", (40, 40)), "JPEG")
    (src / "daisy" / "notes.txt").write_text("not a photo")
    (src / "daisy" / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 this is not really a JPEG")
    buffer = io.BytesIO()
    Image.new("RGB", (40, 40)).save(buffer, "JPEG")
    (src / "daisy" / "truncated.jpg").write_bytes(buffer.getvalue()[:100])
    _save(src / "orchids" / "x.jpg", Image.new("RGB", (40, 40)), "JPEG")
    (src / "tulips").mkdir()  # an empty class folder
    report = write_shards(src, tmp_path / "out", size=32, shards=2, log=None)
    reasons = {path.name: why for path, why in report.skipped}
    assert reasons["notes.txt"] == "not an image file"
    assert reasons["broken.jpg"].startswith("not a readable image")
    assert reasons["truncated.jpg"].startswith("not a readable image")
    assert reasons["orchids"].startswith("folder is not one of the classes")
    assert report.per_class["daisy"] == 1 and report.per_class["tulips"] == 0
    summary = report.summary()
    assert "skipped 4 files" in summary and "orchids" in summary


def test_no_photo_at_all_is_an_error_naming_the_folder(tmp_path):
    (tmp_path / "p" / "daisy").mkdir(parents=True)
    with pytest.raises(DataError, match=r"p: no photos found"):
        write_shards(tmp_path / "p", tmp_path / "out", log=None)
    with pytest.raises(DataError, match=r"nowhere: not a folder"):
        write_shards(tmp_path / "nowhere", tmp_path / "out", log=None)


def test_existing_shards_are_never_overwritten_unless_asked(sample_photos, tmp_path):
    out = tmp_path / "out"
    first = write_shards(sample_photos, out, size=32, shards=4, log=None)
    before = {p.name: p.read_bytes() for p in first.shards}
    with pytest.raises(DataError, match=r"out: already holds 4 shards .*overwrite"):
        write_shards(sample_photos, out, size=48, shards=3, log=None)
    assert {p.name: p.read_bytes() for p in out.glob("*.tfrec")} == before
    second = write_shards(sample_photos, out, size=48, shards=3, overwrite=True, log=None)
    assert sorted(out.glob("*.tfrec")) == sorted(second.shards) and len(second.shards) == 3


def test_an_interrupted_run_leaves_no_shard_and_no_temporary_file(sample_photos, tmp_path, monkeypatch):
    calls = []
    real = writer_module.square_jpeg

    def interrupt_later(path, size):
        calls.append(path)
        if len(calls) == 30:
            raise KeyboardInterrupt
        return real(path, size)

    monkeypatch.setattr(writer_module, "square_jpeg", interrupt_later)
    with pytest.raises(KeyboardInterrupt):
        write_shards(sample_photos, tmp_path / "out", size=32, shards=8, log=None)
    assert list((tmp_path / "out").iterdir()) == []


def test_shards_mix_classes_split_evenly_and_pass_the_checks(sample_photos, tmp_path):
    report = write_shards(sample_photos, tmp_path / "out", size=32, shards=16, log=None)
    names = [p.name for p in report.shards]
    assert names[0] == "flowers00-4.tfrec" and len(names) == 15  # 60 photos, 4 per shard
    checks = [check_shard(p, CLASSES) for p in find_shards(tmp_path / "out")]
    assert all(c.problem is None for c in checks)
    assert max(len(c.per_class) for c in checks) > 1


def test_same_seed_gives_byte_identical_shards_in_two_processes(sample_photos, tmp_path):
    """Protobuf serialises the map of a record's features in an order that may change from one
    process to the next; within one process it happens to repeat, so the test uses two."""
    write = (
        "import sys; from flowers_lab.data.writer import write_shards; "
        f"write_shards({str(sample_photos)!r}, sys.argv[1], size=32, shards=3, log=None)"
    )
    for name in ("a", "b"):
        subprocess.run([sys.executable, "-c", write, str(tmp_path / name)], check=True, timeout=300)
    a, b = (sorted((tmp_path / name).glob("*.tfrec")) for name in ("a", "b"))
    assert len(a) == 3 and [p.name for p in a] == [p.name for p in b]
    assert [p.read_bytes() for p in a] == [p.read_bytes() for p in b]


def test_a_run_killed_while_writing_leaves_a_staging_folder_that_the_next_run_removes(sample_photos, tmp_path):
    ended = subprocess.Popen(["true"])
    ended.wait()  # reaped: its process id names no running process
    out = tmp_path / "out"
    stale = out / f".writing-{ended.pid}-x1"
    stale.mkdir(parents=True)
    (stale / "flowers00-4.tfrec").write_bytes(b"half written")
    running = out / f".writing-{os.getpid()}-x2"
    running.mkdir()
    write_shards(sample_photos, out, size=32, shards=3, log=None)
    assert not stale.exists(), "a staging folder whose process is gone is removed"
    assert running.exists(), "one of a running process is not"
    assert sorted(p.name for p in out.iterdir()) == [running.name, *sorted(p.name for p in out.glob("*.tfrec"))]


def test_own_classes_are_written_and_read_back(tmp_path):
    for name, colour in (("cats", 30), ("dogs", 220)):
        for i in range(4):
            _save(tmp_path / "p" / name / f"{i}.jpg", Image.new("RGB", (40, 40), (colour,) * 3), "JPEG")
    write_shards(tmp_path / "p", tmp_path / "out", size=32, shards=2, classes=("cats", "dogs"), log=None)
    data = load_flowers(tmp_path / "out", batch_size=4, validation_fraction=0.5)
    assert data.classes == ("cats", "dogs")
    images, labels, _ = next(iter(data.validation))
    brightness = images.numpy().mean(axis=(1, 2, 3))
    np.testing.assert_array_equal(brightness > 127, labels.numpy() == 1)
