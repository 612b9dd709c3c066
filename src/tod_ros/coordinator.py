"""The coordinator (the seed's nn.py done right): its settings and its cycle, no ROS here.

The protocol with the robot, through three global params:
wait for ``takeImage`` to be exactly ``True``, reset it to ``False``, capture a frame,
detect, sort the cubes left to right, then for each cube set ``label``, set
``robotReady`` false and wait until the robot sets it true again.

:class:`Coordinator` plays it through a param store and a clock (:mod:`tod_ros.protocol`), a
``capture()`` callable (the frame's stamp) and a :class:`tod_ros.detector_link.DetectorLink`
(the detector's state and each frame's detections); ``take_image()`` is the synchronous
alternative (the ``take_image`` service) on the same capture/detect path.
"""
import re
import threading
from dataclasses import dataclass, field
from typing import List

from tod_ros.errors import TodError, quoted
from tod_ros.detection.postprocess import sort_detections
from tod_ros.protocol import LABEL, ROBOT_READY, TAKE_IMAGE

LABEL_FORMATS = ("id", "name")
BAD_REQUEST_WARN_PERIOD = 10.0      # s between two warnings about a takeImage value that is not a boolean


@dataclass
class CoordinatorConfig:
    """Private params of the coordinator node (defaults; config/coordinator.yaml overrides)."""

    take_image_param: str = TAKE_IMAGE
    robot_ready_param: str = ROBOT_READY
    label_param: str = LABEL
    label_format: str = "id"            # id: the integer class id (as nn.py sends) | name: "one"
    score_threshold: float = 0.0        # a robot-side filter after the detector's; 0: every cube it reports
    poll_rate: float = 50.0             # Hz at which takeImage / robotReady are polled (>= 20)
    robot_timeout: float = 30.0         # s to wait for robotReady to become true again
    capture_timeout: float = 10.0       # s to wait for the capture service (call included)
    detect_timeout: float = 10.0        # s to wait for the detections of the captured frame
    ready_timeout: float = 60.0         # s a takeImage request waits for a not-ready detector, then fails
    status_rate: float = 2.0            # Hz of the periodic status message

    def validate(self):
        """Raise TodError for settings the coordinator cannot run with."""
        if self.label_format not in LABEL_FORMATS:
            raise TodError(f"~label_format must be one of {', '.join(LABEL_FORMATS)}, got {self.label_format!r}")
        if self.poll_rate < 20:
            raise TodError(f"~poll_rate must be >= 20 Hz (react within 50 ms), got {self.poll_rate}")
        for name in ("robot_timeout", "capture_timeout", "detect_timeout", "ready_timeout", "status_rate"):
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


@dataclass
class Status:
    """What the coordinator publishes on ``status`` (tod_ros/CoordinatorStatus without header)."""

    state: str = "idle"         # idle | not_ready | capturing | detecting | waiting_robot | error
    cycle: int = 0              # completed cycles
    last_labels: List[str] = field(default_factory=list)     # label names, as users see them
    last_latency_ms: float = 0.0
    last_error: str = ""


@dataclass
class Picture:
    """One captured and detected frame: the detector's result and the cubes kept, left to right."""

    result: object              # what the DetectorLink delivered (a tod_ros/DetectionArray in the node)
    cubes: list


