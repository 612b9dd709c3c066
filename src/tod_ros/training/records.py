"""Checks of the training records made before the model is built (TensorFlow, no image decoding)."""
import re
from collections import Counter

from tod_ros.errors import TodError

CLASS_KEY = "image/object/class/label"


def class_id_counts(files):
    """``{file: Counter(class id -> boxes)}`` of TFRecord ``files`` (reads only the class ids)."""
    import tensorflow as tf

    spec = {CLASS_KEY: tf.io.VarLenFeature(tf.int64)}
    out = {}
    for path in files:
        counts = Counter()
        try:
            for rec in tf.data.TFRecordDataset(str(path)).batch(256):
                ids = tf.io.parse_example(rec, spec)[CLASS_KEY].values.numpy()
                counts.update(int(i) for i in ids)
        except (tf.errors.DataLossError, tf.errors.InvalidArgumentError) as exc:
            raise TodError(f"{path}: not a readable TFRecord of tf.Example ({error_detail(exc)}); "
                           f"re-create it with 'tod convert'") from None
        out[str(path)] = counts
    return out


def check_label_ids(files, labels, label_map_path):
    """Raise TodError naming the record files and the class ids their boxes use that ``labels`` lacks."""
    known = set(labels.ids)
    problems = []
    for path, counts in class_id_counts(files).items():
        missing = sorted(i for i in counts if i not in known)
        if missing:
            desc = ", ".join(f"id {i} ({counts[i]} boxes)" for i in missing)
            problems.append(f"{path}: {desc}")
    if problems:
        raise TodError(f"the records hold class ids missing from the label map {label_map_path} "
                       f"(ids {', '.join(map(str, labels.ids))}): " + "; ".join(problems)
                       + ". Use the label map written by 'tod convert' with these records")


def _message(exc):
    return getattr(exc, "message", None) or str(exc)


def from_input_pipeline(exc):
    """True when a TensorFlow error of the training loop was raised while reading the records."""
    return type(exc).__name__ == "DataLossError" or "Iterator" in _message(exc)


def error_detail(exc):
    """The line of a TensorFlow error that says what went wrong (not "Graph execution error:")."""
    for line in _message(exc).splitlines():
        line = line.strip()
        if line and not line.startswith(("Graph execution error", "Detected at node", "<stack traces", "[[")):
            return re.sub(r"^.*transformation with iterator: [\w:]+: ", "", line)
    return type(exc).__name__


def input_error(exc, files):
    """TodError for a failure of the training input pipeline, naming the record files read."""
    names = ", ".join(str(f) for f in files[:4]) + (" ..." if len(files) > 4 else "")
    return TodError(f"training input pipeline failed reading {names}: {error_detail(exc).rstrip('.')}. "
                    f"'tod inspect <record>' decodes every example and names the bad one; "
                    f"'tod convert' refuses corrupt images")
