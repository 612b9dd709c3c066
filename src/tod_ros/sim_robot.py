"""The simulated Ergo Jr: its image source and its side of the integration protocol (no ROS here).

:class:`SimRobot` plays the robot through a param store and a clock (:mod:`tod_ros.protocol`):
set takeImage, receive each label while robot-ready is false, "move", set robot-ready back to
true; it also decides what its camera serves (the next image, or an injected fault).
"""
from dataclasses import dataclass
from pathlib import Path

from tod_ros.capture import CAMERA_FRAME_ID
from tod_ros.errors import TodError
from tod_ros.fileio import list_images
from tod_ros.protocol import LABEL, ROBOT_READY, TAKE_IMAGE

FAULTS = ("none", "empty_image", "slow", "down")
POLL_HZ = 50.0          # how often the robot looks at the protocol params


@dataclass
class SimRobotConfig:
    """Parameters of the simulated robot node (private params of the same names)."""

    image_dir: str = ""
    scene: str = ""                  # table scene YAML (config/sim_table.yaml): serve its rendering instead
    move_time: float = 0.3           # s the arm "moves" for each label
    fault: str = "none"              # none | empty_image | slow | down
    slow_delay: float = 3.0          # s get_image takes with fault=slow
    cycles: int = 0                  # pictures to ask for (0 = forever)
    auto_take: bool = True           # set takeImage itself; false = tests/users drive takeImage
    cycle_idle: float = 2.0          # s without a new label that ends a cycle
    start_delay: float = 1.0         # s before asking for the first picture
    take_image_param: str = TAKE_IMAGE
    robot_ready_param: str = ROBOT_READY
    label_param: str = LABEL
    frame_id: str = CAMERA_FRAME_ID  # header.frame_id of the served images

    def validate(self):
        """Raise TodError for values the node cannot run with."""
        if self.fault not in FAULTS:
            raise TodError(f"~fault must be one of {', '.join(FAULTS)}, got {self.fault!r}")
        if not self.image_dir and not self.scene:
            raise TodError("~image_dir is not set: give the simulated robot a folder of images (or a ~scene)")
        if self.move_time < 0 or self.cycle_idle <= 0:
            raise TodError("~move_time must be >= 0 and ~cycle_idle > 0")
        return self


class ImageCycler:
    """Cycles through the images of a folder in sorted order, reading each as BGR."""

    def __init__(self, folder):
        folder = Path(folder).expanduser()
        if not folder.is_dir():
            raise TodError(f"image folder {folder} does not exist")
        self.files = list_images(folder)
        if not self.files:
            raise TodError(f"no images (.png/.jpg) in {folder}")
        self._next = 0

    def next(self):
        """Return ``(path, bgr)`` of the next image, wrapping around at the end."""
        from tod_ros.dataset.imagesize import ImageLimits, read_image

        path = self.files[self._next % len(self.files)]
        self._next += 1
        # a camera serves thin frames (the detector's refusal is tested with them), never a decompression bomb
        return path, read_image(path, ImageLimits(min_image_side=1, max_aspect_ratio=float("inf")))


def scene_images(path):
    """The image source of a table scene file (:class:`tod_ros.sim_table.SceneImages`)."""
    from tod_ros.sim_table import SceneImages

    return SceneImages(path)


class SimRobotEvents:
    """What the simulated robot reports (the node publishes these; the default does nothing)."""

    def image_served(self, path):
        """A get_image call served ``path`` (None for an empty frame)."""

    def label_received(self, label):
        """The robot took ``label`` (a string) and starts moving."""

    def cycle_done(self, labels):
        """A picture's cycle ended with these labels (possibly none)."""


class SimRobot:
    """The simulated robot's protocol and camera, driven by :meth:`step` calls ~POLL_HZ times a second.

    Keeps the private params ``~received_labels`` and ``~completed_cycles`` up to date for tests.
    """

    def __init__(self, cfg, params, clock, images=None, events=None):
        self.cfg = cfg
        self.params = params
        self.clock = clock
        if images is None:
            images = scene_images(cfg.scene) if cfg.scene else ImageCycler(cfg.image_dir)
        self.images = images
        self.events = events or SimRobotEvents()
        self.received, self.completed = [], []
        self.labels = []                    # labels of the cycle in progress
        self.requested = self.consumed = False
        self.last_activity = 0.0
        self.moving_until = None            # end of the current "move", or None
        self.start_at = None

    # ------------------------------------------------------------------ camera
    @property
    def serves_images(self):
        """False with fault=down: the node then does not offer get_image at all."""
        return self.cfg.fault != "down"

    def serve_image(self):
        """``(path, bgr)`` of the next image; ``(None, None)`` for fault=empty_image; fault=slow
        first sleeps ~slow_delay."""
        if self.cfg.fault == "slow":
            self.clock.sleep(self.cfg.slow_delay)
        if self.cfg.fault == "empty_image":
            self.events.image_served(None)
            return None, None
        path, bgr = self.images.next()
        self.events.image_served(path)
        return path, bgr

    # ------------------------------------------------------------------ protocol
    def start(self):
        """Robot ready, no picture asked; the first request comes ~start_delay s later."""
        self.params.set(self.cfg.robot_ready_param, True)
        self.params.set(self.cfg.take_image_param, False)
        self.params.set("~received_labels", [])
        self.params.set("~completed_cycles", [])
        self.start_at = self.clock.now() + self.cfg.start_delay

    def wants_more(self):
        """True while the robot should ask for another picture."""
        return self.cfg.auto_take and (self.cfg.cycles == 0 or len(self.completed) < self.cfg.cycles)

    def _take_label(self, now):
        label = str(self.params.get(self.cfg.label_param, ""))
        self.labels.append(label)
        self.received.append(label)
        self.params.set("~received_labels", list(self.received))
        self.events.label_received(label)
        self.moving_until = now + self.cfg.move_time

    def _finish_cycle(self):
        self.completed.append(",".join(self.labels))
        self.params.set("~completed_cycles", list(self.completed))
        self.events.cycle_done(list(self.labels))
        self.requested, self.labels = False, []

    def step(self):
        """One look at the params (call :meth:`start` first)."""
        cfg, now = self.cfg, self.clock.now()
        if self.start_at is None or now < self.start_at:
            return
        if self.moving_until is not None:
            if now >= self.moving_until:        # the move is over: ready for the next label
                self.moving_until, self.last_activity = None, now
                self.params.set(cfg.robot_ready_param, True)
            return
        if not self.requested and self.wants_more():
            self.params.set(cfg.take_image_param, True)
            self.requested, self.consumed, self.labels, self.last_activity = True, False, [], now
        if self.params.get(cfg.robot_ready_param, True) is False:
            self._take_label(now)
        elif self.requested and not self.consumed:
            if self.params.get(cfg.take_image_param, False) is not True:
                self.consumed, self.last_activity = True, now   # the idle timer starts when the picture is taken
        elif now - self.last_activity > cfg.cycle_idle and (self.requested or self.labels):
            self._finish_cycle()
