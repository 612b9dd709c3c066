"""Our "model zoo": publishing a trained detector as a small, model-only pre-trained checkpoint.

``publish(model_dir, out)`` writes, into ``out`` (e.g. ``models/cubes_base``): the model's
weights without the optimizer's slots (a third of the trainer's checkpoint), a ``checkpoint``
state file so that the folder can be given as ``fine_tune_checkpoint``, ``train_config.yaml``
and ``label_map.pbtxt``. ``tod init`` links it into a project's ``pre_trained/``.
"""
import dataclasses
import shutil
from pathlib import Path

from tod_ros.fileio import atomic_path

from tod_ros.filenames import LABEL_MAP as LABEL_MAP_NAME, TRAIN_CONFIG as CONFIG_NAME


def publish(model_dir, out, checkpoint=None):
    """Write the model-only checkpoint of ``model_dir`` (latest, or ``checkpoint``) into ``out``; returns its prefix."""
    import tensorflow as tf

    from tod_ros.training.config import save_config
    from tod_ros.training.export import build_detection_module, load_trained
    from tod_ros.training.task import detector_items

    model_dir, out = Path(model_dir), Path(out)
    config, labels, prefix = load_trained(model_dir, checkpoint)
    items = detector_items(build_detection_module(config, labels, prefix).model)
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("ckpt-*"):
        old.unlink()
    saved = tf.train.Checkpoint(**items).write(str(out / Path(prefix).name))   # ckpt-<step>, as trained
    name = Path(saved).name   # relative: the folder can move (a clone, an installed package)
    with atomic_path(out / "checkpoint") as tmp:
        Path(tmp).write_text(f'model_checkpoint_path: "{name}"\nall_model_checkpoint_paths: "{name}"\n')
    with atomic_path(out / LABEL_MAP_NAME) as tmp:
        shutil.copyfile(model_dir / LABEL_MAP_NAME, tmp)
    save_config(without_paths(config), out / CONFIG_NAME, extra={"published_from": Path(prefix).name})
    return saved


def without_paths(config):
    """``config`` without this machine's paths (they mean nothing where a model is shipped)."""
    return dataclasses.replace(config, label_map="", train_records=[], eval_records=[], replay_records=[],
                               model_dir="", fine_tune_checkpoint="")


def strip_export(export_dir):
    """Rewrite an exported folder's ``train_config.yaml`` without paths, for shipping (e.g. models/demo)."""
    from tod_ros.training.config import load_config, save_config

    path = Path(export_dir) / CONFIG_NAME
    save_config(without_paths(load_config(path)), path, extra={"exported_for": "shipping"})
    return path
