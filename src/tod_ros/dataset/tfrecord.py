"""TFRecord files of ``tf.train.Example`` in the TOD API / tf-models-official layout.

Keys: ``image/encoded`` (the original file bytes), ``image/format`` (from the magic bytes),
``image/height``, ``image/width``, ``image/filename``, ``image/source_id`` (the file name),
``image/key/sha256``, ``image/object/bbox/{xmin,xmax,ymin,ymax}`` (normalized),
``image/object/class/text``, ``image/object/class/label`` (label-map id),
``image/object/difficult``, ``image/object/is_crowd``, ``image/object/area`` (pixels).

TensorFlow is imported inside the functions (it takes seconds to import).
"""
import contextlib
import glob
import hashlib
from pathlib import Path

from tod_ros.dataset.imagesize import image_format
from tod_ros.dataset.voc import find_image
from tod_ros.errors import TodError


def _example_pb2():
    from tensorflow.core.example import example_pb2

    return example_pb2


def build_example(ann, image_bytes, image_format, label_map):
    """The ``tf.train.Example`` of one annotated image (boxes normalized by ``ann.width/height``).

    ``image_bytes`` are written as they are (never re-encoded); ``image_format`` is 'png' or 'jpeg'.
    Raises :class:`TodError` for a label missing from ``label_map``.
    """
    pb = _example_pb2()
    w, h = float(ann.width), float(ann.height)
    objs = ann.objects
    fname = (Path(ann.image_path).name if ann.image_path is not None else ann.filename).encode("utf-8")
    ex = pb.Example()
    f = ex.features.feature

    f["image/encoded"].bytes_list.value.append(image_bytes)
    f["image/format"].bytes_list.value.append(image_format.encode("ascii"))
    f["image/height"].int64_list.value.append(int(ann.height))
    f["image/width"].int64_list.value.append(int(ann.width))
    f["image/filename"].bytes_list.value.append(fname)
    f["image/source_id"].bytes_list.value.append(fname)
    f["image/key/sha256"].bytes_list.value.append(hashlib.sha256(image_bytes).hexdigest().encode("ascii"))
    f["image/object/bbox/xmin"].float_list.value.extend([o.xmin / w for o in objs])
    f["image/object/bbox/xmax"].float_list.value.extend([o.xmax / w for o in objs])
    f["image/object/bbox/ymin"].float_list.value.extend([o.ymin / h for o in objs])
    f["image/object/bbox/ymax"].float_list.value.extend([o.ymax / h for o in objs])
    f["image/object/class/text"].bytes_list.value.extend([o.name.encode("utf-8") for o in objs])
    f["image/object/class/label"].int64_list.value.extend([label_map.id_of(o.name) for o in objs])
    f["image/object/difficult"].int64_list.value.extend([int(o.difficult) for o in objs])
    f["image/object/is_crowd"].int64_list.value.extend([0] * len(objs))
    f["image/object/area"].float_list.value.extend([(o.xmax - o.xmin) * (o.ymax - o.ymin) for o in objs])
    return ex


def serialize(example):
    """The bytes of ``example`` with its feature map sorted by key.

    Plain ``SerializeToString()`` writes the map in an order that changes from one process to
    the next (hash seeds), so the same input gave different record bytes; these are reproducible.
    """
    return example.SerializeToString(deterministic=True)


def shard_paths(out_path, shards=1):
    """``[out_path]`` for one shard, else ``out_path-00000-of-0000N`` ..."""
    out_path = Path(out_path)
    if shards < 1:
        raise TodError(f"--shards must be at least 1, not {shards}")
    if shards == 1:
        return [out_path]
    return [out_path.with_name(f"{out_path.name}-{i:05d}-of-{shards:05d}") for i in range(shards)]


def read_image_bytes(ann):
    """``(bytes, format)`` of the image of ``ann``; TodError if missing or not PNG/JPEG/BMP."""
    image = find_image(ann)
    if image is None:
        raise TodError(f"{ann.xml_path or ann.filename}: image {ann.filename!r} not found")
    data = Path(image).read_bytes()
    fmt = image_format(data[:8])
    if fmt is None:
        raise TodError(f"{image}: not a PNG, JPEG or BMP image")
    return data, fmt


def write_examples(paths, annotations, label_map, desc="records"):
    """Write the examples of ``annotations`` (images found next to their XML, or ``image_path``)
    round-robin into the record files ``paths`` (one per shard, see :func:`shard_paths`);
    a progress bar named ``desc`` on a terminal.

    The caller makes it all-or-nothing: :func:`tod_ros.dataset.convert.write_outputs` hands temp
    files (``fileio.atomic_path``) renamed only when every output was written.
    """
    import tensorflow as tf

    from tod_ros.progress import bar

    with contextlib.ExitStack() as stack:
        writers = [stack.enter_context(tf.io.TFRecordWriter(str(p))) for p in paths]
        for i, ann in enumerate(bar(annotations, desc=desc, unit="image")):
            data, fmt = read_image_bytes(ann)
            writers[i % len(writers)].write(serialize(build_example(ann, data, fmt, label_map)))


