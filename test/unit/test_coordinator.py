"""Pure logic of the coordinator: exact-True trigger, ordering, label format, frame refs, config,
and every transition and timeout of its cycle (Coordinator) on a fake param store and clock."""
from pathlib import Path

import pytest
import yaml

from protocol_fakes import FakeClock, MemoryParams, detection, result
from tod_ros.coordinator import (Coordinator, CoordinatorConfig, cubes_in_order, format_frame_ref, format_label,
                                 is_robot_ready, is_take_request, parse_frame_ref)
from tod_ros.detector_link import DetectorLink
from tod_ros.errors import TodError
from tod_ros.detection import Detection

REPO = Path(__file__).resolve().parents[2]


def det(cx, class_id=1, label="one", score=0.9, width=40):
    return Detection(label, class_id, score, (0.1, 0.1, 0.2, 0.2), (cx - width / 2, 10, cx + width / 2, 50))


@pytest.mark.parametrize("value", [True])
def test_only_boolean_true_triggers(value):
    assert is_take_request(value) and is_robot_ready(value)


@pytest.mark.parametrize("value", [-1, 1, 1.0, "true", "True", [True], None, False, 0, ""])
def test_sentinels_do_not_trigger(value):
    assert not is_take_request(value)
    assert not is_robot_ready(value)


def test_cubes_sorted_left_to_right_above_threshold():
    dets = [det(500, 2, "two"), det(100, 2, "two", score=0.3), det(300, 1), det(50, 2, "two", score=0.6)]
    ordered = cubes_in_order(dets, 0.5)
    assert [d.center_x for d in ordered] == [50, 300, 500]
    assert [format_label(d, "id") for d in ordered] == [2, 1, 2]
    assert [format_label(d, "name") for d in ordered] == ["two", "one", "two"]


def test_threshold_is_inclusive_and_empty_is_fine():
    assert cubes_in_order([det(10, score=0.5)], 0.5)[0].score == 0.5
    assert cubes_in_order([], 0.5) == []


def test_label_id_is_a_python_int():
    label = format_label(det(1, class_id=2), "id")
    assert label == 2 and type(label) is int


def test_unknown_label_format():
    with pytest.raises(TodError, match="label format"):
        format_label(det(1), "letters")


def test_frame_ref_round_trip():
    text = format_frame_ref(1700000000, 1234, seq=7)
    assert text == "stamp=1700000000.000001234 seq=7"
    assert parse_frame_ref(text) == (1700000000, 1234)
    assert parse_frame_ref(format_frame_ref(5, 999999999)) == (5, 999999999)


@pytest.mark.parametrize("text", ["", "ok", "stamp=12", "seq=3"])
def test_frame_ref_missing(text):
    with pytest.raises(TodError, match="does not name a frame"):
        parse_frame_ref(text)


def test_config_defaults_are_the_seed_protocol():
    cfg = CoordinatorConfig().validate()
    assert (cfg.take_image_param, cfg.robot_ready_param, cfg.label_param) == ("/takeImage", "/robotReady", "/label")
    assert cfg.label_format == "id" and cfg.poll_rate >= 20


@pytest.mark.parametrize("changes, match", [
    (dict(label_format="digit"), "label_format"),
    (dict(poll_rate=10.0), "poll_rate"),
    (dict(robot_timeout=0.0), "robot_timeout"),
    (dict(label_param=""), "label_param"),
])
def test_config_rejects(changes, match):
    with pytest.raises(TodError, match=match):
        CoordinatorConfig(**changes).validate()


def test_config_yaml_restates_the_dataclass_defaults():
    values = yaml.safe_load((REPO / "config" / "coordinator.yaml").read_text())
    defaults = CoordinatorConfig()
    assert values == {k: getattr(defaults, k) for k in values}


