"""Pure logic of the coordinator (the seed's nn.py done right): no ROS here.

The protocol with the robot, through three global params:
wait for ``takeImage`` to be exactly ``True``, reset it to ``False``, capture a frame,
detect, sort the cubes left to right, then for each cube set ``label``, set
``robotReady`` false and wait until the robot sets it true again.
"""
import re
from dataclasses import dataclass

from tod_ros.errors import TodError
from tod_ros.inference import sort_detections

LABEL_FORMATS = ("id", "name")
STATES = ("idle", "not_ready", "capturing", "detecting", "waiting_robot", "error")


@dataclass
class CoordinatorConfig:
    """Private params of the coordinator node (defaults; config/coordinator.yaml overrides)."""

    take_image_param: str = "/takeImage"
    robot_ready_param: str = "/robotReady"
    label_param: str = "/label"
    label_format: str = "id"            # id: the integer class id (as nn.py sends) | name: "one"
    score_threshold: float = 0.5
    poll_rate: float = 50.0             # Hz at which takeImage / robotReady are polled (>= 20)
    robot_timeout: float = 30.0         # s to wait for robotReady to become true again
    capture_timeout: float = 10.0       # s to wait for the capture service (call included)
    detect_timeout: float = 10.0        # s to wait for the detections of the captured frame
    status_rate: float = 2.0            # Hz of the periodic status message

    def validate(self):
        """Raise TodError for settings the coordinator cannot run with."""
        if self.label_format not in LABEL_FORMATS:
            raise TodError(f"~label_format must be one of {', '.join(LABEL_FORMATS)}, got {self.label_format!r}")
        if self.poll_rate < 20:
            raise TodError(f"~poll_rate must be >= 20 Hz (react within 50 ms), got {self.poll_rate}")
        for name in ("robot_timeout", "capture_timeout", "detect_timeout", "status_rate"):
            if getattr(self, name) <= 0:
                raise TodError(f"~{name} must be > 0, got {getattr(self, name)}")
        for name in ("take_image_param", "robot_ready_param", "label_param"):
            if not getattr(self, name):
                raise TodError(f"~{name} must not be empty")
        return self


def is_take_request(value):
    """True only for the boolean ``True``: -1, 1, "true" and other sentinels do not trigger."""
    return value is True


def is_robot_ready(value):
    """True only for the boolean ``True`` (what the robot sets when it finished moving)."""
    return value is True


def cubes_in_order(detections, score_threshold):
    """Detections with score >= threshold, left to right (by box center)."""
    return sort_detections([d for d in detections if d.score >= score_threshold], "x")


def format_label(detection, label_format="id"):
    """The value put in the label param: the int class id (``id``) or the label name (``name``)."""
    if label_format == "id":
        return int(detection.class_id)
    if label_format == "name":
        return str(detection.label)
    raise TodError(f"unknown label format {label_format!r} (use {' or '.join(LABEL_FORMATS)})")


# A captured frame is identified by its header stamp (rospy rewrites header.seq on publish).
_FRAME_REF = re.compile(r"stamp=(\d+)\.(\d{9})")


def format_frame_ref(secs, nsecs, seq=None):
    """Text of the capture service's answer naming the published frame: ``stamp=S.NNNNNNNNN [seq=N]``."""
    text = f"stamp={int(secs)}.{int(nsecs):09d}"
    return text if seq is None else f"{text} seq={int(seq)}"


def parse_frame_ref(text):
    """``(secs, nsecs)`` of a frame named by :func:`format_frame_ref`; TodError when there is none."""
    m = _FRAME_REF.search(text or "")
    if not m:
        raise TodError(f"capture answer {text!r} does not name a frame (expected 'stamp=<secs>.<nsecs>')")
    return int(m.group(1)), int(m.group(2))
