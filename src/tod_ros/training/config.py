"""The training configuration: one flat dataclass of defaults, overridden by YAML and ``key=value``.

Pure Python (no TensorFlow). A YAML file holds *overrides only*; unknown keys are rejected
with the nearest valid key suggested. ``num_classes`` is never configured: it is derived
from the label map (labels + background) when the Model Garden config is built.
"""
import dataclasses
import difflib
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import List

from tod_ros.errors import TodError, ValidationError
from tod_ros.fileio import atomic_write

BACKBONES = ("mobilenet_v2", "mobilenet_v3_small", "mobilenet_v3_large", "resnet18", "resnet34", "resnet50")
FINE_TUNE_TYPES = ("detection", "classification")
OPTIMIZERS = ("adam", "sgd")
LR_SCHEDULES = ("cosine", "constant")
STRATEGIES = ("", "one_device", "mirrored", "multi_worker_mirrored")


@dataclass
class TrainConfig:
    """Every knob of ``tod train``; the defaults are the measured small default (see docs/training.md)."""

    # --- data (empty = the project's layout: training/<p>/{train,test}.record, label_map.pbtxt)
    label_map: str = ""
    train_records: List[str] = field(default_factory=list)   # files or globs (sharded records)
    eval_records: List[str] = field(default_factory=list)
    replay_records: List[str] = field(default_factory=list)  # mixed into training (e.g. the synthetic
                                         # images of the pre-trained checkpoint: no forgetting)
    replay_weight: float = 0.25          # share of replayed examples in each batch when replay_records is set
    model_dir: str = ""
    # --- model (tf-models-official RetinaNet)
    backbone: str = "mobilenet_v2"
    backbone_width: float = 0.5          # MobileNet filter_size_scale / ResNet depth_multiplier
    input_height: int = 256
    input_width: int = 320
    min_level: int = 3
    max_level: int = 5
    fpn_filters: int = 64                # FPN and head filters
    head_convs: int = 2
    separable_conv: bool = True
    anchor_scales: int = 3
    anchor_aspect_ratios: List[float] = field(default_factory=lambda: [1.0])
    anchor_size: float = 4.0
    bn_momentum: float = 0.9             # 0.99 (tfm default) gives AP 0 for the first ~300 steps
    max_detections_per_class: int = 100
    max_total_detections: int = 100
    pre_nms_score_threshold: float = 0.05   # boxes scoring below never reach NMS (the detector's score_threshold
                                         # is the one that decides what a client gets)
    nms_iou_threshold: float = 0.5
    pre_nms_top_k: int = 300             # boxes kept before NMS (tfm's 5000: ~350 ms a frame on a CPU; 1000: +11 %)
    class_agnostic_nms: bool = True      # one class per box, as the TFLite export (no duplicate boxes)
    max_number_of_boxes: int = 100       # ground-truth boxes kept per image
    # --- initialisation
    fine_tune_checkpoint: str = ""       # checkpoint file/prefix or folder (latest checkpoint in it)
    fine_tune_checkpoint_type: str = "detection"   # detection = whole detector; classification = backbone
    # --- optimisation
    batch_size: int = 8
    num_steps: int = 900
    optimizer: str = "adam"
    learning_rate: float = 3e-3
    lr_schedule: str = "cosine"
    warmup_steps: int = 50
    weight_decay: float = 0.0            # L2 on the weights
    use_bfloat16: bool = False           # ~1.8x slower on CPU: for TPUs / recent GPUs only
    seed: int = 0
    shuffle_buffer: int = 1000
    # --- augmentation (no horizontal flip: it mirrors the digits)
    aug_scale_min: float = 0.8
    aug_scale_max: float = 1.2
    aug_brightness: float = 0.15         # max delta, image in [0, 1]
    aug_contrast: float = 0.3            # factor in [1 - x, 1 + x]
    aug_saturation: float = 0.3          # factor in [1 - x, 1 + x]
    aug_hue: float = 0.03                # max delta
    aug_grayscale_prob: float = 0.1
    aug_hflip: bool = False
    aug_rotation: float = 180.0          # max in-plane rotation, degrees (180 = any angle: cubes lie at any angle)
    aug_rotation_prob: float = 0.5       # share of training images rotated (0 = off)
    aug_quarter_turn_prob: float = 0.25  # share of frames turned by 90/180/270 degrees (portrait frames too)
    # --- loop, checkpoints, evaluation
    log_every: int = 10
    checkpoint_every: int = 100
    keep_checkpoints: int = 3
    eval_every: int = 0                  # 0: evaluate only at the end
    warn_loss_above: float = 0.0         # warn when the run ends with its loss (mean of the last 10 % of
                                         # the steps) above this: a run that did not converge (0 = off)
    eval_batch_size: int = 8
    distribution_strategy: str = ""      # "" = one_device (CPU or the GPU); mirrored; multi_worker_mirrored

    def validate(self):
        """Raise :class:`ValidationError` listing every inconsistent value."""
        problems = []
        _choice(problems, "backbone", self.backbone, BACKBONES)
        _choice(problems, "fine_tune_checkpoint_type", self.fine_tune_checkpoint_type, FINE_TUNE_TYPES)
        _choice(problems, "optimizer", self.optimizer, OPTIMIZERS)
        _choice(problems, "lr_schedule", self.lr_schedule, LR_SCHEDULES)
        _choice(problems, "distribution_strategy", self.distribution_strategy, STRATEGIES)
        for name in ("batch_size", "num_steps", "input_height", "input_width", "fpn_filters", "anchor_scales",
                     "max_detections_per_class", "max_total_detections", "max_number_of_boxes", "log_every",
                     "checkpoint_every", "keep_checkpoints", "eval_batch_size"):
            if getattr(self, name) <= 0:
                problems.append(f"{name} must be > 0 (got {getattr(self, name)})")
        if not 2 <= self.min_level <= self.max_level <= 7:
            problems.append(f"need 2 <= min_level <= max_level <= 7 (got {self.min_level}, {self.max_level})")
        for name in ("input_height", "input_width"):
            if getattr(self, name) % (2 ** self.max_level):
                problems.append(f"{name} must be a multiple of 2**max_level = {2 ** self.max_level}")
        if self.warn_loss_above < 0:
            problems.append(f"warn_loss_above must be >= 0 (got {self.warn_loss_above})")
        if not 0 < self.replay_weight < 1:
            problems.append(f"replay_weight must be in (0, 1) (got {self.replay_weight})")
        if not 0 <= self.aug_rotation <= 180:
            problems.append(f"aug_rotation must be in [0, 180] degrees (got {self.aug_rotation})")
        for name in ("aug_rotation_prob", "aug_quarter_turn_prob"):
            if not 0 <= getattr(self, name) <= 1:
                problems.append(f"{name} must be in [0, 1] (got {getattr(self, name)})")
        if not 0 < self.aug_scale_min <= self.aug_scale_max:
            problems.append("need 0 < aug_scale_min <= aug_scale_max")
        if not self.anchor_aspect_ratios:
            problems.append("anchor_aspect_ratios must not be empty")
        if problems:
            raise ValidationError(problems, header="invalid training config")
        return self

    def to_dict(self):
        """Plain dict (YAML-serialisable)."""
        return dataclasses.asdict(self)


