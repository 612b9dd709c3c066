"""tod_ros.training.runs: a model folder's run is resumed on the same data, moved aside on other data."""
import json

import pytest

from tod_ros.errors import TodError
from tod_ros.training import runs


@pytest.fixture
def data(tmp_path):
    """A train record, a replay record and a label map (their bytes are all that matters here)."""
    files = {name: tmp_path / name for name in ("train.record", "replay.record", "label_map.pbtxt")}
    for name, path in files.items():
        path.write_bytes(name.encode() * 10)
    return files


def _inputs(data, start=""):
    return runs.inputs_of([data["train.record"]], [data["replay.record"]], data["label_map.pbtxt"], start)


def _finished_run(model_dir, inputs, step=300):
    model_dir.mkdir()
    for name in (f"ckpt-{step}.index", f"ckpt-{step}.data-00000-of-00001", "checkpoint"):
        (model_dir / name).write_text("x")
    if inputs is not None:
        runs.write_inputs(model_dir, inputs)


def test_no_checkpoint_is_a_new_run(tmp_path, data):
    assert runs.plan(tmp_path / "model", _inputs(data)).action == "new"
    (tmp_path / "model").mkdir()
    (tmp_path / "model" / "train_config.yaml").write_text("x")      # a config alone is no run
    assert runs.plan(tmp_path / "model", _inputs(data)).action == "new"


def test_same_data_resumes(tmp_path, data):
    _finished_run(tmp_path / "model", _inputs(data))
    plan = runs.plan(tmp_path / "model", _inputs(data))
    assert (plan.action, plan.last_step) == ("resume", 300)


def test_new_photos_start_over(tmp_path, data):
    _finished_run(tmp_path / "model", _inputs(data))
    data["train.record"].write_bytes(b"the same photos and two new ones")
    plan = runs.plan(tmp_path / "model", _inputs(data))
    assert plan.action == "restart"
    assert "the train records" in plan.reason and str(data["train.record"]) in plan.reason
    assert "label map" not in plan.reason


@pytest.mark.parametrize("what", ["replay.record", "label_map.pbtxt"])
def test_other_replay_or_label_map_start_over(tmp_path, data, what):
    _finished_run(tmp_path / "model", _inputs(data))
    data[what].write_bytes(b"changed")
    assert runs.plan(tmp_path / "model", _inputs(data)).action == "restart"


def test_other_start_checkpoint_starts_over(tmp_path, data):
    _finished_run(tmp_path / "model", _inputs(data, "models/cubes_base"))
    plan = runs.plan(tmp_path / "model", _inputs(data, "training/synthetic/model"))
    assert plan.action == "restart"
    assert "models/cubes_base -> training/synthetic/model" in plan.reason


def test_files_compare_by_content_not_path(tmp_path, data):
    _finished_run(tmp_path / "model", _inputs(data))
    moved = tmp_path / "moved"
    moved.mkdir()
    for name, path in data.items():
        data[name] = path.rename(moved / name)
    assert runs.plan(tmp_path / "model", _inputs(data)).action == "resume"


def test_fresh_starts_over_on_the_same_data(tmp_path, data):
    _finished_run(tmp_path / "model", _inputs(data))
    plan = runs.plan(tmp_path / "model", _inputs(data), fresh=True)
    assert (plan.action, plan.reason) == ("restart", "--fresh")


@pytest.mark.parametrize("content", [None, "{not json", "[1, 2]"])
def test_a_run_without_readable_inputs_resumes(tmp_path, data, content):
    """Runs made before train_inputs.json existed (or with a damaged one) resume as they always did."""
    _finished_run(tmp_path / "model", None)
    if content is not None:
        (tmp_path / "model" / runs.INPUTS_NAME).write_text(content)
    assert runs.plan(tmp_path / "model", _inputs(data)).action == "resume"


def test_inputs_file_is_json_with_digests(tmp_path, data):
    model_dir = tmp_path / "model"
    model_dir.mkdir()
    runs.write_inputs(model_dir, _inputs(data, "base"))
    saved = json.loads((model_dir / runs.INPUTS_NAME).read_text())
    assert saved["fine_tune_checkpoint"] == "base"
    assert list(saved["train_records"].values()) == [runs.file_digest(data["train.record"])]
    assert len(saved["label_map"][str(data["label_map.pbtxt"])]) == 64


def test_move_aside_replaces_an_older_previous_run(tmp_path, data):
    model_dir = tmp_path / "model"
    _finished_run(model_dir, _inputs(data), step=100)
    first = runs.move_aside(model_dir)
    assert first == tmp_path / "model.previous" and (first / "ckpt-100.index").is_file()
    assert not model_dir.exists()
    _finished_run(model_dir, _inputs(data), step=300)
    runs.move_aside(model_dir)
    assert sorted(p.name for p in first.glob("ckpt-*.index")) == ["ckpt-300.index"]


def test_move_aside_refuses_when_an_input_lies_inside(tmp_path, data):
    model_dir = tmp_path / "model"
    _finished_run(model_dir, _inputs(data))
    inside = model_dir / "label_map.pbtxt"
    inside.write_text("item {}")
    with pytest.raises(TodError, match="label_map.pbtxt lies inside it; train into another model_dir="):
        runs.move_aside(model_dir, [data["train.record"], inside])
    assert (model_dir / "ckpt-300.index").is_file()


def test_unreadable_record_names_the_file(tmp_path):
    with pytest.raises(TodError, match="missing.record: cannot read it"):
        runs.file_digest(tmp_path / "missing.record")
