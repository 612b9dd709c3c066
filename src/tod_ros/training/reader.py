"""Training the second-stage reader (:mod:`tod_ros.reading`) and adding it to an exported model.

``train_reader`` cuts every annotated box of labelImg folders (synthetic cubes from ``tod synth
--fonts``, photos), turns it upright by its face (:func:`tod_ros.reading.upright_patch`), adds the
patch's four quarter turns and trains a small CNN (4 convolutions, the first at stride 2, 0.16 M weights;
random turns of +-10 degrees and zooms of 10 % in training; 16 epochs, the learning rate decayed
along a cosine) written as ``reader.keras``;
``combine_readers`` averages several. ``fine_tune_reader`` trains one further on a project's boxes
(``tod train`` does, ``reader_for_training``). ``add_reader`` converts one to ``reader.tflite`` +
``reader.json`` in a model folder, where :class:`tod_ros.inference.Detector` uses it.
"""
import math
import sys
import time
from pathlib import Path

import numpy as np

from tod_ros import filenames
from tod_ros.errors import TodError
from tod_ros.fileio import atomic_path
from tod_ros.reading import PATCH, ReaderInfo, box_window, upright_patch

CROP_MARGIN = 12        # pixels around an annotated box (a detected box gets ReaderInfo.margin)
EPOCHS = 16
BATCH = 64
LEARNING_RATE = 1e-3    # Adam's, decayed to 0 along a cosine over the run: readers of other seeds then
                        # agree on the real cubes (8 epochs at a constant rate: 0.82-0.95, docs/quality.md)
FINE_TUNE_RATE = 3e-4   # Adam's, constant, when tod train fine-tunes a reader (1e-3 forgot real `1`s, session 15)
FINE_TUNE_BATCH = 32
PROJECT_SHARE = 0.5     # share of the project's boxes among the fine-tuning patches, to the nearest whole repeat
                        # (the rest: replay; 0.3 learnt a team's own cube less surely, session 15)


def patches_of(folders, labels, progress=None):
    """(patches N x PATCH x PATCH x 1, label indices N) of the boxes labelled with ``labels`` in the
    labelImg folders ``folders`` (searched recursively), with their four quarter turns."""
    from tod_ros.dataset.tfrecord import read_image_bytes
    from tod_ros.dataset.voc import read_voc
    from tod_ros.imageops import decode_image

    xmls = sorted(x for f in folders for x in Path(f).rglob("*.xml"))
    if not xmls:
        raise TodError(f"no labelImg .xml in {', '.join(map(str, folders))}")
    xs, ys = [], []
    for xml in _progress(xmls, progress, "cutting patches"):
        ann = read_voc(xml)
        boxes = [((o.xmin, o.ymin, o.xmax, o.ymax), o.name) for o in ann.objects if o.name in labels]
        if boxes:
            _cut(decode_image(read_image_bytes(ann)[0], xml.parent / ann.filename), boxes, labels, xs, ys)
    if not xs:
        raise TodError(f"no box labelled {' or '.join(labels)} with a cube face in {', '.join(map(str, folders))}")
    return _with_turns(xs, ys)


def record_patches(record_files, labels):
    """(upright patches, label indices) of the boxes labelled with ``labels`` in TFRecord files (as
    ``tod convert`` writes them: boxes named by ``image/object/class/text``), without turns; two empty lists
    when none has a cube face."""
    from tod_ros.dataset.tfrecord import example_image, read_examples

    xs, ys = [], []
    for path in record_files:
        for e in read_examples(path):
            if not set(e["class_text"]) & set(labels):
                continue
            img, boxes = example_image(e, f"{path} ({e['filename']})")
            _cut(img, [(box, name) for box, name in zip(boxes, e["class_text"]) if name in labels], labels, xs, ys)
    return xs, ys


def _cut(img, boxes, labels, xs, ys):
    """Append to ``xs``/``ys`` the upright patch and label index of each (box, name) of ``img`` with a face."""
    for box, name in boxes:
        patch = upright_patch(img[box_window(box, CROP_MARGIN, img.shape)])
        if patch is not None:
            xs.append(patch)
            ys.append(labels.index(name))


