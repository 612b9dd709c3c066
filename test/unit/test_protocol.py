"""The clock and the call timeout the protocol classes are driven through."""
import threading
import time

import pytest

from tod_ros.errors import TodError
from tod_ros.protocol import SystemClock, call_with_timeout


def test_call_with_timeout_returns_or_reraises():
    assert call_with_timeout(lambda: 42, 1.0, "x") == 42
    with pytest.raises(KeyError):
        call_with_timeout(lambda: {}["missing"], 1.0, "x")


def test_call_with_timeout_gives_up():
    release = threading.Event()
    start = time.monotonic()
    with pytest.raises(TodError, match=r"^/get_image: no answer within 0.1 s"):
        call_with_timeout(lambda: release.wait(5), 0.1, "/get_image")
    with pytest.raises(TodError, match=r"^no answer within 0.1 s"):
        call_with_timeout(lambda: release.wait(5), 0.1)
    assert time.monotonic() - start < 1.0
    release.set()


def test_system_clock_sleep_ends_when_stopped():
    clock = SystemClock()
    threading.Timer(0.05, clock.stop.set).start()
    start = clock.now()
    clock.sleep(5.0)
    assert clock.now() - start < 1.0
    cond = threading.Condition()
    with cond:
        clock.wait(cond, 0.01)
