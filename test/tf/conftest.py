"""Session-wide tiny models of the TensorFlow tests: trained, exported once per run, shared by every module.

Tests read these artifacts and never write into them: a test that trains on, or re-exports, one of
them copies it into its own ``tmp_path`` first (the rerun tests) or writes its output elsewhere.
"""
import io
import shutil

import pytest

from test_train_fixtures import NO_PHOTOMETRIC, TINY, data_overrides, make_records
from tod_ros.cli import main as tod


def _train(config_items, out=None):
    from tod_ros.training.config import load_config
    from tod_ros.training.trainer import train

    return train(load_config(None, config_items), out=out)


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory):
    """A tiny model trained 60 steps on 16 synthetic images, that detects cubes: ``(model_dir, data_dir)``.

    ``data_dir`` holds ``images/{train,test}``, ``train.record``, ``test.record`` and ``label_map.pbtxt``.
    """
    data = tmp_path_factory.mktemp("tiny_data")
    lm, tr, _ = make_records(data, n_train=16)
    model_dir = data / "model"
    _train(TINY + data_overrides(lm, tr) + [
        f"model_dir={model_dir}", "num_steps=60", "batch_size=4", "log_every=20",
        "checkpoint_every=1000", "learning_rate=0.01", "score_threshold=0.2", "aug_scale_min=1.0",
        "aug_scale_max=1.0", *NO_PHOTOMETRIC])
    return model_dir, data


@pytest.fixture(scope="session")
def tiny_export(tiny_model, tmp_path_factory):
    """``tod export --int8`` of :func:`tiny_model`: saved_model/, model.tflite, model_int8.tflite, label map, config.

    Calibrated on 8 of the model's own train_records frames (the default source).
    """
    model_dir, _ = tiny_model
    out = tmp_path_factory.mktemp("tiny_export") / "exported"
    assert tod(["export", "--model-dir", str(model_dir), "--out", str(out), "--int8",
                "--calibration-images", "8"]) == 0
    return out


@pytest.fixture(scope="session")
def small_records(tmp_path_factory):
    """``(label_map, train_record, test_record)``: 4 + 1 synthetic images, labels one, two."""
    return make_records(tmp_path_factory.mktemp("small_records"), n_train=4, n_test=1)


@pytest.fixture(scope="session")
def four_step_run(small_records, tmp_path_factory):
    """A 4-step TINY run on :func:`small_records`: ``(model_dir, TrainResult)``.

    Read-only: copy ``model_dir`` (:func:`copy_run`) to train it further.
    """
    lm, tr, _ = small_records
    model_dir = tmp_path_factory.mktemp("four_steps") / "model"
    result = _train(TINY + data_overrides(lm, tr) + [f"model_dir={model_dir}", "num_steps=4"], out=io.StringIO())
    return model_dir, result


@pytest.fixture
def copy_run(four_step_run, tmp_path):
    """``<tmp_path>/model``: this test's own copy of :func:`four_step_run`'s model folder."""
    return shutil.copytree(four_step_run[0], tmp_path / "model")
