"""Initialisation from a checkpoint: whole detector, backbone only, and another label set."""
import numpy as np
import pytest
import tensorflow as tf

from test_train_fixtures import TINY, data_overrides, make_records
from tod_ros.errors import TodError
from tod_ros.training.config import load_config
from tod_ros.training.trainer import train

pytestmark = pytest.mark.tf


def _variables(model_dir, prefix):
    """{checkpoint key: value} of ``prefix``'s kernels (no BN statistics) in the latest checkpoint."""
    reader = tf.train.load_checkpoint(tf.train.latest_checkpoint(str(model_dir)))
    return {k: reader.get_tensor(k) for k in reader.get_variable_to_shape_map()
            if k.startswith(prefix) and "kernel" in k and k.endswith("VARIABLE_VALUE") and "OPTIMIZER" not in k}


def _same(a, b):
    common = sorted(set(a) & set(b))
    return common, [k for k in common if a[k].shape == b[k].shape and np.array_equal(a[k], b[k])]


@pytest.fixture(scope="module")
def base(tmp_path_factory, small_records, four_step_run):
    """The session's 4-step run (read only) as the start checkpoint; fine-tuned runs go under ``root``."""
    root = tmp_path_factory.mktemp("finetune")
    lm3, tr3, _ = make_records(root / "three", labels=["one", "two", "three"], n_train=4, n_test=1)
    return root, four_step_run[0], small_records[:2], (lm3, tr3)


def _finetune(root, name, data, base_dir, kind):
    # learning_rate=0: the weights after the step are the initial ones, restored or not
    model_dir = root / name
    config = load_config(None, TINY + data_overrides(*data) + [
        f"model_dir={model_dir}", "num_steps=1", "log_every=1", "checkpoint_every=1", "learning_rate=0",
        f"fine_tune_checkpoint={base_dir}", f"fine_tune_checkpoint_type={kind}"])
    result = train(config)
    assert result.initialized_from == tf.train.latest_checkpoint(str(base_dir))
    return model_dir


def test_detection_restores_the_whole_detector(base):
    root, base_dir, data, _ = base
    model_dir = _finetune(root, "det", data, base_dir, "detection")
    for part in ("backbone/", "decoder/", "head/"):
        common, same = _same(_variables(base_dir, part), _variables(model_dir, part))
        assert common and same == common, part


def test_classification_restores_the_backbone_only(base):
    root, base_dir, data, _ = base
    model_dir = _finetune(root, "cls", data, base_dir, "classification")
    common, same = _same(_variables(base_dir, "backbone/"), _variables(model_dir, "backbone/"))
    assert common and same == common
    common, same = _same(_variables(base_dir, "head/"), _variables(model_dir, "head/"))
    assert common and same == []


def test_other_label_set_restores_all_but_the_class_layer(base):
    root, base_dir, _, data3 = base
    model_dir = _finetune(root, "det3", data3, base_dir, "detection")
    common, same = _same(_variables(base_dir, "backbone/"), _variables(model_dir, "backbone/"))
    assert common and same == common
    before, after = _variables(base_dir, "head/"), _variables(model_dir, "head/")
    classifier = [k for k in after if k.startswith("head/_classifier/")]
    assert classifier and all(before[k].shape != after[k].shape for k in classifier if "pointwise" in k)
    rest = [k for k in after if not k.startswith("head/_classifier/")]
    assert rest and all(np.array_equal(before[k], after[k]) for k in rest)


def test_missing_checkpoint_is_a_user_error(base, tmp_path):
    root, _, data, _ = base
    config = load_config(None, TINY + data_overrides(*data) + [
        f"model_dir={tmp_path / 'm'}", "num_steps=1", f"fine_tune_checkpoint={tmp_path / 'nothing'}"])
    with pytest.raises(TodError, match="no such checkpoint"):
        train(config)
