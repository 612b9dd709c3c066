"""The detector's settings, defined once: :class:`DetectorConfig`, its ranges, and the live parameters.

Every tool that runs a model (the detector node, ``tod detect``, ``tod eval``, ``tod prelabel``,
the benchmarks) holds one :class:`DetectorConfig`. Its fields that may change while the node runs
carry their dynamic_reconfigure description in their metadata (:func:`live`); :data:`LIVE_PARAMS`
is derived from those fields, and ``cfg/DetectorParams.cfg`` from :data:`LIVE_PARAMS`.

One vocabulary: ``score_threshold`` is a fraction in [0, 1] everywhere (node param, YAML, launch,
dynamic_reconfigure, ``--score-threshold``); ``-t`` is the same threshold in percent, as in the
tutorial's scripts.
"""
import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

from tod_ros import filenames
from tod_ros.dataset.imagesize import ImageLimits
from tod_ros.errors import TodError, quoted

BACKENDS = ("auto", "savedmodel", "tflite", "tflite_int8")
TFLITE_FILES = {"tflite": filenames.TFLITE, "tflite_int8": filenames.TFLITE_INT8}   # backend -> file in model_dir
SORTS = ("x", "score", "none")
TFLITE_RESIZES = ("letterbox", "stretch")
MAX_DETECTIONS_LIMIT = 100
SHOWN_NAMES = 5             # unknown ~classes names quoted in a refusal (each cut to 40 characters)


def live(kind, description, low=None, high=None):
    """Field metadata of a live parameter: dynamic_reconfigure ``kind`` (double | int | str), its
    description and its range (checked by :meth:`DetectorConfig.validate` as well)."""
    return {"live": kind, "description": description, "range": (low, high)}


@dataclass
class DetectorConfig:
    """Settings of the detector (private params of the detector node, config/detector.yaml)."""

    model_dir: str = ""
    label_map: str = ""                 # default: <model_dir>/label_map.pbtxt
    backend: str = "auto"               # auto (tflite when <model_dir>/model.tflite exists) | savedmodel | tflite
                                        # | tflite_int8 (<model_dir>/model_int8.tflite, tod export --int8)
    score_threshold: float = field(default=0.5, metadata=live(
        "double", "Detections below this score are dropped", 0.0, 1.0))
    max_detections: int = field(default=4, metadata=live(
        "int", "At most this many detections per frame (best scores)", 1, MAX_DETECTIONS_LIMIT))
    classes: str = field(default="", metadata=live(
        "str", "Comma-separated label names to report (empty = all)"))
    sort: str = "x"                     # x (left to right) | score | none
    num_threads: int = 2                # TFLite interpreter threads
    tflite_class_offset: int = -1       # added to TFLite class outputs; -1 = auto (see docs/ros.md)
    tflite_resize: str = "letterbox"    # fixed-size TFLite input: letterbox (tod export) | stretch
    warmup_runs: int = 2
    min_image_side: int = ImageLimits.min_image_side       # the image limits of every tool (one definition)
    max_aspect_ratio: float = ImageLimits.max_aspect_ratio
    max_image_pixels: int = ImageLimits.max_image_pixels
    save_uncertain: str = ""            # folder for frames whose best score is in [uncertain_min, uncertain_max)
    uncertain_min: float = 0.3
    uncertain_max: float = 0.6

    def validate(self):
        """Raise TodError for settings the detector cannot run with; returns the config."""
        if not self.model_dir:
            raise TodError("~model_dir is not set: give the folder of an exported model (with saved_model/)")
        for name, allowed in (("backend", BACKENDS), ("tflite_resize", TFLITE_RESIZES), ("sort", SORTS)):
            if getattr(self, name) not in allowed:
                raise TodError(f"~{name} must be one of {', '.join(allowed)}, got {getattr(self, name)!r}")
        check_ranges(self)
        ImageLimits.of(self).validate(prefix="~")
        if not 0.0 <= self.uncertain_min < self.uncertain_max <= 1.0:
            raise TodError("~uncertain_min and ~uncertain_max must satisfy 0 <= min < max <= 1, got "
                           f"{self.uncertain_min} and {self.uncertain_max}")
        return self

    def class_names(self):
        """The label names of ``classes`` (comma-separated) as a tuple; empty = all classes."""
        return tuple(n.strip() for n in self.classes.split(",") if n.strip())

    def label_map_path(self):
        """The label map file: ``label_map`` or ``<model_dir>/label_map.pbtxt``."""
        return Path(self.label_map or Path(self.model_dir) / filenames.LABEL_MAP).expanduser()

    def resolved_backend(self):
        """``backend`` with ``auto`` resolved by looking at the model folder."""
        if self.backend != "auto":
            return self.backend
        return "tflite" if (Path(self.model_dir).expanduser() / filenames.TFLITE).is_file() else "savedmodel"


@dataclass(frozen=True)
class LiveParam:
    """One parameter of the detector that can change while it runs (dynamic_reconfigure)."""

    name: str           # a DetectorConfig field, also the private param ~name
    type: str           # double | int | str
    description: str
    min: object = None
    max: object = None
    default: object = None


LIVE_PARAMS = tuple(LiveParam(f.name, f.metadata["live"], f.metadata["description"], *f.metadata["range"],
                              default=f.default)
                    for f in dataclasses.fields(DetectorConfig) if "live" in f.metadata)


def check_ranges(cfg, option=lambda name: f"~{name}"):
    """Raise TodError for a live parameter of ``cfg`` outside its range; ``option(field)`` names it in
    the message (default: the node's private param, e.g. ``~score_threshold``)."""
    for p in LIVE_PARAMS:
        value = getattr(cfg, p.name)
        if p.min is not None and not p.min <= value <= p.max:
            raise TodError(f"{option(p.name)} must be in [{p.min:g}, {p.max:g}], got {value:g}")


def check_classes(cfg, label_names):
    """Raise TodError when ``cfg.classes`` names a label the model's label map does not have."""
    unknown = [n for n in cfg.class_names() if n not in label_names]
    if unknown:
        shown = ", ".join(quoted(n, 40) for n in unknown[:SHOWN_NAMES])
        more = f" and {len(unknown) - SHOWN_NAMES} more" if len(unknown) > SHOWN_NAMES else ""
        raise TodError(f"~classes: unknown label(s) {shown}{more} (the label map has: {', '.join(label_names)})")


def apply_live(cfg, values, label_names=None):
    """A new DetectorConfig: ``cfg`` with the LIVE_PARAMS found in ``values`` (a mapping).

    Raises TodError (and ``cfg`` stays in use) when a value is out of range or names an unknown class.
    """
    changes = {p.name: {"double": float, "int": int, "str": str}[p.type](values[p.name])
               for p in LIVE_PARAMS if p.name in values}
    if "classes" in changes:
        changes["classes"] = ",".join(n.strip() for n in changes["classes"].split(",") if n.strip())
    new = dataclasses.replace(cfg, **changes)
    check_ranges(new)
    if label_names is not None:
        check_classes(new, label_names)
    return new


def percent_threshold(percent, option="-t"):
    """The score threshold (a fraction) of a percentage given as ``-t`` (the tutorial's unit)."""
    if not 0.0 <= percent <= 100.0:
        raise TodError(f"{option} must be a percentage in [0, 100], got {percent:g}")
    return percent / 100.0
