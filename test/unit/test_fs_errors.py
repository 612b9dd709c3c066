"""Filesystem errors of every writing verb: one line naming the path and the reason, exit 1, no traceback.

The tests run as root, for whom a read-only folder is no obstacle; they use what fails for
root too: a path below a regular file (``<file>/sub``: "Not a directory"), and simulated
errors (permission denied, disk full) raised by the writing call itself. Verbs needing
TensorFlow (inspect --draw, detect) are in test/tf/test_fs_errors_tf.py.
"""
import errno
import os

import pytest

from dataset_helpers import all_files, make_image, make_project
from tod_ros.cli import main


def one_line_error(capsys, *names):
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert "Traceback" not in err and len(lines) == 1, err
    assert lines[0].startswith("tod: error: "), err
    for name in names:
        assert str(name) in lines[0], err
    return lines[0]


def test_init_under_a_file(blocker, capsys):
    assert main(["init", "p", "--workspace", str(blocker / "ws")]) == 1
    assert one_line_error(capsys, blocker).endswith("Not a directory")


@pytest.mark.parametrize("verb", ["convert", "xml-to-csv"])
def test_convert_out_under_a_file_writes_nothing(tmp_path, blocker, capsys, verb):
    project = make_project(tmp_path / "ws")
    before = all_files(tmp_path)
    assert main([verb, "--images", str(project.images_dir), "--out", str(blocker / "x")]) == 1
    assert one_line_error(capsys, blocker / "x").endswith("Not a directory")
    assert all_files(tmp_path) == before


def test_csv_to_record_training_dir_is_a_file(tmp_path, capsys):
    project = make_project(tmp_path)
    assert main(["xml-to-csv", "-p", project.name, "--workspace", str(tmp_path)]) == 0
    capsys.readouterr()
    project.training_dir.rmdir()
    project.training_dir.write_text("not a folder")
    before = all_files(tmp_path)
    assert main(["csv-to-record", "-p", project.name, "--workspace", str(tmp_path)]) == 1
    one_line_error(capsys, project.training_dir)
    assert all_files(tmp_path) == before


def test_disk_full_while_writing_names_the_file_and_leaves_nothing(tmp_path, capsys, monkeypatch):
    import tod_ros.dataset.csvio as csvio

    project = make_project(tmp_path)
    before = all_files(tmp_path)

    def full(fh, *_a, **_k):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(csvio.csv, "writer", lambda fh, *a, **k: type("W", (), {
        "writerow": full, "writerows": full})())
    assert main(["xml-to-csv", "-p", project.name, "--workspace", str(tmp_path)]) == 1
    line = one_line_error(capsys, project.csv_path("train"))
    assert line.endswith("No space left on device")
    assert all_files(tmp_path) == before


def test_report_sheet_and_synth_under_a_file(tmp_path, blocker, capsys):
    project = make_project(tmp_path / "ws")
    assert main(["report", "-p", project.name, "--workspace", str(project.root), "--sheet",
                 str(blocker / "sheet.png")]) == 1
    one_line_error_or_report(capsys, blocker)
    assert main(["synth", "--out", str(blocker / "s"), "--count", "1", "--quiet"]) == 1
    one_line_error(capsys, blocker)


def one_line_error_or_report(capsys, blocker):
    """report prints its table on stdout first; the error itself is one line on stderr."""
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.count("\n") == 1 and str(blocker) in err, err


def test_label_classes_file_under_a_file(tmp_path, capsys):
    project = make_project(tmp_path)
    project.training_dir.rmdir()
    project.training_dir.write_text("not a folder")
    assert main(["label", "-p", project.name, "--workspace", str(tmp_path), "--print-command"]) == 1
    one_line_error(capsys, project.training_dir)


def test_split_into_a_file_named_train(tmp_path, capsys):
    from dataset_helpers import make_pair
    from tod_ros.workspace import Project

    project = Project.at("p", tmp_path)
    project.images_dir.mkdir(parents=True)
    for i in range(3):
        make_pair(project.images_dir, f"i{i}", [("one", 1, 1, 9, 9)])
    (project.images_dir / "train").write_text("in the way")
    before = all_files(tmp_path)
    assert main(["split", "-p", "p", "--workspace", str(tmp_path)]) == 1
    one_line_error(capsys, project.images_dir / "train")
    assert all_files(tmp_path) == before


def test_prelabel_permission_denied_names_the_xml(tmp_path, capsys, monkeypatch):
    """Writing a pre-annotation fails (as in a read-only folder for a normal user): one line, exit 1."""
    folder = tmp_path / "imgs"
    make_image(folder / "a.png", 64, 48)

    def denied(src, dst):
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(dst))

    monkeypatch.setattr(os, "link", denied)
    assert main(["prelabel", "--images", str(folder), "--backend", "tflite"]) == 1
    one_line_error(capsys, folder / "a.xml", "Permission denied")
    assert all_files(tmp_path) == ["imgs/a.png"]


def test_atomic_write_names_the_path_of_an_error_without_one(tmp_path):
    from tod_ros.fileio import atomic_write

    with pytest.raises(OSError) as info:
        with atomic_write(tmp_path / "x.txt") as fh:
            fh.write("x")
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    assert (info.value.errno, info.value.filename) == (errno.ENOSPC, str(tmp_path / "x.txt"))
    assert all_files(tmp_path) == []