# --------------------------------------------------------------------------- the cycle
class Rig:
    """A Coordinator on fakes. ``frames``: what each capture gives: a result, ("drop", reason),
    ("fail", message) or "silent". The fake robot sets robotReady back ``robot_delay`` s after
    each label (None: never)."""

    def __init__(self, frames=(), robot_delay=0.2, **changes):
        self.cfg = CoordinatorConfig(**changes).validate()
        self.params = MemoryParams(**{"/takeImage": False, "/robotReady": True})
        self.clock = FakeClock()
        self.connected = True
        self.link = DetectorLink(self.clock, connected=lambda: self.connected)
        self.frames = list(frames)
        self.robot_delay = robot_delay
        self.received, self._ready_at, self.stamp = [], None, 0
        self.statuses, self.logs = [], []
        self.clock.hooks.append(self.robot)
        self.coordinator = Coordinator(self.cfg, self.params, self.clock, self.capture, self.link,
                                       publish=lambda st: self.statuses.append(
                                           (st.state, st.cycle, list(st.last_labels), st.last_error)),
                                       log=lambda level, text: self.logs.append((level, text)))

    def capture(self):
        self.stamp += 1
        key, what = (100, self.stamp), self.frames.pop(0)
        if isinstance(what, tuple) and what[0] == "fail":
            raise TodError(what[1])
        if isinstance(what, tuple) and what[0] == "drop":
            self.link.on_dropped(key, what[1])
        elif what != "silent":
            self.link.on_result(key, what)
        return key

    def robot(self, now):
        if self.params.get("/robotReady") is False and self.robot_delay is not None:
            if self._ready_at is None:
                self.received.append(self.params.get("/label"))
                self._ready_at = now + self.robot_delay
            elif now >= self._ready_at:
                self._ready_at = None
                self.params.set("/robotReady", True)

    def request(self, value=True):
        self.params.set("/takeImage", value)
        self.coordinator.poll()
        return self.coordinator.status

    def states(self):
        return [s[0] for s in self.statuses]


# what a detector at threshold 0.5 sends: every cube goes to the robot, left to right
PICTURE = result(detection(500, 2), detection(300, 1), detection(50, 2, score=0.6))


def test_idle_without_request():
    rig = Rig()
    rig.coordinator.poll()
    assert rig.statuses == [] and rig.params.sets == [] and rig.frames == []


@pytest.mark.parametrize("value", [-1, 1, 1.0, "true", "True", [True], None, False])
def test_sentinels_never_start_a_cycle(value):
    rig = Rig(frames=[PICTURE])
    rig.request(value)
    assert rig.params.get("/takeImage") == value and rig.frames == [PICTURE] and rig.statuses == []


def test_full_cycle_labels_left_to_right_one_at_a_time():
    rig = Rig(frames=[PICTURE])
    start = rig.clock.now()
    status = rig.request()
    assert rig.params.get("/takeImage") is False
    assert rig.received == [2, 1, 2] and all(type(v) is int for v in rig.received)
    assert rig.states() == ["capturing", "detecting", "waiting_robot", "waiting_robot", "waiting_robot", "idle"]
    # the status names the labels as users see them; the robot got their ids
    assert (status.state, status.cycle, status.last_labels, status.last_error) == ("idle", 1, ["two", "one", "two"], "")
    assert status.last_latency_ms == 0.0          # the fake clock does not move before the first label
    assert rig.clock.now() - start == pytest.approx(3 * 0.2, abs=0.2)
    labels_then_ready = [v for n, v in rig.params.sets if n in ("/label", "/robotReady")]
    assert labels_then_ready[:2] == [2, False] and labels_then_ready[2] is True


def test_label_format_name_and_threshold():
    rig = Rig(frames=[PICTURE], label_format="name", score_threshold=0.65)
    rig.request()
    assert rig.received == ["one", "two"] and rig.coordinator.status.last_labels == ["one", "two"]


def test_no_cube_is_a_completed_cycle_with_a_warning():
    rig = Rig(frames=[result()])
    status = rig.request()
    assert (status.state, status.cycle, status.last_labels) == ("idle", 1, [])
    assert ("warn", "no cube in the picture") in rig.logs
    assert "/label" not in rig.params.values


def test_no_cube_left_by_the_coordinators_own_filter_is_named():
    """The warning names the threshold that dropped the cubes: the coordinator's, only when it set one."""
    rig = Rig(frames=[result(detection(10, score=0.6))], score_threshold=0.7)
    rig.request()
    assert ("warn", "no cube in the picture at or above the coordinator's score_threshold 0.70") in rig.logs