class Coordinator:
    """The coordinator's protocol loop, driven through a param store, a clock, a capture
    callable (returns the captured frame's stamp key, raises TodError) and a DetectorLink.

    ``publish(status)`` is called on every status change; ``log(level, text)`` for log lines
    (level: info | warn | error); ``running()`` turns False when the node stops.
    """

    def __init__(self, cfg, params, clock, capture, link, publish=None, log=None, running=None):
        self.cfg = cfg
        self.params = params
        self.clock = clock
        self.capture = capture
        self.link = link
        self.status = Status()
        self._publish = publish or (lambda status: None)
        self._log = log or (lambda level, text: None)
        self.running = running or (lambda: True)
        self._request_since = None       # when the pending takeImage request was first seen
        self._bad_request_warned = None  # when a takeImage value that is not a boolean was last reported
        self._frame_lock = threading.Lock()

    # ------------------------------------------------------------------ status
    def publish(self, state=None, error=None):
        """Publish the status, optionally changing its state and last error."""
        if state is not None:
            self.status.state = state
        if error is not None:
            self.status.last_error = error
        self._publish(self.status)

    # ------------------------------------------------------------------ capture + detect (both protocols)
    def picture(self, on_detecting=None):
        """Capture a frame, wait for its detections; a :class:`Picture`. TodError when it failed."""
        with self._frame_lock:
            try:
                key = self.capture()
            except TodError as exc:
                raise TodError(f"capture failed: {exc}") from exc
            if on_detecting:
                on_detecting()
            result = self.link.wait_result(key, self.cfg.detect_timeout)
        return Picture(result, cubes_in_order(list(result.detections), self.cfg.score_threshold))

    def take_image(self):
        """The ``take_image`` service: one :class:`Picture` now; TodError (with the reason) when the
        detector is not ready or the capture/detection failed. Leaves the param protocol alone."""
        problem = self.link.problem()
        if problem:
            raise TodError(f"the detector is not ready: {problem}")
        return self.picture()

    # ------------------------------------------------------------------ the param protocol
    def wait_robot_ready(self, label):
        """Poll robot-ready until it is exactly True; TodError after ~robot_timeout."""
        cfg = self.cfg
        deadline = self.clock.now() + cfg.robot_timeout
        while not is_robot_ready(self.params.get(cfg.robot_ready_param, None)):
            if not self.running():
                raise TodError("coordinator stopped while the robot was moving")
            if self.clock.now() > deadline:
                raise TodError(f"robot did not set {cfg.robot_ready_param} back to true within "
                               f"{cfg.robot_timeout:g} s after label {label!r}")
            self.clock.sleep(1.0 / cfg.poll_rate)

    def run_cycle(self, t_request):
        """One picture: capture, detect, hand each cube's label to the robot (TodError on failure)."""
        cfg = self.cfg
        self.publish("capturing")
        cubes = self.picture(on_detecting=lambda: self.publish("detecting")).cubes
        if not cubes:
            self._log("warn", "no cube in the picture" + (f" at or above the coordinator's score_threshold "
                                                          f"{cfg.score_threshold:.2f}" if cfg.score_threshold else ""))
        sent = []
        for i, cube in enumerate(cubes):
            label = format_label(cube, cfg.label_format)
            self.params.set(cfg.label_param, label)
            self.params.set(cfg.robot_ready_param, False)
            if i == 0:
                self.status.last_latency_ms = (self.clock.now() - t_request) * 1000.0
            sent.append(str(label))
            self.status.last_labels = [c.label for c in cubes[:i + 1]]
            self.publish("waiting_robot")
            self.wait_robot_ready(label)
        as_sent = f" (sent as {', '.join(sent)})" if cfg.label_format != "name" and sent else ""
        self._log("info", f"cycle {self.status.cycle + 1} done, labels [{', '.join(self.status.last_labels)}]"
                          f"{as_sent}, first label {self.status.last_latency_ms:.0f} ms after {cfg.take_image_param}")
        self.status.cycle += 1
        self.publish("idle", error="")

    def _not_ready(self, problem, requested):
        """The detector cannot take a frame: report why; give up a request after ~ready_timeout."""
        cfg, now = self.cfg, self.clock.now()
        if requested:
            if self._request_since is None:
                self._request_since = now
                self._log("warn", f"{cfg.take_image_param} waits: the detector is not ready: {problem}")
            if now - self._request_since > cfg.ready_timeout:
                self.params.set(cfg.take_image_param, False)
                self._request_since = None
                error = (f"gave up the {cfg.take_image_param} request after {cfg.ready_timeout:g} s: "
                         f"the detector is not ready: {problem}")
                self._log("error", error)
                self.publish("error", error=error)
                return
        elif self.status.state == "error":
            return          # the last error stays visible until a request comes
        if (self.status.state, self.status.last_error) != ("not_ready", problem):
            if self.status.state != "not_ready":
                self._log("warn", f"not ready, requests wait: {problem}")
            self.publish("not_ready", error=problem)

    def _warn_bad_request(self, value):
        """A takeImage value that is neither a boolean nor unset: one warning every ~10 s naming it."""
        if value is None or isinstance(value, bool):
            return
        now = self.clock.now()
        if self._bad_request_warned is None or now - self._bad_request_warned >= BAD_REQUEST_WARN_PERIOD:
            self._bad_request_warned = now
            self._log("warn", f"{self.cfg.take_image_param} is {quoted(value)} ({type(value).__name__}), not a "
                              "boolean: ignored (only the boolean true takes a picture)")

    def poll(self):
        """One look at the params: run a cycle when takeImage is exactly True and the detector ready."""
        cfg = self.cfg
        value = self.params.get(cfg.take_image_param, None)
        self._warn_bad_request(value)
        requested = is_take_request(value)
        if not requested:
            self._request_since = None
        problem = self.link.problem()
        if problem:
            self._not_ready(problem, requested)
            return
        if self.status.state == "not_ready":
            self._log("info", "detector ready")
            self.publish("idle", error="")
        if not requested:
            return
        t_request = self.clock.now()
        self._request_since = None
        self.params.set(cfg.take_image_param, False)
        self.status.last_labels, self.status.last_latency_ms = [], 0.0
        try:
            self.run_cycle(t_request)
        except TodError as exc:
            self._log("error", str(exc))
            self.publish("error", error=str(exc))

    def spin(self):
        """Poll at ~poll_rate until ``running()`` is False; the status also goes out at ~status_rate."""
        period, status_period = 1.0 / self.cfg.poll_rate, 1.0 / self.cfg.status_rate
        last_status = None      # the first status says whether the detector is ready: "idle" only if it is
        while self.running():
            self.poll()
            if last_status is None or self.clock.now() - last_status >= status_period:
                self.publish()
                last_status = self.clock.now()
            self.clock.sleep(period)