def _choice(problems, name, value, choices):
    if value not in choices:
        problems.append(f"{name}: {value!r} is not one of {', '.join(repr(c) for c in choices)}")


def field_types():
    """Field name -> annotated type of :class:`TrainConfig`."""
    return typing.get_type_hints(TrainConfig)


# keys that older versions wrote into train_config.yaml: ignored there, refused as new overrides
RETIRED_KEYS = {"reader_epochs": "the detector alone reads each cube (there is no reader stage to fine-tune)"}
# keys that older versions wrote under another name: read under their new one
RENAMED_KEYS = {"score_threshold": "pre_nms_score_threshold"}


def unknown_key_message(key, source):
    """'unknown key ...; did you mean ...?' naming ``source``."""
    names = [f.name for f in dataclasses.fields(TrainConfig)]
    near = difflib.get_close_matches(key, names, n=1, cutoff=0.5)
    hint = f"; did you mean '{near[0]}'?" if near else f"; valid keys: {', '.join(names)}"
    return f"{source}: unknown training config key '{key}'{hint}"


def coerce(key, value, source):
    """``value`` converted to the type of field ``key`` (YAML/str input); raises TodError."""
    kind = field_types()[key]
    try:
        if typing.get_origin(kind) in (list, List):
            (item,) = typing.get_args(kind)
            if isinstance(value, str):
                value = [v for v in (s.strip() for s in value.split(",")) if v] if value else []
            if not isinstance(value, (list, tuple)):
                value = [value]
            return [item(v) for v in value]
        if kind is bool:
            if isinstance(value, str) and value.lower() in ("true", "yes", "1", "on", "false", "no", "0", "off"):
                return value.lower() in ("true", "yes", "1", "on")
            if isinstance(value, bool):
                return value
            raise ValueError("expected true or false")
        if kind is int:
            if isinstance(value, float) and not value.is_integer():
                raise ValueError("expected an integer")
            return int(float(value)) if isinstance(value, str) and "e" in value.lower() else int(value)
        if kind is float:
            return float(value)
        return "" if value is None else str(value)
    except (TypeError, ValueError) as exc:
        kind_name = getattr(kind, "__name__", kind)
        raise TodError(f"{source}: bad value {value!r} for '{key}' ({kind_name}): {exc}")


