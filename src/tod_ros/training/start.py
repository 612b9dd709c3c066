"""Where ``tod train`` starts from: the shipped pre-trained cube checkpoint by default.

The TOD tutorial downloads a pre-trained model; tod_ros ships its own (``models/cubes_base``,
pre-trained on synthetic cubes, see docs/training.md). With no start point chosen:

* the project's labels are the checkpoint's (``one``, ``two``): fine-tune the whole detector
  with the ``finetune_real`` preset, replaying a few of the checkpoint's synthetic images so
  that fine-tuning on a few photos does not forget what pre-training taught;
* other labels: initialise the backbone only, every other value at its default;
* ``--from-scratch`` (or ``fine_tune_checkpoint=none``): random initialisation.

An explicit ``fine_tune_checkpoint`` is used as given, after a check that its architecture
(``train_config.yaml`` beside it) fits the config. Pure Python (no TensorFlow).
"""
import dataclasses
from dataclasses import dataclass
from pathlib import Path

from tod_ros.errors import TodError
from tod_ros.filenames import LABEL_MAP, TRAIN_CONFIG

FINETUNE_PRESET = "finetune_real"
SCRATCH_WORDS = ("none", "scratch")
REPLAY_RECORD = "replay.record"
# keys that change the shapes of the weights a checkpoint holds
ARCHITECTURE_KEYS = ("backbone", "backbone_width", "min_level", "max_level", "fpn_filters", "head_convs",
                     "separable_conv", "anchor_scales", "anchor_aspect_ratios")


@dataclass
class StartPoint:
    """The config to train with and the sentence that says where training starts."""

    config: object
    message: str


def base_dir():
    """Folder of the shipped pre-trained checkpoint (``models/cubes_base``)."""
    from tod_ros.resources import BASE_MODEL, model_dir

    return model_dir(BASE_MODEL)


def checkpoint_folder(path):
    """The folder of a checkpoint given as a folder or a prefix (``.../ckpt-900``)."""
    path = Path(path).expanduser()
    return path if path.is_dir() else path.parent


def checkpoint_config(path):
    """The ``train_config.yaml`` written beside checkpoint folder/prefix ``path`` as a dict, or None."""
    import yaml

    cfg = checkpoint_folder(path) / TRAIN_CONFIG
    if not cfg.is_file():
        return None
    try:
        return yaml.safe_load(cfg.read_text()) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise TodError(f"{cfg}: cannot read the checkpoint's training config: {exc}") from None


def architecture_mismatch(config, saved):
    """``["backbone: checkpoint mobilenet_v2, config resnet18", ...]`` for every architecture key that differs."""
    out = []
    for key in ARCHITECTURE_KEYS:
        if key in saved and _norm(saved[key]) != _norm(getattr(config, key)):
            out.append(f"{key}: checkpoint {saved[key]!r}, config {getattr(config, key)!r}")
    return out


def _norm(value):
    if isinstance(value, (list, tuple)):
        return tuple(float(v) for v in value)
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else value


def check_fits(config, checkpoint):
    """Raise TodError naming the checkpoint's config file and each architecture key that differs."""
    saved = checkpoint_config(checkpoint)
    if saved is None:
        return
    diff = architecture_mismatch(config, saved)
    if diff:
        folder = Path(checkpoint) if Path(checkpoint).is_dir() else Path(checkpoint).parent
        raise TodError(f"fine_tune_checkpoint {checkpoint} does not fit this model "
                       f"({folder / TRAIN_CONFIG}): " + "; ".join(diff)
                       + ". Set the same values, or train with --from-scratch")


def label_names(label_map):
    """``{id: name}`` of a label map file."""
    from tod_ros.dataset.labelmap import read_label_map

    return {item.id: item.name for item in read_label_map(label_map).items}


def choose(config, labels, explicit, from_scratch=False, preset_applied=False):
    """The :class:`StartPoint` of ``config`` (resolved paths) for project labels ``labels`` ({id: name}).

    ``explicit``: the keys the user set (config file or key=value); ``preset_applied``: a
    ``--config`` was given, so the fine-tuning preset is not laid under it.
    """
    ckpt = config.fine_tune_checkpoint
    if from_scratch or ckpt.lower() in SCRATCH_WORDS:
        return StartPoint(dataclasses.replace(config, fine_tune_checkpoint=""),
                          "training from scratch (random weights)")
    if "fine_tune_checkpoint" in explicit:
        check_fits(config, ckpt)
        return StartPoint(config, f"starting from {ckpt} ({config.fine_tune_checkpoint_type})")
    base = base_dir()
    if not (base / LABEL_MAP).is_file():
        return StartPoint(config, f"training from scratch: no shipped pre-trained checkpoint in {base}")
    saved = checkpoint_config(base) or {}
    diff = architecture_mismatch(config, saved)
    if diff:
        return StartPoint(config, "training from scratch: the shipped checkpoint does not fit this "
                                  "architecture (" + "; ".join(diff) + ")")
    base_labels = label_names(base / LABEL_MAP)
    if labels == base_labels:
        return _fine_tune(config, base, explicit, preset_applied)
    changes = {"fine_tune_checkpoint": str(base), "fine_tune_checkpoint_type": "classification"}
    return StartPoint(dataclasses.replace(config, **changes),
                      f"labels {_names(labels)} differ from the shipped checkpoint's {_names(base_labels)}: "
                      f"initialising the backbone only from {base} (docs/training.md, 'new classes')")


def _fine_tune(config, base, explicit, preset_applied):
    from tod_ros.training.config import apply_overrides, load_yaml, resolve_config_path

    if not preset_applied:
        preset = {k: v for k, v in load_yaml(resolve_config_path(FINETUNE_PRESET)).items() if k not in explicit}
        config = apply_overrides(config, preset, f"preset {FINETUNE_PRESET}")
    changes = {"fine_tune_checkpoint": str(base), "fine_tune_checkpoint_type": "detection"}
    replay = base / REPLAY_RECORD
    if not config.replay_records and "replay_records" not in explicit and replay.is_file():
        changes["replay_records"] = [str(replay)]
    config = dataclasses.replace(config, **changes).validate()
    extra = (f", replaying {config.replay_weight:.0%} synthetic images" if changes.get("replay_records") else "")
    return StartPoint(config, f"fine-tuning the shipped pre-trained cube detector {base} "
                              f"({'your --config' if preset_applied else 'preset ' + FINETUNE_PRESET}: "
                              f"{config.num_steps} steps, learning rate {config.learning_rate:g}{extra}); "
                              f"--from-scratch to train from random weights")


def _names(labels):
    return "(" + ", ".join(labels[k] for k in sorted(labels)) + ")"


def prepare(config, project, explicit, from_scratch=False, preset_applied=False):
    """Paths resolved from ``project``, then :func:`choose` with the project's labels."""
    from tod_ros.training.inputs import read_labels, resolve_paths

    config = resolve_paths(config, project)
    labels = read_labels(config.label_map)
    return choose(config, {item.id: item.name for item in labels.items}, set(explicit), from_scratch,
                  preset_applied)
