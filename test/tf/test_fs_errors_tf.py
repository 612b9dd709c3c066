"""Filesystem errors of the verbs that need TensorFlow: one line naming the path, exit 1 (see
test/unit/test_fs_errors.py for why a path below a regular file is used: it fails for root too)."""
import pytest

from dataset_helpers import all_files, leftovers, make_project
from tod_ros import resources
from tod_ros.cli import main
from tod_ros.dataset.convert import convert_project

tf = pytest.importorskip("tensorflow")
pytestmark = pytest.mark.tf
DEMO = resources.model_dir(resources.DEMO_MODEL)


def test_inspect_draw_under_a_file(tmp_path, blocker, capsys):
    project = make_project(tmp_path / "ws")
    convert_project(project)
    assert main(["inspect", str(project.record_path("train")), "--draw", "1", "--out", str(blocker / "d")]) == 1
    one_line_error_after_output(capsys, blocker)


def test_detect_out_and_json_under_a_file(tmp_path, blocker, capsys):
    if not (DEMO / "model.tflite").is_file():
        pytest.skip("models/demo has no model.tflite")
    project = make_project(tmp_path / "ws")
    image = project.split_dir("train") / "a.png"
    assert main(["detect", "--model", str(DEMO), "--backend", "tflite", "-i", str(image),
                 "--out", str(blocker / "o")]) == 1
    one_line_error_after_output(capsys, blocker)
    assert main(["detect", "--model", str(DEMO), "--backend", "tflite", "-i", str(image), "--out",
                 str(tmp_path / "o"), "--json", str(blocker / "d.json")]) == 1
    one_line_error_after_output(capsys, blocker)


def one_line_error_after_output(capsys, blocker):
    """The verb may have printed progress on stdout; the error is one line on stderr."""
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.startswith("tod: error: ") and str(blocker) in err, err
    assert err.strip().count("\n") == 0, err


def test_eval_json_under_a_file(tmp_path, blocker, capsys):
    if not (DEMO / "model.tflite").is_file():
        pytest.skip("models/demo has no model.tflite")
    project = make_project(tmp_path / "ws")
    assert main(["eval", "--model", str(DEMO), "--backend", "tflite", "--images", str(project.split_dir("test")),
                 "--json", str(blocker / "e.json"), "--out", str(tmp_path / "ev")]) == 1
    one_line_error_after_output(capsys, blocker)


def test_train_model_dir_under_a_file(tmp_path, blocker, capsys):
    """The issue's case (`tod train --model-dir <read-only dir>/m`), with a path that fails for root too."""
    project = make_project(tmp_path / "ws")
    convert_project(project)
    assert main(["train", "-p", project.name, "--workspace", str(project.root), "--model-dir", str(blocker / "m"),
                 "num_steps=1", "batch_size=1"]) == 1
    one_line_error_after_output(capsys, blocker)


def _disk_full(path):
    """What TensorFlow raises when the disk fills up under one of its writers (its own type, not OSError)."""
    return tf.errors.ResourceExhaustedError(None, None, f"{path}; No space left on device")


def test_convert_on_a_full_disk_is_one_line(tmp_path, monkeypatch, capsys):
    project = make_project(tmp_path / "ws")
    before = all_files(tmp_path)

    def write(self, record):
        raise _disk_full(project.training_dir / ".train.record.1.x.tmp")

    monkeypatch.setattr(tf.io.TFRecordWriter, "write", write)
    assert main(["convert", "-p", project.name, "--workspace", str(project.root)]) == 1
    err = capsys.readouterr().err
    assert err == f"tod: error: {project.record_path('train')}: No space left on device\n", err
    assert all_files(tmp_path) == before and not leftovers(tmp_path)


def test_export_on_a_full_disk_is_one_line(tmp_path, monkeypatch, capsys):
    def save(obj, export_dir, signatures=None):
        raise _disk_full(f"{export_dir}/variables/variables_temp/part-00000-of-00001.data-00000-of-00001")

    monkeypatch.setattr(tf.saved_model, "save", save)
    out = tmp_path / "exported"
    assert main(["export", "--model-dir", str(resources.model_dir(resources.BASE_MODEL)), "--out", str(out),
                 "--no-tflite"]) == 1
    err = capsys.readouterr().err
    assert err == f"tod: error: {out / 'saved_model'}: No space left on device\n", err
    assert not (out / "saved_model").exists() and not (out / ".saved_model.tmp").exists()
