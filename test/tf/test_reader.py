"""The second-stage reader: trained on synthetic cubes it reads cubes it never saw; added to a model it
relabels the detector's boxes for every backend and tool; tod train carries the start checkpoint's reader
to tod export when the labels fit."""
import io
import json

import numpy as np
import pytest

from fixtures_models import build_grid_model, cube_scene
from test_train_fixtures import TINY, data_overrides, make_records
from tod_ros.cli import main as tod
from tod_ros.dataset.synth import SynthConfig, generate
from tod_ros.errors import TodError
from tod_ros.inference import Detector, DetectorConfig, tflite_interpreter
from tod_ros.reading import PATCH, Reader, ReaderInfo
from tod_ros.training.reader import (LEARNING_RATE, add_reader, build_model, fit_reader, load_reader, patches_of,
                                      record_patches, save_reader, train_reader)

pytestmark = pytest.mark.tf

LABELS = ("one", "two")


def constant_reader(path, label):
    """A real reader (the shipped architecture, saved and converted as any) that reads ``label`` whatever
    it sees: its last layer's weights are zero and its bias favours ``label``."""
    model = build_model(len(LABELS))
    weights = [np.zeros_like(w) for w in model.get_weights()]
    weights[-1][LABELS.index(label)] = 12.0
    model.set_weights(weights)
    save_reader(model, LABELS, path)
    return path


def biased_reader(path, label, seed=0):
    """A real reader of random features whose last layer only favours ``label`` (probability 0.88 whatever it
    sees): unlike :func:`constant_reader`, training can still teach it."""
    import tensorflow as tf

    tf.keras.utils.set_random_seed(seed)
    model = build_model(len(LABELS))
    weights = model.get_weights()
    weights[-2] = np.zeros_like(weights[-2])
    weights[-1] = np.where(np.arange(len(LABELS)) == LABELS.index(label), 2.0, 0.0).astype(np.float32)
    model.set_weights(weights)
    save_reader(model, LABELS, path)
    return path


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    """Two sets of synthetic cubes drawn from different seeds (train, held out)."""
    root = tmp_path_factory.mktemp("reader_data")
    cfg = SynthConfig(scale=0.5)
    generate(root / "train", 150, seed=101, config=cfg)
    generate(root / "held_out", 40, seed=202, config=cfg)
    return root