def test_capture_failure_is_an_error_and_the_next_request_works():
    rig = Rig(frames=[("fail", "/get_image: empty frame (0x0, 0 bytes)"), PICTURE])
    status = rig.request()
    assert (status.state, status.cycle) == ("error", 0)
    assert status.last_error == "capture failed: /get_image: empty frame (0x0, 0 bytes)"
    assert rig.params.get("/takeImage") is False and ("error", status.last_error) in rig.logs
    status = rig.request()
    assert (status.state, status.cycle, status.last_error) == ("idle", 1, "")


def test_dropped_frame_fails_at_once():
    rig = Rig(frames=[("drop", "frame 3x100000 refused: its aspect ratio 33333:1 is above ~max_aspect_ratio")])
    start = rig.clock.now()
    status = rig.request()
    assert status.state == "error" and "refused frame stamp 100.000000001: frame 3x100000 refused" in status.last_error
    assert rig.clock.now() == start, "no waiting at all"


def test_silent_detector_times_out():
    rig = Rig(frames=["silent"], detect_timeout=2.0)
    start = rig.clock.now()
    status = rig.request()
    assert status.state == "error" and "no detections for frame stamp 100.000000001 after 2 s" in status.last_error
    assert rig.clock.now() - start == pytest.approx(2.0, abs=0.15)


def test_detector_leaving_fails_the_wait_at_once():
    rig = Rig(frames=["silent"])
    rig.clock.hooks.append(lambda now: setattr(rig, "connected", False))
    start = rig.clock.now()
    status = rig.request()
    assert status.state == "error" and "the detector left detections before answering" in status.last_error
    assert rig.clock.now() - start < 0.5


def test_robot_timeout_then_a_fresh_cycle():
    rig = Rig(frames=[PICTURE, result(detection(10, 1))], robot_delay=None, robot_timeout=3.0)
    status = rig.request()
    assert status.state == "error" and status.last_labels == ["two"]
    assert status.last_error == "robot did not set /robotReady back to true within 3 s after label 2"
    assert rig.params.get("/robotReady") is False
    rig.robot_delay = 0.1
    rig.params.set("/robotReady", True)
    status = rig.request()
    assert (status.state, status.cycle, status.last_labels, status.last_error) == ("idle", 1, ["one"], "")


def test_robot_wait_polls_at_poll_rate():
    rig = Rig(frames=[result(detection(10, 1))], robot_delay=0.5, poll_rate=20.0)
    rig.request()
    assert rig.clock.sleeps and all(s == pytest.approx(0.05) for s in rig.clock.sleeps)


def test_stop_while_the_robot_moves():
    rig = Rig(frames=[result(detection(10, 1))], robot_delay=None)
    rig.coordinator.running = lambda: rig.clock.now() - rig.clock.start < 1.0
    status = rig.request()
    assert status.state == "error" and status.last_error == "coordinator stopped while the robot was moving"


def test_no_detector_request_waits_then_is_served():
    rig = Rig(frames=[PICTURE])
    rig.connected = False
    status = rig.request()
    assert status.state == "not_ready" and "no detector publishes on detections" in status.last_error
    assert rig.params.get("/takeImage") is True and rig.frames == [PICTURE], "the request waits"
    rig.clock.sleep(5.0)
    rig.coordinator.poll()
    assert rig.statuses.count(rig.statuses[0]) == 1, "not_ready is published once, not at every poll"
    rig.connected = True
    rig.coordinator.poll()
    assert rig.states()[1:] == ["idle", "capturing", "detecting", "waiting_robot", "waiting_robot",
                                "waiting_robot", "idle"]
    assert rig.coordinator.status.cycle == 1 and rig.received == [2, 1, 2]


def test_detector_in_error_request_given_up_after_ready_timeout():
    rig = Rig(frames=[PICTURE], ready_timeout=5.0)
    rig.link.on_state("error", "~model_dir /missing is not a folder: give the folder of an exported model")
    status = rig.request()
    assert status.state == "not_ready"
    assert status.last_error == ("detector error: ~model_dir /missing is not a folder: "
                                 "give the folder of an exported model")
    rig.clock.sleep(4.9)
    rig.coordinator.poll()
    assert rig.params.get("/takeImage") is True and rig.coordinator.status.state == "not_ready"
    rig.clock.sleep(0.2)
    rig.coordinator.poll()
    status = rig.coordinator.status
    assert rig.params.get("/takeImage") is False and status.state == "error"
    assert status.last_error == ("gave up the /takeImage request after 5 s: the detector is not ready: detector "
                                 "error: ~model_dir /missing is not a folder: give the folder of an exported model")
    rig.coordinator.poll()
    assert rig.coordinator.status.state == "error", "the give-up stays visible until the next request"
    assert rig.frames == [PICTURE], "no frame was captured"


