"""DetectorLink: the detector's state and per-frame results as the coordinator sees them (no ROS)."""
import threading
import time

import pytest

from protocol_fakes import FakeClock, detection, result
from tod_ros.detector_link import KEEP_RESULTS, DetectorLink, stamp_text
from tod_ros.errors import TodError
from tod_ros.protocol import SystemClock


def test_stamp_text():
    assert stamp_text((12, 5)) == "12.000000005"


@pytest.mark.parametrize("state, message, connected, problem", [
    ("", "", True, ""),
    ("ready", "", True, ""),
    ("", "", False, "no detector publishes on /ns/detections (not started yet, loading, or died)"),
    ("ready", "", False, "no detector publishes on /ns/detections (not started yet, loading, or died)"),
    ("error", "no saved_model in /m", True, "detector error: no saved_model in /m"),
    ("error", "no saved_model in /m", False, "detector error: no saved_model in /m"),
    ("disabled", "detector disabled (call ~enable with data: true to resume)", True,
     "detector disabled (call ~enable with data: true to resume)"),
    ("disabled", "", True, "detector disabled"),
])
def test_problem(state, message, connected, problem):
    link = DetectorLink(FakeClock(), connected=lambda: connected, topic="/ns/detections")
    if state:
        link.on_state(state, message)
    assert link.problem() == problem


def test_result_that_arrived_before_the_wait_is_used_once():
    clock = FakeClock()
    link = DetectorLink(clock)
    r = result()
    link.on_result((1, 2), r)
    assert link.wait_result((1, 2), 5.0) is r and clock.now() == clock.start
    with pytest.raises(TodError, match="no detections for frame stamp 1.000000002 after 0.5 s"):
        link.wait_result((1, 2), 0.5)


def test_other_frames_do_not_answer_and_old_results_are_forgotten():
    clock = FakeClock()
    link = DetectorLink(clock)
    for i in range(KEEP_RESULTS + 5):
        link.on_result((7, i), result())
    with pytest.raises(TodError, match="no detections"):
        link.wait_result((7, 0), 1.0)          # evicted
    assert link.wait_result((7, KEEP_RESULTS + 4), 1.0).detections == []


def test_dropped_frame_fails_with_the_reason():
    link = DetectorLink(FakeClock())
    link.on_dropped((3, 4), "frame 3x100000 refused: aspect ratio")
    with pytest.raises(TodError, match="the detector refused frame stamp 3.000000004: frame 3x100000 refused"):
        link.wait_result((3, 4), 5.0)


def test_timeout_and_detector_leaving():
    clock = FakeClock()
    link = DetectorLink(clock, topic="detections")
    with pytest.raises(TodError, match="after 2 s: is the detector running on detections"):
        link.wait_result((1, 1), 2.0)
    assert clock.now() - clock.start == pytest.approx(2.0, abs=0.11)
    link.connected = lambda: False
    with pytest.raises(TodError, match="the detector left detections before answering frame stamp 1.000000001"):
        link.wait_result((1, 1), 2.0)


def test_a_result_from_another_thread_wakes_the_wait_at_once():
    link = DetectorLink(SystemClock())
    timer = threading.Timer(0.05, link.on_result, args=((5, 6), "late"))
    timer.start()
    start = time.monotonic()
    assert link.wait_result((5, 6), 5.0) == "late"
    assert time.monotonic() - start < 1.0


def test_one_result_per_frame_the_detectors_own():
    """Two fake publishers on detections: only the detector's result counts, once; the others are logged."""
    clock, logs = FakeClock(), []
    link = DetectorLink(clock, topic="/detections", log=lambda level, text: logs.append((level, text)))
    link.on_state("ready", "", source="/detector")
    five = result(*[detection(100 * i) for i in range(1, 6)])
    own = result(detection(50))
    link.on_result((1, 1), five, source="/fake")
    link.on_result((1, 1), own, source="/detector")
    link.on_result((1, 1), five, source="/detector")
    assert link.wait_result((1, 1), 1.0) is own
    link.on_result((1, 1), five, source="/detector")
    with pytest.raises(TodError, match="no detections"):
        link.wait_result((1, 1), 0.5)
    assert logs == [("warn", "ignored a result on /detections for frame stamp 1.000000001: from /fake, "
                             "not the detector /detector")]
    clock.sleep(10.0)
    link.on_dropped((1, 1), "refused", source="/detector")
    assert logs[-1] == ("warn", "ignored a result on /detections for frame stamp 1.000000001: a second result "
                                "for a frame already answered")


def test_before_the_detector_reports_the_first_result_of_a_frame_counts():
    link = DetectorLink(FakeClock())
    first, second = result(detection(10)), result(detection(10), detection(20))
    link.on_result((2, 2), first)
    link.on_result((2, 2), second)
    assert link.wait_result((2, 2), 1.0) is first
