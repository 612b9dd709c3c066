"""`tod train -p` starts from the shipped pre-trained checkpoint (tod_ros.training.start, .zoo).

The "shipped" checkpoint here is a tiny model the tests train and publish into a package data
folder of their own (``TOD_ROS_SHARE``); test_shipped_checkpoint_* use the real models/cubes_base.
"""
import shutil
from pathlib import Path

import pytest
import tensorflow as tf

from test_train_fixtures import TINY, make_records
from tod_ros.cli import main as tod_main
from tod_ros.errors import TodError
from tod_ros.training.config import load_config
from tod_ros.training.records import check_label_ids
from tod_ros.training.zoo import publish

pytestmark = pytest.mark.tf
REPO = Path(__file__).resolve().parents[2]
ARCH = [k for k in TINY if k.split("=")[0] in ("backbone_width", "fpn_filters", "input_height", "input_width")]


@pytest.fixture(scope="module")
def share(tiny_model, tmp_path_factory):
    """A package data folder whose models/cubes_base is a published tiny model (with a replay record)."""
    model_dir, data = tiny_model
    root = tmp_path_factory.mktemp("share")
    shutil.copytree(REPO / "config", root / "config")
    prefix = publish(model_dir, root / "models" / "cubes_base")
    shutil.copy(data / "train.record", root / "models" / "cubes_base" / "replay.record")
    return root, model_dir, prefix


def _project(ws, name, labels=None):
    lm, tr, te = make_records(ws / "data" / name, labels=labels, n_train=4, n_test=1)
    train_dir = ws / "training" / name
    train_dir.mkdir(parents=True)
    for src, dst in ((lm, "label_map.pbtxt"), (tr, "train.record")):
        shutil.copy(src, train_dir / dst)


def test_published_checkpoint_is_model_only_and_restorable(share):
    root, model_dir, prefix = share
    base = root / "models" / "cubes_base"
    assert tf.train.latest_checkpoint(str(base)) == prefix
    keys = tf.train.load_checkpoint(prefix).get_variable_to_shape_map()
    assert any(k.startswith("backbone/") for k in keys) and not any("OPTIMIZER_SLOT" in k for k in keys)
    assert (base / "train_config.yaml").is_file() and (base / "label_map.pbtxt").is_file()
    trainer_size = sum(p.stat().st_size for p in Path(tf.train.latest_checkpoint(str(model_dir))).parent.glob(
        Path(tf.train.latest_checkpoint(str(model_dir))).name + ".data*"))
    assert sum(p.stat().st_size for p in base.glob("ckpt-*.data*")) < trainer_size / 2


def test_default_fine_tunes_the_shipped_checkpoint(share, tmp_path, monkeypatch, capsys):
    root, _, prefix = share
    monkeypatch.setenv("TOD_ROS_SHARE", str(root))
    _project(tmp_path, "cubes")
    code = tod_main(["train", "--workspace", str(tmp_path), "-p", "cubes", "num_steps=2", "log_every=1",
                     "aug_rotation_prob=0", *ARCH])
    out = capsys.readouterr().out
    assert code == 0, out
    first = out.splitlines()[0]
    assert "fine-tuning the shipped pre-trained cube detector" in first and "replaying" in first
    assert f"initialized from fine_tune_checkpoint {prefix} (detection)" in out
    saved = load_config(tmp_path / "training" / "cubes" / "model" / "train_config.yaml")
    assert saved.replay_records == [str(root / "models" / "cubes_base" / "replay.record")]


def test_other_labels_start_from_the_backbone(share, tmp_path, monkeypatch, capsys):
    root, _, prefix = share
    monkeypatch.setenv("TOD_ROS_SHARE", str(root))
    _project(tmp_path, "three", labels=["one", "two", "three"])
    code = tod_main(["train", "--workspace", str(tmp_path), "-p", "three", "num_steps=1", "log_every=1", *ARCH])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "differ from the shipped checkpoint's (one, two)" in out.splitlines()[0]
    assert f"initialized from fine_tune_checkpoint {prefix} (classification)" in out


def test_from_scratch_option(share, tmp_path, monkeypatch, capsys):
    root, _, _ = share
    monkeypatch.setenv("TOD_ROS_SHARE", str(root))
    _project(tmp_path, "cubes")
    assert tod_main(["train", "--workspace", str(tmp_path), "-p", "cubes", "--from-scratch", "num_steps=1",
                     "log_every=1", *ARCH]) == 0
    out = capsys.readouterr().out
    assert "training from scratch" in out and "initialized from" not in out


def test_records_with_ids_missing_from_the_label_map_are_refused(tmp_path, capsys):
    lm, tr, _ = make_records(tmp_path, n_train=6, n_test=1)
    one = tmp_path / "one_class.pbtxt"
    one.write_text("item {\n  id: 1\n  name: 'one'\n}\n")
    from tod_ros.dataset.labelmap import read_label_map
    with pytest.raises(TodError, match=r"id 2 \(\d+ boxes\)") as err:
        check_label_ids([tr], read_label_map(one), one)
    assert str(tr) in str(err.value) and str(one) in str(err.value)
    code = tod_main(["train", f"label_map={one}", f"train_records={tr}", f"model_dir={tmp_path / 'm'}",
                     "num_steps=1", *TINY])
    assert code != 0 and "id 2" in capsys.readouterr().err
    assert not list((tmp_path / "m").glob("ckpt-*"))


def test_shipped_checkpoint_fits_the_default_model():
    """models/cubes_base restores, whole, into the default detector for labels one, two (as tod train -p does)."""
    from tod_ros.dataset.labelmap import read_label_map
    from tod_ros.training.config import TrainConfig
    from tod_ros.training.model import build_task, experiment_config
    from tod_ros.training.start import base_dir

    base = base_dir()
    config = TrainConfig(fine_tune_checkpoint=str(base))
    exp = experiment_config(config, read_label_map(base / "label_map.pbtxt").max_id)
    task = build_task(exp, config)
    model = task.build_model()
    task.initialize(model)      # raises TodError when a variable does not match
    assert task.restored_from == tf.train.latest_checkpoint(str(base))


def test_a_corrupt_image_in_the_records_is_named_not_a_traceback(tmp_path, capsys):
    """Records written around `tod convert` (which refuses corrupt images) still fail cleanly in training."""
    from tod_ros.dataset.labelmap import LabelMap, write_label_map
    from tod_ros.dataset.tfrecord import build_example, serialize
    from tod_ros.dataset.voc import VocAnnotation, VocObject

    lm = LabelMap.from_names(["one", "two"])
    write_label_map(tmp_path / "label_map.pbtxt", lm)
    ann = VocAnnotation("bad.jpg", 160, 128, objects=[VocObject("one", 10, 10, 60, 60)])
    truncated = b"\xff\xd8\xff\xe0" + bytes(200)          # a JPEG header and nothing decodable
    with tf.io.TFRecordWriter(str(tmp_path / "train.record")) as writer:
        for _ in range(4):
            writer.write(serialize(build_example(ann, truncated, "jpeg", lm)))
    code = tod_main(["train", f"label_map={tmp_path / 'label_map.pbtxt'}",
                     f"train_records={tmp_path / 'train.record'}", f"model_dir={tmp_path / 'm'}",
                     "num_steps=2", *TINY])
    err = capsys.readouterr().err
    assert code != 0
    assert "training input pipeline failed" in err and str(tmp_path / "train.record") in err
    assert "Invalid JPEG data" in err
    assert "Traceback" not in err and len(err.strip().splitlines()) <= 3
