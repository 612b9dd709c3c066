"""Pure logic of the coordinator: exact-True trigger, ordering, label format, frame refs, config."""
import pytest

from tod_ros.coordinator import (CoordinatorConfig, cubes_in_order, format_frame_ref, format_label,
                                 is_robot_ready, is_take_request, parse_frame_ref)
from tod_ros.errors import TodError
from tod_ros.inference import Detection


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
