"""What the detector node decides without ROS or TensorFlow: live settings (dynamic_reconfigure),
the enable switch and the start-up error state, frames the model cannot use, uncertain frames.

The live parameters are described once here (:data:`LIVE_PARAMS`, defaults taken from
:class:`tod_ros.inference.DetectorConfig`); ``cfg/DetectorParams.cfg`` builds the
dynamic_reconfigure description from them.
"""
import dataclasses
from dataclasses import dataclass

from tod_ros.dataset.imagesize import ImageLimits
from tod_ros.errors import TodError, quoted

MAX_DETECTIONS_LIMIT = 100
SHOWN_NAMES = 5             # unknown ~classes names quoted in the refusal (each cut to 40 characters)


@dataclass(frozen=True)
class LiveParam:
    """One parameter of the detector that can change while it runs (dynamic_reconfigure)."""

    name: str           # a DetectorConfig field, also the private param ~name
    type: str           # double | int | str
    description: str
    min: object = None
    max: object = None

    @property
    def default(self):
        """The DetectorConfig default (the one source of defaults)."""
        from tod_ros.inference import DetectorConfig

        return getattr(DetectorConfig(), self.name)


LIVE_PARAMS = (
    LiveParam("score_threshold", "double", "Detections below this score are dropped", 0.0, 1.0),
    LiveParam("max_detections", "int", "At most this many detections per frame (best scores)",
              1, MAX_DETECTIONS_LIMIT),
    LiveParam("classes", "str", "Comma-separated label names to report (empty = all)"),
)


def check_runtime_settings(cfg):
    """Raise TodError for bad frame limits or a bad uncertain band of a DetectorConfig."""
    ImageLimits.of(cfg).validate(prefix="~")
    if not 0.0 <= cfg.uncertain_min < cfg.uncertain_max <= 1.0:
        raise TodError("~uncertain_min and ~uncertain_max must satisfy 0 <= min < max <= 1, got "
                       f"{cfg.uncertain_min} and {cfg.uncertain_max}")


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
    changes = {}
    for p in LIVE_PARAMS:
        if p.name in values:
            raw = values[p.name]
            changes[p.name] = {"double": float, "int": int, "str": str}[p.type](raw)
    if "classes" in changes:
        changes["classes"] = ",".join(n.strip() for n in changes["classes"].split(",") if n.strip())
    new = dataclasses.replace(cfg, **changes)
    for p in LIVE_PARAMS:
        value = getattr(new, p.name)
        if p.min is not None and not p.min <= value <= p.max:
            raise TodError(f"{p.name} must be in [{p.min}, {p.max}], got {value}")
    if label_names is not None:
        check_classes(new, label_names)
    return new


def frame_problem(width, height, cfg):
    """Why a ``width`` x ``height`` frame cannot go to the model (the image limits of ``cfg``), or ""."""
    problem = ImageLimits.of(cfg).problem(width, height, prefix="~")
    if not problem or width <= 0 or height <= 0:
        return problem.replace("empty image", "empty frame")
    return f"frame {width}x{height} refused: {problem}"


def is_uncertain(detections, cfg):
    """True when the best score of ``detections`` lies in [uncertain_min, uncertain_max)."""
    if not detections:
        return False
    best = max(d.score for d in detections)
    return cfg.uncertain_min <= best < cfg.uncertain_max


class Gate:
    """Whether the node may run the model now: not after a start-up error, not while disabled."""

    def __init__(self, error=""):
        self.error = error          # permanent start-up error ("" = the model is loaded)
        self.enabled = True

    def refusal(self):
        """Why a frame is not detected now, or "" when it may be."""
        if self.error:
            return f"detector not running, start-up error: {self.error}"
        if not self.enabled:
            return "detector disabled (call ~enable with data: true to resume): frame not detected"
        return ""

    def set_enabled(self, on):
        """Switch detection on or off; returns (success, message) for std_srvs/SetBool."""
        if self.error and on:
            return False, f"cannot enable: start-up error: {self.error}"
        changed = self.enabled != bool(on)
        self.enabled = bool(on)
        state = "enabled" if self.enabled else "disabled"
        return True, f"detector {state}" + ("" if changed else " (unchanged)")