def test_a_reader_trained_on_synthetic_cubes_reads_held_out_ones(synthetic, tmp_path):
    import tensorflow as tf

    out, log = tmp_path / "reader.keras", io.StringIO()
    n, _ = train_reader([synthetic / "train"], LABELS, out, epochs=8, seed=1, out_stream=log, progress=False)
    assert n % 4 == 0 and n > 400
    assert "epoch 8/8" in log.getvalue()
    assert ReaderInfo.read(tmp_path / "reader.json").labels == LABELS
    x, y = patches_of([synthetic / "held_out"], list(LABELS))
    model = tf.keras.models.load_model(str(out), compile=False)
    accuracy = float(np.mean(np.argmax(model.predict(x, verbose=0), 1) == y))
    print(f"held-out synthetic cubes read right: {accuracy:.3f}")
    assert accuracy > 0.75, f"held-out synthetic cubes read right: {accuracy:.3f}"
    # converted for the detector (int8 weights), it reads as the Keras model does, within the quantization's
    # error (mean of a patch's four quarter turns): the same probabilities within 0.03
    add_reader(out, tmp_path / "model", list(LABELS))
    weights = tflite_interpreter(str(tmp_path / "model" / "reader.tflite"), 1).get_tensor_details()
    # int8: the 3 larger convolutions (the converter leaves tensors of under 1024 weights in float)
    assert sum(t["dtype"] == np.int8 for t in weights) >= 3
    reader = Reader(tmp_path / "model")
    for patch in x[:: max(1, len(x) // 12), ..., 0]:
        turns = np.stack([np.rot90(patch, k) for k in range(4)])[..., None]
        probs = model.predict(turns, verbose=0).mean(0)
        label, prob = reader.read(patch)
        of_label = probs[LABELS.index(label)]           # Keras's probability of the label the reader read
        assert prob == pytest.approx(float(of_label), abs=0.03) and prob >= 0.5 - 1e-6, (label, prob, probs)


def test_the_reader_learning_rate_decays_from_its_start_to_zero_over_the_run():
    rng = np.random.default_rng(0)
    x, y = rng.random((130, PATCH, PATCH, 1)).astype(np.float32), rng.integers(0, 2, 130)
    model = fit_reader(x, y, len(LABELS), epochs=2, seed=1)      # 3 batches of 64 per epoch
    assert int(model.optimizer.iterations) == 6
    assert float(model.optimizer.learning_rate) == pytest.approx(0.0, abs=1e-9)     # the rate after step 6
    model.optimizer.iterations.assign(0)
    assert float(model.optimizer.learning_rate) == pytest.approx(LEARNING_RATE)


@pytest.fixture(scope="module")
def grid_with_reader(tmp_path_factory):
    """A grid detector (SavedModel + TFLite) and a reader that reads every box `two`."""
    root = tmp_path_factory.mktemp("grid_reader")
    build_grid_model(root / "model", tflite=True)
    path = add_reader(constant_reader(root / "reader.keras", "two"), root / "model", list(LABELS))
    assert path == root / "model" / "reader.tflite"
    return root / "model"


@pytest.mark.parametrize("backend", ["savedmodel", "tflite"])
def test_the_reader_relabels_every_box_for_every_backend(grid_with_reader, backend):
    bgr, expected = cube_scene([1, None, 2, None])          # orange: the detector reads `one`; blue: `two`
    assert expected == [1, 2]
    cfg = DetectorConfig(model_dir=str(grid_with_reader), backend=backend, score_threshold=0.3)
    plain = Detector(DetectorConfig(**{**cfg.__dict__, "reader": False})).detect(bgr)
    det = Detector(cfg)
    read = det.detect(bgr)
    assert "reader (one, two)" in det.describe()
    assert [d.label for d in plain] == ["one", "two"]
    assert [d.label for d in read] == ["two", "two"] and [d.class_id for d in read] == [2, 2]
    assert [r.box_px for r in read] == [p.box_px for p in plain]
    overruled, agreed = zip(plain, read)
    assert overruled[1].score == pytest.approx(overruled[0].score * 0.99999, abs=1e-3)   # x reader probability ~1
    assert agreed[1].score == agreed[0].score                                          # the detector's score
    assert Detector(DetectorConfig(**{**cfg.__dict__, "classes": "one"})).detect(bgr) == []


def test_a_reader_of_other_labels_is_refused(grid_with_reader, tmp_path):
    with pytest.raises(TodError, match="reader.keras: reads one, two, the model's labels are cat, dog"):
        add_reader(grid_with_reader.parent / "reader.keras", tmp_path, ["cat", "dog"])
    import shutil

    other = tmp_path / "model"
    shutil.copytree(grid_with_reader, other)
    (other / "reader.json").write_text(ReaderInfo(("cat", "dog")).to_json())
    with pytest.raises(TodError, match=f"{other}: the reader reads cat, dog but the model's label map has one, two"):
        Detector(DetectorConfig(model_dir=str(other)))
    assert Detector(DetectorConfig(model_dir=str(other), reader=False)).reader is None


def test_tod_eval_uses_the_reader_unless_told_not_to(grid_with_reader, tmp_path):
    import cv2

    images = tmp_path / "images"
    images.mkdir()
    bgr, _ = cube_scene([1, None, None, 1])
    cv2.imwrite(str(images / "scene.png"), bgr)
    from tod_ros.dataset.voc import VocAnnotation, VocObject, write_voc

    objects = [VocObject("one", 10, 170, 150, 310), VocObject("one", 490, 170, 630, 310)]
    write_voc(images / "scene.xml", VocAnnotation("scene.png", 640, 480, objects=objects))
    for extra, reader, expect in (([], True, 0.0), (["--no-reader"], False, 1.0)):
        assert tod(["eval", "--model", str(grid_with_reader), "--images", str(images), "--json",
                    str(tmp_path / "m.json"), *extra]) == 0
        doc = json.loads((tmp_path / "m.json").read_text())
        assert doc["reader"] is reader
        assert doc["mAP@0.5"] == pytest.approx(expect, abs=0.01)


@pytest.fixture(scope="module")
def base_with_reader(tmp_path_factory):
    """A tiny trained detector of one/two with a reader beside its checkpoint, as models/cubes_base."""
    from tod_ros.training.config import load_config
    from tod_ros.training.trainer import train

    root = tmp_path_factory.mktemp("reader_train")
    lm, tr, _ = make_records(root, n_train=4, n_test=1)
    lm3, tr3, _ = make_records(root / "three", labels=["one", "two", "three"], n_train=4, n_test=1)
    train(load_config(None, TINY + data_overrides(lm, tr) + [f"model_dir={root / 'base'}", "num_steps=2"]),
          out=io.StringIO())
    biased_reader(root / "base" / "reader.keras", "two")
    return root, (lm, tr), (lm3, tr3)


def _finetune(root, name, data, *extra):
    from tod_ros.training.config import load_config
    from tod_ros.training.trainer import train

    log = io.StringIO()
    train(load_config(None, TINY + data_overrides(*data) + [
        f"model_dir={root / name}", "num_steps=1", "log_every=1", "checkpoint_every=1",
        f"fine_tune_checkpoint={root / 'base'}", *extra]), out=log)
    return root / name, log.getvalue()


def test_fine_tuning_carries_the_reader_to_the_export(base_with_reader):
    from tod_ros.training.export import export_model

    root, data, _ = base_with_reader
    model_dir, log = _finetune(root, "ft", data)
    assert (model_dir / "reader.keras").is_file() and (model_dir / "reader.json").is_file()
    assert f"reader: {root / 'base' / 'reader.keras'} fine-tuned on the " in log
    assert f"-> {model_dir / 'reader.keras'} (tod export adds it" in log
    result = export_model(model_dir, root / "exported", tflite=False)
    assert result.reader == root / "exported" / "reader.tflite"
    assert Detector(DetectorConfig(model_dir=str(root / "exported"))).reader is not None
    # the model folder without a reader: exporting again leaves no stale reader behind
    (model_dir / "reader.keras").unlink()
    assert export_model(model_dir, root / "exported", tflite=False).reader is None
    assert not (root / "exported" / "reader.tflite").exists() and not (root / "exported" / "reader.json").exists()
    assert export_model(model_dir, root / "exported2", tflite=False, reader=False).reader is None


def _fit_to(reader_path, record):
    """(cross-entropy, accuracy) of a Keras reader on the annotated boxes of ``record``, and the box count."""
    model, info = load_reader(reader_path)
    xs, ys = record_patches([record], list(info.labels))
    probs = model.predict(np.array(xs)[..., None], verbose=0)
    truth = probs[np.arange(len(ys)), ys]
    return float(-np.mean(np.log(truth))), float(np.mean(probs.argmax(1) == ys)), len(ys)


def test_tod_train_fine_tunes_the_reader_on_its_training_boxes(base_with_reader):
    """tod train fine-tunes the start checkpoint's reader on the training boxes (it fits them better than
    before); with reader_epochs=0 it is the checkpoint's, byte for byte."""
    import filecmp

    root, data, _ = base_with_reader
    base = root / "base" / "reader.keras"
    model_dir, log = _finetune(root, "ft_reader", data, "reader_epochs=100")
    before, after = _fit_to(base, data[1]), _fit_to(model_dir / "reader.keras", data[1])
    assert f"fine-tuned on the {before[2]} training boxes and 0 replayed ones, 100 epochs" in log
    assert after[0] < before[0] - 0.1, (before, after)          # cross-entropy on those boxes
    copied, log = _finetune(root, "ft_reader0", data, "reader_epochs=0")
    assert filecmp.cmp(base, copied / "reader.keras", shallow=False)
    assert "fine-tuned" not in log and f"reader: {copied / 'reader.keras'}" in log


def test_a_reader_that_reads_a_hand_wrong_reads_it_right_once_fine_tuned(synthetic, tmp_path):
    """A reader taught the two labels the wrong way round (it reads 0.15 of held-out cubes right) reads them
    right (0.88) after fine_tune_reader on the 150 annotated images it was taught on: tod train's fine-tuning
    turns a reader to what a team's photos say."""
    from tod_ros.dataset.convert import convert_folder
    from tod_ros.training.reader import fine_tune_reader

    x, y = patches_of([synthetic / "train"], list(LABELS))
    save_reader(fit_reader(x, 1 - y, len(LABELS), epochs=6, seed=1), LABELS, tmp_path / "wrong.keras")
    convert_folder(synthetic / "train", tmp_path / "train.record", label_map_path=tmp_path / "label_map.pbtxt")
    said = fine_tune_reader(tmp_path / "wrong.keras", tmp_path / "right.keras", ([tmp_path / "train.record"], []), 6)
    assert "wrong.keras fine-tuned on the " in said and said.endswith(f"-> {tmp_path / 'right.keras'}")
    held_x, held_y = patches_of([synthetic / "held_out"], list(LABELS))
    for path, lo, hi in ((tmp_path / "wrong.keras", 0.0, 0.3), (tmp_path / "right.keras", 0.75, 1.0)):
        right = np.mean(load_reader(path)[0].predict(held_x, verbose=0).argmax(1) == held_y)
        assert lo <= right <= hi, (path.name, right)


def test_fine_tuning_mixes_in_the_replayed_boxes(base_with_reader, tmp_path):
    from tod_ros.training.reader import fine_tune_reader

    root, (_, train_record), _ = base_with_reader
    replay = make_records(tmp_path, n_train=6, n_test=1, seed=7)[1]
    own, replayed = (len(record_patches([r], list(LABELS))[1]) for r in (train_record, replay))
    said = fine_tune_reader(root / "base" / "reader.keras", tmp_path / "r.keras", ([train_record], [replay]), 1)
    assert f"on the {own} training boxes and {replayed} replayed ones, 1 epoch in" in said
    assert load_reader(tmp_path / "r.keras")[1].labels == LABELS
    assert fine_tune_reader(root / "base" / "reader.keras", tmp_path / "none.keras", ([], [replay]), 1) is None
    assert not (tmp_path / "none.keras").exists()


def test_a_resumed_run_keeps_its_reader_and_no_face_means_a_copy(base_with_reader, tmp_path):
    import filecmp

    from tod_ros.training.reader import reader_for_training

    root, (_, train_record), _ = base_with_reader
    base, model_dir = root / "base" / "reader.keras", tmp_path / "model"
    mine = constant_reader(model_dir / "reader.keras", "one")
    before = mine.read_bytes()
    said = reader_for_training(str(root / "base"), LABELS, model_dir, ([train_record], []), epochs=1)
    assert mine.read_bytes() == before and said == f"reader: {mine} (tod export adds it: it reads each box's " \
                                                   "label at any angle)"
    (model_dir / "reader.json").unlink()            # a run stopped between the two files: no reader, made again
    said = reader_for_training(str(root / "base"), LABELS, model_dir, ([train_record], []), epochs=1)
    assert "fine-tuned on the" in said and (model_dir / "reader.json").is_file() and mine.read_bytes() != before
    (tmp_path / "other").mkdir()
    said = reader_for_training(str(root / "base"), LABELS, tmp_path / "other", ([], []), epochs=1)
    assert ", copied as it is: no training box with a cube face" in said
    assert filecmp.cmp(base, tmp_path / "other" / "reader.keras", shallow=False)


def test_a_reader_of_other_labels_stays_behind(base_with_reader):
    root, _, data3 = base_with_reader
    model_dir, log = _finetune(root, "ft3", data3)
    assert not (model_dir / "reader.keras").exists()
    assert "no reader: " in log and "reads one, two, not this model's one, two, three" in log


def test_combined_readers_average_their_members(tmp_path):
    from tod_ros.reading import Reader
    from tod_ros.training.reader import combine_readers

    paths = [constant_reader(tmp_path / f"{name}_{i}.keras", name) for i, name in enumerate(("two", "one", "two"))]
    assert combine_readers(paths, tmp_path / "mean.keras") == 3
    add_reader(tmp_path / "mean.keras", tmp_path / "model", list(LABELS))
    label, prob = Reader(tmp_path / "model").read(np.random.default_rng(0).random((64, 64), np.float32))
    assert label == "two" and prob == pytest.approx(2 / 3, abs=1e-3)
    other = tmp_path / "other.keras"
    constant_reader(other, "one")
    (tmp_path / "other.json").write_text(ReaderInfo(("cat", "dog")).to_json())
    with pytest.raises(TodError, match="other.keras: reads cat, dog, .*two_0.keras reads one, two"):
        combine_readers([paths[0], other], tmp_path / "bad.keras")
    assert not (tmp_path / "bad.keras").exists()
