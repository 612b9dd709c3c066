"""What the ROS-free protocol classes (coordinator, simulated robot) are driven through.

- a *param store*: any object with ``get(name, default=None)`` and ``set(name, value)``
  (the nodes pass :class:`tod_ros.ros.params.RosParams`, tests a dict-backed store);
- a *clock*: ``now()`` (monotonic seconds), ``sleep(seconds)`` and ``wait(condition, seconds)``
  (waits on a held ``threading.Condition``); :class:`SystemClock` is the real one, tests use a
  fake one whose time only moves when the code sleeps;
- :func:`call_with_timeout`: a blocking call abandoned after a deadline (rospy service calls
  have no timeout of their own).
"""
import threading
import time

from tod_ros.errors import TodError

# The robot protocol's global params (the course's names), the defaults of every node's ~*_param
TAKE_IMAGE = "/takeImage"       # the robot sets it true to ask for a picture
ROBOT_READY = "/robotReady"     # false while the robot handles a label, true when it is done
LABEL = "/label"                # the label of the next cube, left to right


class SystemClock:
    """Monotonic time; sleeps end early once ``stop`` (a threading.Event) is set."""

    def __init__(self, stop=None):
        self.stop = stop or threading.Event()

    def now(self):
        """Monotonic seconds."""
        return time.monotonic()

    def sleep(self, seconds):
        """Sleep ``seconds`` (less when stopped)."""
        self.stop.wait(max(0.0, seconds))

    def wait(self, condition, seconds):
        """Wait on ``condition`` (held by the caller) for at most ``seconds``."""
        condition.wait(max(0.0, seconds))


def call_with_timeout(fn, timeout, what=""):
    """``fn()`` run in a daemon thread; its result, or its exception re-raised here.

    Raises TodError ``"[<what>: ]no answer within <timeout> s"`` when ``fn`` has not returned in
    time (the thread is abandoned; a late answer is dropped).
    """
    result = {}

    def call():
        try:
            result["value"] = fn()
        except Exception as exc:  # noqa: BLE001 - re-raised in the caller's thread
            result["error"] = exc

    worker = threading.Thread(target=call, daemon=True, name=f"call:{what or fn}")
    worker.start()
    worker.join(timeout)
    if "error" in result:
        raise result["error"]
    if "value" not in result:
        prefix = f"{what}: " if what else ""
        raise TodError(f"{prefix}no answer within {timeout:g} s (too slow or stuck?)")
    return result["value"]
