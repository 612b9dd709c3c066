"""The simulated robot's config and image source (no ROS)."""
import cv2
import numpy as np
import pytest

from dataset_helpers import bomb_png, make_image
from tod_ros.errors import TodError
from tod_ros.sim_robot import ImageCycler, SimRobotConfig


def test_cycler_serves_sorted_files_and_wraps(tmp_path):
    for name, value in (("b.png", 2), ("a.png", 1), ("c.jpg", 3)):
        cv2.imwrite(str(tmp_path / name), np.full((4, 6, 3), value * 40, np.uint8))
    (tmp_path / "notes.txt").write_text("not an image")
    cycler = ImageCycler(tmp_path)
    names = [cycler.next()[0].name for _ in range(4)]
    assert names == ["a.png", "b.png", "c.jpg", "a.png"]


def test_cycler_errors(tmp_path):
    with pytest.raises(TodError, match="does not exist"):
        ImageCycler(tmp_path / "missing")
    with pytest.raises(TodError, match="no images"):
        ImageCycler(tmp_path)
    (tmp_path / "broken.png").write_bytes(b"not a png")
    with pytest.raises(TodError, match="broken.png: not a PNG, JPEG or BMP image"):
        ImageCycler(tmp_path).next()
    (tmp_path / "broken.png").unlink()
    make_image(tmp_path / "thin.png", 400, 3)
    assert ImageCycler(tmp_path).next()[1].shape == (3, 400, 3)
    bomb_png(tmp_path / "thin.png", 5000, 4000)
    with pytest.raises(TodError, match="thin.png: image 5000x4000 refused: its 20000000 pixels are more than"):
        ImageCycler(tmp_path).next()


def test_config_validation():
    assert SimRobotConfig(image_dir="x").validate().fault == "none"
    with pytest.raises(TodError, match="~fault must be one of"):
        SimRobotConfig(image_dir="x", fault="explode").validate()
    with pytest.raises(TodError, match="~image_dir is not set"):
        SimRobotConfig().validate()


# --------------------------------------------------------------------------- the robot's protocol
from protocol_fakes import FakeClock, MemoryParams  # noqa: E402
from tod_ros.sim_robot import SimRobot, SimRobotEvents  # noqa: E402


class Events(SimRobotEvents):
    def __init__(self):
        self.log = []

    def image_served(self, path):
        self.log.append(("served", path))

    def label_received(self, label):
        self.log.append(("label", label))

    def cycle_done(self, labels):
        self.log.append(("cycle", labels))


class FakeImages:
    files = ["a.png", "b.png"]

    def __init__(self):
        self.i = 0

    def next(self):
        self.i += 1
        return f"img{self.i}.png", np.zeros((2, 2, 3), np.uint8)


def make_robot(**changes):
    cfg = SimRobotConfig(image_dir="x", **{"move_time": 0.3, "cycle_idle": 1.0, "start_delay": 0.5, **changes})
    params, clock, events = MemoryParams(), FakeClock(), Events()
    robot = SimRobot(cfg.validate(), params, clock, images=FakeImages(), events=events)
    return robot, params, clock, events


def run(robot, clock, seconds, period=0.02):
    """Step the robot for ``seconds`` of fake time."""
    end = clock.now() + seconds
    while clock.now() < end:
        robot.step()
        clock.sleep(period)


def test_start_sets_ready_and_asks_after_start_delay():
    robot, params, clock, _ = make_robot()
    robot.start()
    assert params.values == {"/robotReady": True, "/takeImage": False, "~received_labels": [],
                             "~completed_cycles": []}
    run(robot, clock, 0.45)
    assert params.get("/takeImage") is False
    run(robot, clock, 0.1)
    assert params.get("/takeImage") is True


def coordinator_takes(params, robot, clock, labels):
    """Play the coordinator: take the picture, then hand each label and wait for ready."""
    params.set("/takeImage", False)
    for label in labels:
        params.set("/label", label)
        params.set("/robotReady", False)
        start = clock.now()
        while params.get("/robotReady") is not True:
            robot.step()
            clock.sleep(0.02)
            assert clock.now() - start < 5, "robot never got ready"
        yield clock.now() - start


def test_cycle_labels_move_time_idle_end_and_cycle_limit():
    robot, params, clock, events = make_robot(cycles=2)
    robot.start()
    for labels in ([2, 1, 2], [1]):
        run(robot, clock, 0.6)
        assert params.get("/takeImage") is True
        moves = list(coordinator_takes(params, robot, clock, labels))
        assert all(m == pytest.approx(0.3, abs=0.05) for m in moves), "each label takes move_time"
        run(robot, clock, 0.9)
        assert events.log[-1][0] == "label", "the cycle is not over before cycle_idle"
        run(robot, clock, 0.2)
        assert events.log[-1] == ("cycle", [str(v) for v in labels])
    assert params.get("~received_labels") == ["2", "1", "2", "1"]
    assert params.get("~completed_cycles") == ["2,1,2", "1"]
    run(robot, clock, 3.0)
    assert params.get("/takeImage") is False, "no third picture with cycles=2"


def test_a_picture_without_labels_ends_after_cycle_idle():
    robot, params, clock, events = make_robot(cycles=1)
    robot.start()
    run(robot, clock, 0.6)
    run(robot, clock, 2.0)
    assert not any(e[0] == "cycle" for e in events.log), "an untaken picture never ends the cycle"
    params.set("/takeImage", False)
    run(robot, clock, 1.1)
    assert events.log == [("cycle", [])]


def test_auto_take_false_never_asks_but_takes_labels():
    robot, params, clock, events = make_robot(auto_take=False)
    robot.start()
    run(robot, clock, 3.0)
    assert params.get("/takeImage") is False and events.log == []
    assert list(coordinator_takes(params, robot, clock, ["one"]))
    run(robot, clock, 1.2)
    assert events.log == [("label", "one"), ("cycle", ["one"])]


def test_camera_and_faults():
    robot, _, clock, events = make_robot()
    assert robot.serves_images and robot.serve_image()[0] == "img1.png"
    assert events.log == [("served", "img1.png")]
    robot, _, clock, events = make_robot(fault="empty_image")
    assert robot.serve_image() == (None, None) and events.log == [("served", None)]
    robot, _, clock, _ = make_robot(fault="slow", slow_delay=2.5)
    start = clock.now()
    assert robot.serve_image()[0] == "img1.png" and clock.now() - start == pytest.approx(2.5)
    robot, _, _, _ = make_robot(fault="down")
    assert not robot.serves_images


def test_launch_defaults_point_to_the_config():
    """sim_robot.launch restates the SimRobotConfig defaults it passes (checked here)."""
    import xml.etree.ElementTree as ET
    from pathlib import Path

    root = ET.parse(Path(__file__).resolve().parents[2] / "launch" / "sim_robot.launch").getroot()
    defaults = {a.get("name"): a.get("default") for a in root.iter("arg") if a.get("default") is not None}
    cfg = SimRobotConfig()
    for name, text in defaults.items():
        if name == "output" or (text == "" and name.endswith("_param")):   # "": the dataclass default applies
            continue
        want = getattr(cfg, name)
        got = (text == "true") if isinstance(want, bool) else type(want)(text)
        assert got == want, f"sim_robot.launch arg {name} default {text!r} != SimRobotConfig.{name} {want!r}"
