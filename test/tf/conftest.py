"""Session-wide tiny models of the TensorFlow tests: trained, exported once per run, shared by every module.

Tests read these artifacts and never write into them: a test that trains on, or re-exports, one of
them copies it into its own ``tmp_path`` first (the rerun tests) or writes its output elsewhere.
"""
import io
import json
import shutil
import subprocess
import sys

import pytest

from test_train_fixtures import NO_PHOTOMETRIC, TINY, data_overrides, make_records


def _train(config_items, out=None):
    from tod_ros.training.config import load_config
    from tod_ros.training.trainer import train

    return train(load_config(None, config_items), out=out)


# Trains the tiny model, then exports it (--int8), in a child process: argv[1] = JSON [config items, export argv].
_TRAIN_AND_EXPORT = """import json, sys
from tod_ros.cli import main
from tod_ros.training.config import load_config
from tod_ros.training.trainer import train
items, export = json.loads(sys.argv[1])
train(load_config(None, items))
sys.exit(main(export))
"""


@pytest.fixture(scope="session", autouse=True)
def _tiny_model_job(request, tmp_path_factory):
    """Starts :func:`tiny_model` + :func:`tiny_export` in a child process when a selected test uses them,
    at the first TensorFlow test: the tests before them run meanwhile. ``(process, log, model_dir, data, out)``."""
    if not any({"tiny_model", "tiny_export"} & set(item.fixturenames) for item in request.session.items):
        yield None
        return
    data = tmp_path_factory.mktemp("tiny_data")
    lm, tr, _ = make_records(data, n_train=16)
    model_dir, out = data / "model", tmp_path_factory.mktemp("tiny_export") / "exported"
    items = TINY + data_overrides(lm, tr) + [
        f"model_dir={model_dir}", "num_steps=60", "batch_size=4", "log_every=20",
        "checkpoint_every=1000", "learning_rate=0.01", "pre_nms_score_threshold=0.2", "aug_scale_min=1.0",
        "aug_scale_max=1.0", *NO_PHOTOMETRIC]
    # calibration of the int8 model: 8 of the model's own train_records frames (the default source)
    export = ["export", "--model-dir", str(model_dir), "--out", str(out), "--int8", "--calibration-images", "8"]
    log = data / "train_and_export.log"
    with open(log, "w") as fh:
        proc = subprocess.Popen([sys.executable, "-c", _TRAIN_AND_EXPORT, json.dumps([items, export])],
                                stdout=fh, stderr=subprocess.STDOUT)
    yield proc, log, model_dir, data, out
    if proc.poll() is None:         # the tests that needed it were not run (-x, a failure, Ctrl-C)
        proc.kill()
        proc.wait()


def _wait(job):
    """``(model_dir, data, out)`` of the :func:`_tiny_model_job`, once its process ended well."""
    proc, log, *paths = job
    proc.wait(timeout=1200)
    assert proc.returncode == 0, f"training or exporting the tiny model failed:\n{log.read_text()[-6000:]}"
    return paths


@pytest.fixture(scope="session")
def tiny_model(_tiny_model_job):
    """A tiny model trained 60 steps on 16 synthetic images, that detects cubes: ``(model_dir, data_dir)``.

    ``data_dir`` holds ``images/{train,test}``, ``train.record``, ``test.record`` and ``label_map.pbtxt``.
    """
    model_dir, data, _ = _wait(_tiny_model_job)
    return model_dir, data


@pytest.fixture(scope="session")
def tiny_export(_tiny_model_job):
    """``tod export --int8`` of :func:`tiny_model`: saved_model/, model.tflite, model_int8.tflite, label map, config."""
    return _wait(_tiny_model_job)[2]


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