def _with_turns(xs, ys):
    """Patches (N x PATCH x PATCH x 1) and labels with the four quarter turns of each."""
    x, y = np.array(xs)[..., None], np.array(ys)
    return np.concatenate([np.rot90(x, k, axes=(1, 2)) for k in range(4)]), np.concatenate([y] * 4)


def _progress(items, progress, what):
    if not progress:
        return items
    from tqdm import tqdm

    return tqdm(items, desc=what, unit="image", file=sys.stderr)


def build_model(num_labels, name=None):
    """The reader's CNN (uncompiled): augmentation layers (training only) then the classifier."""
    import tensorflow as tf

    layers = tf.keras.layers
    return tf.keras.Sequential(name=name, layers=[
        layers.Input((PATCH, PATCH, 1)),
        layers.RandomRotation(10 / 360, fill_mode="nearest"), layers.RandomZoom(0.1, fill_mode="nearest"),
        layers.Conv2D(24, 3, strides=2, activation="relu", padding="same"),     # 3x cheaper than at full size
        layers.Conv2D(48, 3, activation="relu", padding="same"), layers.MaxPool2D(),
        layers.Conv2D(96, 3, activation="relu", padding="same"), layers.MaxPool2D(),
        layers.Conv2D(128, 3, activation="relu", padding="same"), layers.GlobalAveragePooling2D(),
        layers.Dropout(0.3), layers.Dense(num_labels, activation="softmax")])


def combine_readers(paths, out):
    """One reader that averages the readers ``paths`` (.keras, same labels), written to ``out``: readers
    trained on different synthetic images miss different hand-writing styles (docs/quality.md)."""
    import tensorflow as tf

    loaded = [load_reader(p) for p in paths]
    labels = loaded[0][1].labels
    for path, (_, info) in zip(paths, loaded):
        if info.labels != labels:
            raise TodError(f"{path}: reads {', '.join(info.labels)}, {paths[0]} reads {', '.join(labels)}")
    inputs = tf.keras.Input((PATCH, PATCH, 1))
    members = []
    for i, (model, _) in enumerate(loaded):
        member = build_model(len(labels), name=f"member_{i}")     # unique names in one graph
        member.set_weights(model.get_weights())
        members.append(member(inputs))
    save_reader(tf.keras.Model(inputs, tf.keras.layers.Average()(members), name="reader_ensemble"), labels, out)
    return len(loaded)


def train_reader(folders, labels, out, epochs=EPOCHS, seed=1, out_stream=None, progress=True):
    """Train a reader of ``labels`` on the boxes of ``folders``; write it to ``out`` (.keras); returns
    (number of patches, seconds)."""
    out_stream = out_stream or sys.stdout
    if Path(out).suffix != ".keras":
        raise TodError(f"{out}: a reader is written as a .keras file")
    start = time.time()
    x, y = patches_of(folders, list(labels), progress)
    counts = ", ".join(f"{n} {np.sum(y == i) // 4}" for i, n in enumerate(labels))
    print(f"reader: {len(x)} patches (4 quarter turns of {len(x) // 4} boxes: {counts})", file=out_stream, flush=True)
    model = fit_reader(x, y, len(labels), epochs, seed, [_epoch_lines(epochs, start, out_stream)])
    save_reader(model, labels, out)
    return len(x), time.time() - start


