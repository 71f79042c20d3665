"""The ``flowers-lab`` command: what it prints, and one-line errors with a non-zero exit."""

import subprocess
import sys

import pytest

from flowers_lab.cli import main


def test_sample_writes_photos_and_shards(tmp_path, capsys):
    assert main(["sample", "--out", str(tmp_path / "s"), "--size", "32", "--per-class", "2", "--shards", "4"]) == 0
    assert len(list((tmp_path / "s" / "tfrecords-jpeg-32x32").glob("*.tfrec"))) == 4
    out = capsys.readouterr().out
    assert "wrote 10 images in 4 shards" in out and "daisy            2" in out


def test_convert_then_inspect_reports_counts_classes_and_sizes(sample_photos, tmp_path, capsys):
    out = tmp_path / "shards"
    assert main(["convert", str(sample_photos), str(out), "--size", "40", "--shards", "3"]) == 0
    assert main(["inspect", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "flowers00-20.tfrec              20 records  ok" in printed
    assert "60 records in 3 files; daisy 12, dandelion 12, roses 12, sunflowers 12, tulips 12" in printed
    assert "image sizes: 40x40 (60)" in printed


def test_convert_refuses_to_overwrite_with_one_line(sample_photos, tmp_path, capsys):
    out = tmp_path / "shards"
    assert main(["convert", str(sample_photos), str(out), "--size", "32", "--shards", "2"]) == 0
    capsys.readouterr()
    assert main(["convert", str(sample_photos), str(out), "--size", "32"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"flowers-lab: error: {out}: already holds 2 shards")
    assert main(["convert", str(sample_photos), str(out), "--size", "32", "--overwrite"]) == 0


def test_inspect_exits_non_zero_and_names_every_bad_shard(sample_shards, tmp_path, capsys):
    bad = tmp_path / "bad"
    bad.mkdir()
    for path in sorted(sample_shards.glob("*.tfrec"))[:3]:
        (bad / path.name).write_bytes(path.read_bytes())
    first = sorted(bad.glob("*.tfrec"))[0]
    first.write_bytes(first.read_bytes()[:-10])
    assert main(["inspect", f"{bad}/*.tfrec"]) == 1
    captured = capsys.readouterr()
    assert f"{first.name}" in captured.out and "BAD: truncated or corrupt" in captured.out
    assert captured.err == "flowers-lab: error: 1 of 3 shards are bad\n"


@pytest.mark.parametrize(
    "argv, message",
    [
        (["inspect", "/nowhere/*.tfrec"], "flowers-lab: error: /nowhere/*.tfrec: no .tfrec files match\n"),
        (
            ["convert", "/", "/tmp/x-flowers-lab"],
            "flowers-lab: error: /: no photos found in the class folders daisy, dandelion, roses, sunflowers, tulips\n",
        ),
    ],
)
def test_bad_paths_are_one_line_errors(capsys, argv, message):
    assert main(argv) == 1
    assert capsys.readouterr().err == message


def test_doctor_reports_versions_accelerator_and_data(tmp_path, monkeypatch):
    env = {"FLOWERS_LAB_DATA": str(tmp_path), "PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        [sys.executable, "-m", "flowers_lab.cli", "doctor"], capture_output=True, text=True, env=env, timeout=300
    )
    assert result.returncode == 0, result.stderr[-2000:]
    lines = result.stdout.splitlines()
    assert lines[0].startswith("TensorFlow 2.") and "Keras 3." in lines[0]
    assert lines[1].startswith("flowers_lab: CPU, 1 replica")
    assert f"data root: {tmp_path}" in result.stdout
    assert "real photos: missing: run flowers-lab download" in result.stdout
    assert "offline sample: missing: run flowers-lab sample" in result.stdout
    assert result.stderr == "", "TensorFlow's start-up lines stay out (flowers_lab.quiet)"
    assert len(lines) == 9 and all(line.startswith(DOCTOR_LINES) for line in lines), lines
    verbose = subprocess.run(
        [sys.executable, "-m", "flowers_lab.cli", "--verbose", "doctor"], capture_output=True, text=True, env=env
    )
    assert verbose.returncode == 0 and verbose.stdout == result.stdout
    assert "oneDNN" in verbose.stderr or "I0000" in verbose.stderr, "--verbose brings them back"


DOCTOR_LINES = (
    "TensorFlow ",
    "flowers_lab: ",
    "data root: ",
    "  real photos: ",
    "  real shards ",
    "  offline sample: ",
)
"""Every line flowers-lab doctor prints begins with one of these: the project's own words."""


def test_download_converts_the_photos_to_each_size(sample_photos, tmp_path, monkeypatch, capsys):
    from flowers_lab import sources

    monkeypatch.setattr(sources, "download_photos", lambda root: sample_photos)
    assert main(["download", "--root", str(tmp_path), "--sizes", "32", "40"]) == 0
    for size in (32, 40):
        assert len(list((tmp_path / f"tfrecords-jpeg-{size}x{size}").glob("*.tfrec"))) == 15
    assert f"photos in {sample_photos}" in capsys.readouterr().out
    assert main(["download", "--root", str(tmp_path), "--sizes", "32"]) == 1  # shards exist: not replaced
    assert "already holds 15 shards" in capsys.readouterr().err


def test_pretrain_backbone_keeps_the_committed_weights_unless_told(capsys):
    from flowers_lab.backbone import OFFLINE_WEIGHTS

    before = OFFLINE_WEIGHTS.read_bytes()
    assert main(["pretrain-backbone", "--epochs", "1"]) == 1
    assert capsys.readouterr().err == (
        f"flowers-lab: error: {OFFLINE_WEIGHTS}: already exists; pass overwrite (--overwrite) to replace it\n"
    )
    assert OFFLINE_WEIGHTS.read_bytes() == before


def test_run_and_playgrounds_find_the_notebooks_of_the_working_folder_or_say_where_they_looked(
    tmp_path, monkeypatch, capsys
):
    from flowers_lab.authoring import curriculum

    monkeypatch.setattr(curriculum, "NOTEBOOKS", None)
    monkeypatch.chdir(tmp_path)  # no notebooks here: the checkout's, beside the package (an editable install)
    assert curriculum.find_notebooks() == curriculum.CHECKOUT_NOTEBOOKS
    clone = tmp_path / "notebooks"
    clone.mkdir()
    (clone / "01_tf_data_solution.ipynb").write_text("{}")
    assert curriculum.find_notebooks() == clone, "a clone's own notebooks come first"
    monkeypatch.setattr(curriculum, "CHECKOUT_NOTEBOOKS", tmp_path / "site-packages" / "notebooks")  # installed
    (clone / "01_tf_data_solution.ipynb").unlink()
    for command in (["run", "--quick"], ["playgrounds", "--check"]):
        assert main(command) == 1
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and err.startswith(f"flowers-lab: error: no lesson notebooks in {clone} or "), err
        assert err.rstrip().endswith("pass --notebooks DIR")
    assert main(["playgrounds", "--check", "--notebooks", str(tmp_path)]) == 1  # a folder, but no lessons
    assert f"no lesson notebooks in {tmp_path}:" in capsys.readouterr().err
    assert not (tmp_path / "build").exists(), "nothing is written before the notebooks are found"


@pytest.mark.parametrize(
    "arguments, says",
    [
        (["run", "--lessons", "12"], "flowers-lab run: error: argument --lessons: no lesson 12: lessons are 1, 2,"),
        (["run", "--lessons", "two"], "argument --lessons: no lesson two"),
        (
            ["sample", "--size", "0"],
            "flowers-lab sample: error: argument --size: an image size in px is at least 8, not 0",
        ),
        (["sample", "--per-class", "-3"], "argument --per-class: photos per class is at least 1, not -3"),
        (["sample", "--shards", "0"], "argument --shards: the number of shards is at least 1, not 0"),
        (["sample", "--per-class", "2", "--shards", "11"], "argument --shards: 11 shards for 10 photos would leave"),
        (["sample", "--size", "big"], "argument --size: an image size in px is a whole number, not 'big'"),
        (["sample", "--seed", "-1"], "argument --seed: a seed is at least 0, not -1"),
        (["download", "--sizes", "192", "0"], "argument --sizes: an image size in px is at least 8, not 0"),
        (["convert", "{tmp}/no-photos", "{tmp}/out"], "argument src: {tmp}/no-photos: no such folder"),
        (["convert", "{tmp}", "{tmp}/out", "--shards", "0"], "argument --shards: the number of shards is at least 1"),
        (["convert", "{tmp}", "{tmp}/out", "--classes", "roses,,tulips"], "argument --classes: comma-separated"),
        (["convert", "{tmp}", "{tmp}/a-file"], "argument out: {tmp}/a-file: a file is there, not a folder"),
        (["playgrounds", "--notebooks", "{tmp}/none"], "argument --notebooks: {tmp}/none: no such folder"),
        (["pretrain-backbone", "--size", "16"], "argument --size: MobileNetV2's image size in px is at least 32"),
        (["pretrain-backbone", "--epochs", "0"], "argument --epochs: the number of epochs is at least 1, not 0"),
        (["sample", "--colour", "red"], "unrecognized arguments: --colour red"),
    ],
    ids=lambda value: " ".join(value) if isinstance(value, list) else None,
)
def test_a_bad_argument_gets_one_line_and_exit_2_before_any_work(arguments, says, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("FLOWERS_LAB_DATA", str(tmp_path / "data"))
    (tmp_path / "a-file").write_text("mine")
    before = sorted(tmp_path.rglob("*"))
    with pytest.raises(SystemExit) as exited:
        main([argument.format(tmp=tmp_path) for argument in arguments])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and says.format(tmp=tmp_path) in err, err
    assert sorted(tmp_path.rglob("*")) == before, "nothing is written"
