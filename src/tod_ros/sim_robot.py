"""The simulated Ergo Jr: its image source and its side of the integration protocol (no ROS here)."""
from dataclasses import dataclass
from pathlib import Path

from tod_ros.errors import TodError
from tod_ros.fileio import list_images

FAULTS = ("none", "empty_image", "slow", "down")


@dataclass
class SimRobotConfig:
    """Parameters of the simulated robot node (private params of the same names)."""

    image_dir: str = ""
    move_time: float = 0.3           # s the arm "moves" for each label
    fault: str = "none"              # none | empty_image | slow | down
    slow_delay: float = 3.0          # s get_image takes with fault=slow
    cycles: int = 0                  # pictures to ask for (0 = forever)
    auto_take: bool = True           # set takeImage itself; false = tests/users drive takeImage
    cycle_idle: float = 2.0          # s without a new label that ends a cycle
    start_delay: float = 1.0         # s before asking for the first picture
    take_image_param: str = "/takeImage"
    robot_ready_param: str = "/robotReady"
    label_param: str = "/label"

    def validate(self):
        """Raise TodError for values the node cannot run with."""
        if self.fault not in FAULTS:
            raise TodError(f"~fault must be one of {', '.join(FAULTS)}, got {self.fault!r}")
        if not self.image_dir:
            raise TodError("~image_dir is not set: give the simulated robot a folder of images")
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
        import cv2

        path = self.files[self._next % len(self.files)]
        self._next += 1
        bgr = cv2.imread(str(path), cv2.IMREAD_COLOR)
        if bgr is None:
            raise TodError(f"cannot read image {path}")
        return path, bgr
