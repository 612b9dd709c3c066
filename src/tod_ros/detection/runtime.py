"""What the detector node decides without ROS or TensorFlow: the enable switch and the start-up
error state, frames the model cannot use, uncertain frames (its live settings are
:func:`tod_ros.detection.config.apply_live`).
"""
from tod_ros.dataset.imagesize import ImageLimits


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