def _record_files(path_or_glob):
    p = str(path_or_glob)
    files = sorted(glob.glob(p)) if any(c in p for c in "*?[") else [p]
    if not files or not all(Path(f).is_file() for f in files):
        more = sorted(glob.glob(p + "-*-of-*"))
        if more:
            return more
        raise TodError(f"{path_or_glob}: no such TFRecord file")
    return files


def decode_example(serialized):
    """Plain-Python dict of one serialized Example (all features as lists / scalars)."""
    pb = _example_pb2()
    ex = pb.Example.FromString(serialized)
    f = ex.features.feature

    def b(key):
        return [v.decode("utf-8") for v in f[key].bytes_list.value] if key in f else []

    def one(key, kind):
        vals = getattr(f[key], kind).value if key in f else []
        return vals[0] if vals else None

    return {
        "encoded": one("image/encoded", "bytes_list"),
        "format": (b("image/format") or [None])[0],
        "height": one("image/height", "int64_list"),
        "width": one("image/width", "int64_list"),
        "filename": (b("image/filename") or [None])[0],
        "source_id": (b("image/source_id") or [None])[0],
        "sha256": (b("image/key/sha256") or [None])[0],
        "xmin": list(f["image/object/bbox/xmin"].float_list.value),
        "xmax": list(f["image/object/bbox/xmax"].float_list.value),
        "ymin": list(f["image/object/bbox/ymin"].float_list.value),
        "ymax": list(f["image/object/bbox/ymax"].float_list.value),
        "class_text": b("image/object/class/text"),
        "class_label": list(f["image/object/class/label"].int64_list.value),
        "difficult": list(f["image/object/difficult"].int64_list.value),
        "is_crowd": list(f["image/object/is_crowd"].int64_list.value),
        "area": list(f["image/object/area"].float_list.value),
    }


def read_examples(path_or_glob):
    """Iterate the decoded dicts (see :func:`decode_example`) of a record file, shards or glob."""
    import tensorflow as tf

    for path in _record_files(path_or_glob):
        try:
            for raw in tf.data.TFRecordDataset(path).as_numpy_iterator():
                yield decode_example(raw)
        except tf.errors.DataLossError as exc:
            raise TodError(f"{path}: corrupt or truncated TFRecord ({exc.message})") from exc


def record_stats(path_or_glob):
    """Counts of a record file: images, images without boxes, boxes per (id, name), formats, sizes."""
    from collections import Counter

    stats = {"images": 0, "negatives": 0, "boxes": 0, "classes": Counter(), "formats": Counter(), "sizes": Counter()}
    for e in read_examples(path_or_glob):
        stats["images"] += 1
        stats["negatives"] += not e["class_label"]
        stats["boxes"] += len(e["class_label"])
        stats["classes"].update(zip(e["class_label"], e["class_text"] or [""] * len(e["class_label"])))
        stats["formats"][e["format"]] += 1
        stats["sizes"][(e["width"], e["height"])] += 1
    return stats


def example_image(example, where):
    """(BGR image, boxes in pixels (x0, y0, x1, y1)) of a decoded example; ``where`` names it in errors."""
    from tod_ros.imageops import decode_image

    img = decode_image(example["encoded"], where)
    h, w = img.shape[:2]
    return img, [(x0 * w, y0 * h, x1 * w, y1 * h)
                 for x0, y0, x1, y1 in zip(example["xmin"], example["ymin"], example["xmax"], example["ymax"])]


def draw_examples(path_or_glob, count, out_dir):
    """Decode the first ``count`` examples and save them with their boxes as PNG in ``out_dir``."""
    from tod_ros.imageops import color_of, draw_boxes, write_png

    out_dir = Path(out_dir)
    written = []
    for i, e in enumerate(read_examples(path_or_glob)):
        if i >= count:
            break
        img, boxes = example_image(e, f"{path_or_glob}: example {i} ({e['filename']})")
        labels = [f"{t} ({c})" for t, c in zip(e["class_text"] or ["?"] * len(boxes), e["class_label"])]
        stem = Path(e["filename"] or f"example{i}").stem
        colors = [color_of(c - 1) for c in e["class_label"]]
        written.append(write_png(out_dir / f"{i:03d}_{stem}.png", draw_boxes(img, boxes, labels, colors)))
    return written