def fit_reader(x, y, num_labels, epochs=EPOCHS, seed=1, callbacks=()):
    """A new reader (:func:`build_model`) trained on patches ``x`` and label indices ``y``."""
    import tensorflow as tf

    tf.keras.utils.set_random_seed(seed)
    model = build_model(num_labels)
    steps = epochs * math.ceil(len(x) / BATCH)
    rate = tf.keras.optimizers.schedules.CosineDecay(LEARNING_RATE, steps)
    model.compile(tf.keras.optimizers.Adam(rate), "sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x, y, epochs=epochs, batch_size=BATCH, verbose=0, shuffle=True, callbacks=list(callbacks))
    return model


def save_reader(model, labels, out):
    """Write the Keras reader ``model`` of ``labels`` to ``out`` (.keras, its weights only, no optimizer
    state) and the labels beside it (``out`` with .json), each through a temporary file."""
    import os
    import tempfile

    import tensorflow as tf

    bare = tf.keras.models.clone_model(model)
    bare.set_weights(model.get_weights())
    out = Path(out)
    if out.suffix != ".keras":
        raise TodError(f"{out}: a reader is written as a .keras file")
    out.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(out.with_suffix(".json")) as tmp:     # first: a .keras without its .json is no reader
        Path(tmp).write_text(ReaderInfo(tuple(labels)).to_json())
    with tempfile.TemporaryDirectory(dir=out.parent, prefix=".reader.") as tmp:
        bare.save(os.path.join(tmp, out.name))
        os.replace(os.path.join(tmp, out.name), out)


def _epoch_lines(epochs, start, out):
    """A Keras callback printing one line per epoch (loss, accuracy, elapsed seconds)."""
    import tensorflow as tf

    def line(epoch, logs):
        print(f"  epoch {epoch + 1}/{epochs}: loss {logs.get('loss', float('nan')):.3f}, "
              f"accuracy {logs.get('accuracy', float('nan')):.3f} ({time.time() - start:.0f} s)", file=out, flush=True)

    return tf.keras.callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: line(epoch, logs or {}))


def load_reader(path):
    """(Keras model, ReaderInfo) of a ``tod reader`` output; TodError naming the file when unreadable."""
    import tensorflow as tf

    path = Path(path)
    info = ReaderInfo.read(path.with_suffix(".json"))
    try:
        model = tf.keras.models.load_model(str(path), compile=False)
    except (OSError, ValueError, TypeError) as exc:
        raise TodError(f"{path}: not a reader written by 'tod reader' ({type(exc).__name__}: {exc})") from None
    return model, info


def to_tflite(model):
    """The TFLite bytes of a Keras reader (augmentation layers are identity at inference), its weights
    stored as int8 (dynamic-range quantization: float in and out, no calibration images): its CNNs 3.5x
    faster and 4x smaller than float, the same readings within 0.013 (docs/benchmarks.md, session 14)."""
    import tensorflow as tf

    from tod_ros.nativelog import native_log_captured

    fn = tf.function(lambda x: model(x, training=False))
    concrete = fn.get_concrete_function(tf.TensorSpec([None, PATCH, PATCH, 1], tf.float32))
    converter = tf.lite.TFLiteConverter.from_concrete_functions([concrete], model)
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    with native_log_captured():
        return converter.convert()


def export_reader(model_dir, out_dir, label_names):
    """``tod export``'s reader: ``model_dir``'s ``reader.keras`` added to ``out_dir`` (returns its path), or
    None when it has none; a reader left in ``out_dir`` by an earlier export is removed then."""
    source = Path(model_dir) / filenames.READER_KERAS
    if source.is_file():
        return add_reader(source, out_dir, label_names)
    for name in (filenames.READER_TFLITE, filenames.READER_INFO):
        (Path(out_dir) / name).unlink(missing_ok=True)
    return None


