"""Where `tod train` starts from (tod_ros.training.start): the shipped checkpoint by default."""
from pathlib import Path

import pytest
import yaml

from dataset_helpers import cubes_label_map
from tod_ros.dataset.labelmap import write_label_map
from tod_ros.errors import TodError
from tod_ros.training import start
from tod_ros.training.config import TrainConfig, load_config

REPO = Path(__file__).resolve().parents[2]
ONE_TWO = {1: "one", 2: "two"}


def _base(folder, labels=("one", "two"), **arch):
    folder.mkdir(parents=True, exist_ok=True)
    write_label_map(folder / "label_map.pbtxt", cubes_label_map(labels))
    saved = dict(TrainConfig().to_dict(), **arch)
    (folder / "train_config.yaml").write_text(yaml.safe_dump(saved))
    (folder / start.REPLAY_RECORD).write_bytes(b"")
    return folder


@pytest.fixture
def base(tmp_path, monkeypatch):
    folder = _base(tmp_path / "cubes_base")
    monkeypatch.setattr(start, "base_dir", lambda: folder)
    return folder


def test_same_labels_fine_tune_the_shipped_checkpoint_with_the_preset(base):
    preset = load_config("finetune_real")
    point = start.choose(TrainConfig(), ONE_TWO, explicit=set())
    c = point.config
    assert c.fine_tune_checkpoint == str(base) and c.fine_tune_checkpoint_type == "detection"
    assert (c.num_steps, c.learning_rate) == (preset.num_steps, preset.learning_rate)
    assert c.replay_records == [str(base / start.REPLAY_RECORD)]
    assert "fine-tuning the shipped pre-trained" in point.message and "finetune_real" in point.message


def test_user_values_win_over_the_preset(base):
    c = start.choose(TrainConfig(num_steps=7), ONE_TWO, explicit={"num_steps"}).config
    assert c.num_steps == 7 and c.fine_tune_checkpoint == str(base)


def test_a_given_config_file_is_not_overlaid_by_the_preset(base):
    c = start.choose(TrainConfig(num_steps=11), ONE_TWO, explicit=set(), preset_applied=True).config
    assert c.num_steps == 11 and c.fine_tune_checkpoint == str(base)


def test_other_labels_initialise_the_backbone_only(base):
    point = start.choose(TrainConfig(), {1: "cat", 2: "dog"}, explicit=set())
    assert point.config.fine_tune_checkpoint == str(base)
    assert point.config.fine_tune_checkpoint_type == "classification"
    assert point.config.num_steps == TrainConfig().num_steps and not point.config.replay_records
    assert "backbone only" in point.message and "(cat, dog)" in point.message


def test_from_scratch(base):
    for point in (start.choose(TrainConfig(), ONE_TWO, set(), from_scratch=True),
                  start.choose(TrainConfig(fine_tune_checkpoint="none"), ONE_TWO, {"fine_tune_checkpoint"})):
        assert point.config.fine_tune_checkpoint == "" and "from scratch" in point.message


def test_pretraining_preset_starts_from_scratch(base):
    from tod_ros.training.config import explicit_keys
    cfg = load_config("pretrain_synthetic")
    point = start.choose(cfg, ONE_TWO, explicit_keys("pretrain_synthetic", []), preset_applied=True)
    assert point.config.fine_tune_checkpoint == ""


def test_explicit_checkpoint_is_kept_and_checked(base, tmp_path):
    other = _base(tmp_path / "other", backbone="resnet18", backbone_width=1.0)
    point = start.choose(TrainConfig(fine_tune_checkpoint=str(base)), ONE_TWO, {"fine_tune_checkpoint"})
    assert point.config.fine_tune_checkpoint == str(base) and "starting from" in point.message
    with pytest.raises(TodError) as err:
        start.choose(TrainConfig(fine_tune_checkpoint=str(other)), ONE_TWO, {"fine_tune_checkpoint"})
    text = str(err.value)
    assert str(other / "train_config.yaml") in text and "backbone" in text and "resnet18" in text


def test_another_architecture_trains_from_scratch_with_the_reason(base):
    point = start.choose(TrainConfig(backbone="resnet18"), ONE_TWO, {"backbone"})
    assert point.config.fine_tune_checkpoint == "" and "does not fit" in point.message


def test_missing_shipped_checkpoint_trains_from_scratch(tmp_path, monkeypatch):
    monkeypatch.setattr(start, "base_dir", lambda: tmp_path / "nothing")
    point = start.choose(TrainConfig(), ONE_TWO, set())
    assert point.config.fine_tune_checkpoint == "" and "no shipped" in point.message


def test_the_shipped_checkpoint_is_in_the_package():
    base = start.base_dir()
    assert base == REPO / "models" / "cubes_base"
    assert start.label_names(base / "label_map.pbtxt") == ONE_TWO
    assert (base / "checkpoint").is_file() and list(base.glob("ckpt-*.index"))
    assert (base / start.REPLAY_RECORD).is_file()
    saved = start.checkpoint_config(base)
    assert start.architecture_mismatch(TrainConfig(), saved) == []
