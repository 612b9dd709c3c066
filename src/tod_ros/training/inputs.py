"""What a training reads, without the training loop: data paths filled from the project layout,
record files (globs, shards) and the label map. Pure Python (no TensorFlow)."""
import glob
from dataclasses import replace
from pathlib import Path

from tod_ros.errors import TodError


def expand_records(patterns, what):
    """Files matching ``patterns`` (files, globs, or ``x.record`` standing for ``x.record-*-of-*``)."""
    files = []
    for pattern in patterns:
        found = sorted(glob.glob(str(pattern)))
        if not found and not glob.has_magic(str(pattern)):
            found = sorted(glob.glob(f"{pattern}-*-of-*"))
        if not found:
            raise TodError(f"{what}: no TFRecord matches {pattern} (run 'tod convert' first?)")
        files += found
    return files


def resolve_paths(config, project=None):
    """``config`` with empty data paths filled from ``project``'s layout; raises TodError if unresolvable."""
    changes = {}
    if project is not None:
        if not config.label_map:
            changes["label_map"] = str(project.label_map_path)
        if not config.train_records:
            changes["train_records"] = [str(project.record_path("train"))]
        if not config.eval_records and _any_record(project.record_path("test")):
            changes["eval_records"] = [str(project.record_path("test"))]
        if not config.model_dir:
            changes["model_dir"] = str(project.model_dir)
    config = replace(config, **changes)
    missing = [k for k in ("label_map", "train_records", "model_dir") if not getattr(config, k)]
    if missing:
        raise TodError(f"training needs {', '.join(missing)}: give -p <project> or set them in the config")
    return config


def _any_record(path):
    return Path(path).exists() or bool(glob.glob(f"{path}-*-of-*"))


def read_labels(path):
    """The project's label map (``tod_ros.dataset.labelmap``)."""
    from tod_ros.dataset.labelmap import read_label_map

    if not Path(path).is_file():
        raise TodError(f"label map {path} not found (run 'tod convert' first?)")
    return read_label_map(path)