def test_disabled_detector_reason_then_enabled():
    rig = Rig(frames=[PICTURE])
    rig.link.on_state("disabled", "detector disabled")
    status = rig.request()
    assert (status.state, status.last_error) == ("not_ready", "detector disabled")
    rig.link.on_state("ready", "")
    rig.coordinator.poll()
    assert rig.coordinator.status.cycle == 1 and rig.coordinator.status.last_error == ""


def test_not_ready_without_request_is_reported():
    rig = Rig()
    rig.link.on_state("disabled", "")
    rig.coordinator.poll()
    assert rig.coordinator.status.state == "not_ready" and rig.coordinator.status.last_error == "detector disabled"
    rig.link.on_state("ready", "")
    rig.coordinator.poll()
    assert rig.coordinator.status.state == "idle" and rig.coordinator.status.last_error == ""


def test_take_image_shares_the_capture_and_detect_path():
    rig = Rig(frames=[PICTURE, ("drop", "detector disabled"), ("fail", "no robot")])
    picture = rig.coordinator.take_image()
    assert [c.class_id for c in picture.cubes] == [2, 1, 2] and picture.result is PICTURE
    assert [c.center_x for c in picture.cubes] == [50, 300, 500]
    with pytest.raises(TodError, match="refused frame stamp .*: detector disabled"):
        rig.coordinator.take_image()
    with pytest.raises(TodError, match="capture failed: no robot"):
        rig.coordinator.take_image()
    assert rig.statuses == [] and rig.params.sets == [], "the param protocol is left alone"


def test_take_image_when_the_detector_is_not_ready():
    rig = Rig(frames=[PICTURE])
    rig.link.on_state("error", "no saved_model")
    with pytest.raises(TodError, match="the detector is not ready: detector error: no saved_model"):
        rig.coordinator.take_image()
    assert rig.frames == [PICTURE]


def test_spin_polls_and_publishes_status_periodically():
    rig = Rig(frames=[PICTURE], status_rate=2.0)
    rig.coordinator.running = lambda: rig.clock.now() - rig.clock.start < 2.05
    rig.clock.hooks.append(lambda now: now - rig.clock.start > 1.0 and rig.params.values.setdefault("_asked", False)
                           is False and (rig.params.set("_asked", True), rig.params.set("/takeImage", True)))
    rig.coordinator.spin()
    assert rig.coordinator.status.cycle == 1 and rig.received == [2, 1, 2]
    assert rig.states().count("idle") >= 4, "start + periodic (2 Hz over 2 s) + end of cycle"


def test_spin_first_status_is_not_ready_while_no_detector_publishes():
    rig = Rig(frames=[PICTURE])
    rig.connected = False
    rig.coordinator.running = lambda: rig.clock.now() - rig.clock.start < 0.5
    rig.clock.hooks.append(lambda now: now - rig.clock.start > 0.3 and setattr(rig, "connected", True))
    rig.coordinator.spin()
    states = rig.states()
    assert states[0] == "not_ready", "a status 'idle' before the detector is there would be a lie"
    assert states[-1] == "idle"


@pytest.mark.parametrize("value", ["true", 1, {"take": True}, "x\nERROR forged line" * 1000])
def test_a_bad_take_image_value_is_named_in_one_throttled_warning(value):
    rig = Rig(frames=[PICTURE])
    for _ in range(3):
        rig.request(value)
    warnings = [text for level, text in rig.logs if level == "warn"]
    assert len(warnings) == 1 and warnings[0].startswith(f"/takeImage is {repr(value)[:20]}"), warnings
    assert "not a boolean: ignored" in warnings[0] and "\n" not in warnings[0] and len(warnings[0]) < 250
    rig.clock.sleep(10.0)
    rig.request(value)
    assert len([level for level, _ in rig.logs if level == "warn"]) == 2
    assert rig.frames == [PICTURE] and rig.statuses == []
