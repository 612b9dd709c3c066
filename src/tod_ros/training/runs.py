"""Does a model folder hold a run on the same training data? (``tod train`` run again.)

A team's loop is: new photos, ``tod convert -p P``, ``tod train -p P``. The second ``tod train``
must train on the new photos, not resume the finished run in ``training/P/model``. So each run writes
what it trains on (``train_inputs.json``: digests of the train and replay records and of the
label map, and the start checkpoint). Run again with the same inputs, it resumes (after a crash,
or with a larger ``num_steps``); with other inputs, or ``--fresh``, it moves the previous run
aside to ``<model_dir>.previous`` and starts over. Pure Python (no TensorFlow).
"""
import hashlib
import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from tod_ros.errors import TodError
from tod_ros.fileio import atomic_write, process_lock
from tod_ros.filenames import TRAIN_INPUTS as INPUTS_NAME

PREVIOUS_SUFFIX = ".previous"
_CKPT_INDEX = re.compile(r"ckpt-(\d+)\.index$")
_WHAT = {"train_records": "the train records", "replay_records": "the replayed records",
         "label_map": "the label map", "fine_tune_checkpoint": "the start checkpoint"}


@dataclass
class RunPlan:
    """What :func:`plan` decided: ``new`` (no checkpoint), ``resume`` or ``restart``, and why."""

    action: str
    reason: str = ""
    last_step: int = 0


def file_digest(path):
    """sha256 (hex) of a file's bytes; TodError naming the file when it cannot be read."""
    h = hashlib.sha256()
    try:
        with open(path, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
    except OSError as exc:
        raise TodError(f"{path}: cannot read it: {exc.strerror or exc}") from None
    return h.hexdigest()


def inputs_of(train_files, replay_files, label_map, fine_tune_checkpoint=""):
    """The inputs of a run as written in ``train_inputs.json`` (file -> digest, and the start point)."""
    return {
        "train_records": {str(f): file_digest(f) for f in train_files},
        "replay_records": {str(f): file_digest(f) for f in replay_files},
        "label_map": {str(label_map): file_digest(label_map)},
        "fine_tune_checkpoint": str(fine_tune_checkpoint or ""),
    }


def changed(saved, now):
    """What differs between two :func:`inputs_of` results, in words (empty: the same inputs).

    Files compare by content, not by path: a workspace moved elsewhere is the same data.
    """
    out = []
    for key, what in _WHAT.items():
        old, new = saved.get(key), now.get(key)
        if isinstance(new, dict):
            same = isinstance(old, dict) and sorted(old.values()) == sorted(new.values())
            if not same:
                out.append(f"{what} ({', '.join(new) or 'none'}) changed")
        elif old != new:
            out.append(f"{what} changed ({old or 'none'} -> {new or 'none'})")
    return out


def last_checkpoint_step(model_dir):
    """Step of the newest ``ckpt-N`` in ``model_dir`` (0: none)."""
    steps = [int(m.group(1)) for p in Path(model_dir).glob("ckpt-*.index") if (m := _CKPT_INDEX.match(p.name))]
    return max(steps, default=0)


def read_inputs(model_dir):
    """The ``train_inputs.json`` of ``model_dir`` as a dict; None when absent or unreadable."""
    try:
        data = json.loads((Path(model_dir) / INPUTS_NAME).read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def write_inputs(model_dir, inputs):
    """Write ``train_inputs.json`` (atomically)."""
    with atomic_write(Path(model_dir) / INPUTS_NAME) as fh:
        json.dump(inputs, fh, indent=2)


def plan(model_dir, inputs, fresh=False):
    """Resume the run in ``model_dir`` or start over? A :class:`RunPlan`.

    No checkpoint: ``new``. ``fresh``, or inputs that differ from the saved ones: ``restart``.
    Same inputs, or a run older than ``train_inputs.json`` (nothing to compare): ``resume``.
    """
    step = last_checkpoint_step(model_dir)
    if not step:
        return RunPlan("new")
    if fresh:
        return RunPlan("restart", "--fresh", step)
    saved = read_inputs(model_dir)
    differences = changed(saved, inputs) if saved is not None else []
    if differences:
        return RunPlan("restart", "; ".join(differences) + " since that run", step)
    return RunPlan("resume", "", step)


def previous_dir(model_dir):
    """Where :func:`move_aside` puts a run: ``<model_dir>.previous``."""
    model_dir = Path(model_dir)
    return model_dir.with_name(model_dir.name + PREVIOUS_SUFFIX)


def move_aside(model_dir, inputs=()):
    """Rename ``model_dir`` to ``<model_dir>.previous`` (replacing an older one); return that path.

    TodError when one of the files ``inputs`` of the new run lies inside ``model_dir``."""
    model_dir, previous = Path(model_dir), previous_dir(model_dir)
    here = model_dir.resolve()
    inside = [str(f) for f in inputs if here in Path(f).resolve().parents]
    if inside:
        raise TodError(f"cannot start over in {model_dir}: {', '.join(inside)} lies inside it; "
                       "train into another model_dir=")
    try:
        if previous.exists():
            shutil.rmtree(previous)
        model_dir.rename(previous)
    except OSError as exc:
        raise TodError(f"cannot move the previous run {model_dir} to {previous}: {exc.strerror or exc}") from None
    return previous


def locked(model_dir):
    """A context holding the lock of ``model_dir`` for one training run (``.<name>.lock`` beside it: a
    run moved aside keeps no lock); TodError naming the running process when another run holds it."""
    model_dir = Path(model_dir)
    lock = model_dir.parent / f".{model_dir.name}.lock"
    return process_lock(lock, lambda pid: f"{model_dir} is being trained by process {pid} (lock {lock}): wait "
                                          "for that run to end, or train into another --model-dir")