def reader_for_training(fine_tune_checkpoint, label_names, model_dir, records=((), ()), epochs=0, seed=0):
    """Put the reader beside the start checkpoint (``models/cubes_base/reader.keras``) into the training
    folder ``model_dir`` when it reads exactly ``label_names`` and ``model_dir`` has none of its own:
    fine-tuned for ``epochs`` (:func:`fine_tune_reader`) on the boxes of ``records`` = (training
    records, replay records), or copied as it is when ``epochs`` is 0 or no training box has a face.
    Returns the line that says which reader ``tod export`` will add (or why none), or None."""
    import shutil

    from tod_ros.training.start import checkpoint_folder

    target = Path(model_dir) / filenames.READER_KERAS
    source = checkpoint_folder(fine_tune_checkpoint) / filenames.READER_KERAS if fine_tune_checkpoint else None
    tuned, note = None, ""
    if not has_keras_reader(target) and source is not None and source.is_file():
        info = ReaderInfo.read(source.with_suffix(".json"))
        if set(info.labels) != set(label_names):
            return (f"no reader: {source} reads {', '.join(info.labels)}, not this model's "
                    f"{', '.join(label_names)}")
        tuned = fine_tune_reader(source, target, records, epochs, seed) if epochs else None
        if tuned is None:
            note = ", copied as it is: no training box with a cube face" if epochs else ""
            for src, dst in ((source.with_suffix(".json"), target.with_suffix(".json")), (source, target)):
                with atomic_path(dst) as tmp:
                    shutil.copyfile(src, tmp)
    if has_keras_reader(target):
        return f"reader: {tuned or target}{note} (tod export adds it: it reads each box's label at any angle)"
    return None


def has_keras_reader(path):
    """True when the .keras reader ``path`` and its .json are both there."""
    return Path(path).is_file() and Path(path).with_suffix(".json").is_file()


def fine_tune_reader(source, target, records, epochs, seed=0):
    """Train the reader ``source`` (.keras) further on the boxes of the TFRecords ``records`` = (training
    records, replay records), write it to ``target`` and return what was done; None (nothing written)
    when no training box has a cube face. Each training box comes with its four quarter turns (upright
    included), repeated to about :data:`PROJECT_SHARE` of the patches; each replayed box (synthetic cubes:
    the reader keeps the styles it was trained on) with one random quarter turn. Adam at
    :data:`FINE_TUNE_RATE`, constant."""
    start = time.time()
    labels = list(ReaderInfo.read(Path(source).with_suffix(".json")).labels)
    own = record_patches(records[0], labels)
    if not own[0]:
        return None
    import tensorflow as tf

    model, _ = load_reader(source)
    x, y = _with_turns(*own)
    rng = np.random.default_rng(seed)
    replay_x, replay_y = record_patches(records[1], labels)
    repeat = max(1, round(PROJECT_SHARE / (1 - PROJECT_SHARE) * len(replay_x) / len(x)))
    x, y = np.concatenate([x] * repeat), np.concatenate([y] * repeat)
    if replay_x:
        turned = [np.rot90(p, k) for p, k in zip(replay_x, rng.integers(0, 4, len(replay_x)))]
        x, y = np.concatenate([x, np.array(turned)[..., None]]), np.concatenate([y, replay_y])
    tf.keras.utils.set_random_seed(seed)
    model.compile(tf.keras.optimizers.Adam(FINE_TUNE_RATE), "sparse_categorical_crossentropy")
    model.fit(x, y, epochs=epochs, batch_size=FINE_TUNE_BATCH, verbose=0, shuffle=True)
    save_reader(model, labels, target)
    return (f"{source} fine-tuned on the {len(own[0])} training boxes and {len(replay_x)} replayed ones, "
            f"{epochs} epoch{'s' * (epochs != 1)} in {time.time() - start:.0f} s -> {target}")


def add_reader(reader_path, model_dir, label_names):
    """Write ``reader.tflite`` + ``reader.json`` of the .keras reader ``reader_path`` into ``model_dir``;
    TodError when its labels are not ``label_names`` (the model's)."""
    model, info = load_reader(reader_path)
    if set(info.labels) != set(label_names):
        raise TodError(f"{reader_path}: reads {', '.join(info.labels)}, the model's labels are "
                       f"{', '.join(label_names)}")
    model_dir = Path(model_dir)
    with atomic_path(model_dir / filenames.READER_TFLITE) as tmp:
        Path(tmp).write_bytes(to_tflite(model))
    with atomic_path(model_dir / filenames.READER_INFO) as tmp:
        Path(tmp).write_text(info.to_json())
    return model_dir / filenames.READER_TFLITE
