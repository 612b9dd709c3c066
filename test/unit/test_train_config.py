"""Training config: defaults, YAML and key=value overrides, unknown keys, validation (no TensorFlow)."""
import sys
from pathlib import Path

import pytest
import yaml

from tod_ros.errors import TodError, ValidationError
from tod_ros.training.config import TrainConfig, load_config, parse_key_values, save_config

REPO = Path(__file__).resolve().parents[2]


def test_defaults_are_valid_and_cpu_friendly():
    c = load_config()
    assert c == TrainConfig()
    assert c.use_bfloat16 is False and c.aug_hflip is False
    assert c.fine_tune_checkpoint_type == "detection"


def test_key_value_overrides_are_typed():
    c = load_config(None, ["num_steps=2000", "batch_size=8", "learning_rate=1e-3", "use_bfloat16=true",
                           "anchor_aspect_ratios=[0.5, 1, 2]", "train_records=a.record,b-*.record"])
    assert c.num_steps == 2000 and isinstance(c.num_steps, int)
    assert c.learning_rate == pytest.approx(1e-3)   # YAML 1.1 reads 1e-3 as a string: coerced
    assert c.use_bfloat16 is True
    assert c.anchor_aspect_ratios == [0.5, 1.0, 2.0]
    assert c.train_records == ["a.record", "b-*.record"]


def test_yaml_then_command_line(tmp_path):
    f = tmp_path / "t.yaml"
    f.write_text("num_steps: 50\nbatch_size: 4\nfine_tune_checkpoint: /x/ckpt-10\n")
    c = load_config(f, ["batch_size=2"])
    assert (c.num_steps, c.batch_size, c.fine_tune_checkpoint) == (50, 2, "/x/ckpt-10")


def test_unknown_key_suggests_nearest(tmp_path):
    f = tmp_path / "t.yaml"
    f.write_text("num_step: 50\n")
    with pytest.raises(TodError, match=r"t.yaml.*'num_step'.*did you mean 'num_steps'"):
        load_config(f)
    with pytest.raises(TodError, match="did you mean 'batch_size'"):
        load_config(None, ["batchsize=3"])


def test_num_classes_is_refused():
    with pytest.raises(TodError, match="derived from the label map"):
        load_config(None, ["num_classes=3"])


@pytest.mark.parametrize("item, message", [
    ("num_steps=abc", "bad value"),
    ("num_steps=2.5", "bad value"),
    ("use_bfloat16=maybe", "bad value"),
    ("backbone=vgg16", "backbone"),
    ("fine_tune_checkpoint_type=full", "fine_tune_checkpoint_type"),
    ("input_height=250", "multiple of"),
    ("batch_size=0", "batch_size must be > 0"),
    ("distribution_strategy=tpu", "distribution_strategy"),
])
def test_bad_values_are_rejected(item, message):
    with pytest.raises((TodError, ValidationError), match=message):
        load_config(None, [item])


def test_not_key_value():
    with pytest.raises(TodError, match="key=value"):
        parse_key_values(["num_steps"])


def test_resolved_config_round_trips(tmp_path):
    c = load_config(None, ["num_steps=7", "anchor_aspect_ratios=[1.0, 2.0]"])
    path = save_config(c, tmp_path / "train_config.yaml", extra={"num_classes": 3})
    text = path.read_text()
    assert "# num_classes: 3" in text
    assert load_config(path) == c


def test_example_config_loads():
    c = load_config(REPO / "config" / "train.yaml")
    assert c.validate() is c


def test_every_key_of_the_example_is_documented():
    keys = yaml.safe_load((REPO / "config" / "train.yaml").read_text()).keys()
    doc = (REPO / "docs" / "training.md").read_text()
    assert [k for k in keys if f"`{k}`" not in doc] == []


def test_config_module_does_not_import_tensorflow():
    import subprocess
    code = "import sys, tod_ros.training.config, tod_ros.commands.train, tod_ros.commands.export; " \
           "print('tensorflow' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_shipped_presets_load_by_name_and_by_path(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)     # no file of that name here: the package's config/ is used
    pre = load_config("pretrain_synthetic")
    assert (pre.aug_scale_min, pre.aug_scale_max) == (0.6, 1.4)
    assert pre.num_steps >= 600
    ft = load_config("finetune_real.yaml", ["num_steps=5"])
    assert ft.learning_rate < TrainConfig().learning_rate and ft.num_steps == 5
    assert load_config(REPO / "config" / "finetune_real.yaml") == load_config("finetune_real")


def test_a_local_file_wins_over_a_preset_of_the_same_name(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "finetune_real.yaml").write_text("num_steps: 7\n")
    assert load_config("finetune_real.yaml").num_steps == 7


def test_unknown_preset_names_the_presets(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(TodError, match="pretrain_synthetic") as err:
        load_config("pretrain_synthetc")
    assert "not found" in str(err.value)
    with pytest.raises(TodError, match="cannot read"):
        load_config("sub/missing.yaml")


def test_a_retired_key_loads_from_an_old_model_folder_but_is_refused_as_an_override(tmp_path):
    from tod_ros.errors import TodError
    from tod_ros.training.config import load_config

    old = tmp_path / "train_config.yaml"
    old.write_text("num_steps: 123\nreader_epochs: 10\n")
    assert load_config(old).num_steps == 123
    with pytest.raises(TodError, match="'reader_epochs' was retired"):
        load_config(None, ["reader_epochs=3"])