def apply_overrides(config, overrides, source):
    """A copy of ``config`` with the mapping ``overrides`` applied (keys checked, values coerced)."""
    if not isinstance(overrides, dict):
        raise TodError(f"{source}: expected a mapping of 'key: value' overrides, got {type(overrides).__name__}")
    names = {f.name for f in dataclasses.fields(TrainConfig)}
    changes = {}
    for key, value in overrides.items():
        key = RENAMED_KEYS.get(str(key), str(key))
        if key == "num_classes":
            raise TodError(f"{source}: 'num_classes' is derived from the label map (labels + background); remove it")
        if key in RETIRED_KEYS and str(source).endswith(".yaml"):
            continue        # a model folder written before the key was retired still loads
        if key in RETIRED_KEYS:
            raise TodError(f"{source}: '{key}' was retired: {RETIRED_KEYS[key]}")
        if key not in names:
            raise TodError(unknown_key_message(key, source))
        changes[key] = coerce(key, value, f"{source}")
    return dataclasses.replace(config, **changes)


def parse_key_values(items, source="command line"):
    """``["num_steps=2000", "batch_size=8"]`` -> dict, values parsed as YAML scalars/lists."""
    import yaml

    out = {}
    for item in items:
        if "=" not in item:
            raise TodError(f"{source}: expected key=value, got {item!r}")
        key, text = item.split("=", 1)
        try:
            out[key.strip()] = yaml.safe_load(text) if text.strip() else ""
        except yaml.YAMLError:
            out[key.strip()] = text
    return out


PRESET_PREFIXES = ("pretrain", "finetune", "train")           # the node configs there are not training presets


def preset_names():
    """Names of the training presets shipped in the package's config/ folder (``<name>.yaml``)."""
    from tod_ros.resources import config_dir

    return sorted(p.stem for p in config_dir().glob("*.yaml") if p.stem.startswith(PRESET_PREFIXES))


def resolve_config_path(path):
    """``path`` itself when it exists, else the shipped preset of that name (``pretrain_synthetic``)."""
    path = Path(path)
    if path.exists() or len(path.parts) > 1:
        return path
    name = path.name[:-len(".yaml")] if path.suffix == ".yaml" else path.name
    if name in preset_names():
        from tod_ros.resources import config_dir

        return config_dir() / (name + ".yaml")
    presets = ", ".join(preset_names()) or "none"
    raise TodError(f"training config {path} not found (not a file, nor a preset: {presets})")


def load_yaml(path):
    """The overrides mapping stored in YAML file ``path`` (empty file = no override)."""
    import yaml

    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text())
    except OSError as exc:
        raise TodError(f"cannot read training config {path}: {exc.strerror}")
    except yaml.YAMLError as exc:
        raise TodError(f"{path}: invalid YAML: {exc}")
    return {} if data is None else data


def load_config(path=None, overrides=(), base=None):
    """Defaults <- YAML file ``path`` <- ``key=value`` strings ``overrides``; validated."""
    config = base or TrainConfig()
    if path:
        path = resolve_config_path(path)
        config = apply_overrides(config, load_yaml(path), str(path))
    if overrides:
        config = apply_overrides(config, parse_key_values(overrides), "command line")
    return config.validate()


def explicit_keys(path=None, overrides=()):
    """The keys a user set: those of YAML file ``path`` (a preset name too) and of ``key=value`` strings."""
    keys = set(load_yaml(resolve_config_path(path))) if path else set()
    return keys | set(parse_key_values(overrides)) if overrides else keys


def save_config(config, path, extra=None):
    """Write the resolved config (and ``extra`` derived values, e.g. num_classes) as YAML, atomically."""
    import yaml

    data = config.to_dict()
    text = "# resolved training config written by tod train (all keys, defaults included)\n"
    text += yaml.safe_dump(data, sort_keys=False)
    if extra:
        text += "# derived, not settable:\n" + "".join(f"# {k}: {v}\n" for k, v in extra.items())
    with atomic_write(path) as fh:
        fh.write(text)
    return Path(path)
