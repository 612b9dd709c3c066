"""What the coordinator knows about the detector, fed by the node's subscriptions (no ROS here).

- the detector's own state (``detector/status``, tod_ros/DetectorStatus: ready | disabled | error
  with its message) and whether it publishes ``detections`` at all: :meth:`DetectorLink.problem`
  says why no frame can be detected now;
- the result of each frame, keyed by its header stamp ``(secs, nsecs)``: the detections, or the
  reason the detector dropped it (``frame_dropped``), so a cycle fails at once, not after a timeout.
"""
import collections
import threading

from tod_ros.errors import TodError

KEEP_RESULTS = 30       # results kept to match a frame whose detections arrive before the capture answer
READY_STATES = ("", "ready")


def stamp_text(key):
    """``S.NNNNNNNNN`` of a ``(secs, nsecs)`` stamp key."""
    return f"{key[0]}.{key[1]:09d}"


class DetectorLink:
    """The detector's state and per-frame results, waited for on a clock (see tod_ros.protocol).

    ``connected()`` tells whether a detector publishes the detections topic (named ``topic``
    in messages).
    """

    def __init__(self, clock, connected=None, topic="detections"):
        self.clock = clock
        self.connected = connected or (lambda: True)
        self.topic = topic
        self.state, self.message = "", ""      # "" = the detector never reported a state
        self._results = collections.OrderedDict()
        self._cond = threading.Condition()

    # ------------------------------------------------------------------ fed by the node
    def on_state(self, state, message=""):
        """The detector's reported state (ready | disabled | error) and its message."""
        with self._cond:
            self.state, self.message = state, message
            self._cond.notify_all()

    def _keep(self, key, entry):
        with self._cond:
            self._results[key] = entry
            while len(self._results) > KEEP_RESULTS:
                self._results.popitem(last=False)
            self._cond.notify_all()

    def on_result(self, key, result):
        """The detections of frame ``key`` (anything with a ``detections`` list)."""
        self._keep(key, ("ok", result))

    def on_dropped(self, key, reason):
        """The detector refused frame ``key`` (frame it cannot use, disabled, start-up error)."""
        self._keep(key, ("dropped", reason))

    # ------------------------------------------------------------------ used by the coordinator
    def problem(self):
        """Why the detector cannot take a frame now, or "" when it can."""
        with self._cond:
            state, message = self.state, self.message
        if state not in READY_STATES:
            if message.startswith("detector"):
                return message
            return f"detector {state}: {message}" if message else f"detector {state}"
        if not self.connected():
            return f"no detector publishes on {self.topic} (not started yet, loading, or died)"
        return ""

    def wait_result(self, key, timeout):
        """The result of frame ``key``; TodError at once when the detector dropped it or left,
        after ``timeout`` s when nothing came."""
        deadline = self.clock.now() + timeout
        with self._cond:
            while key not in self._results:
                left = deadline - self.clock.now()
                if left <= 0:
                    raise TodError(f"no detections for frame stamp {stamp_text(key)} after {timeout:g} s: "
                                   f"is the detector running on {self.topic}?")
                if not self.connected():
                    raise TodError(f"the detector left {self.topic} before answering frame stamp "
                                   f"{stamp_text(key)}")
                self.clock.wait(self._cond, min(left, 0.1))
            outcome, value = self._results.pop(key)
        if outcome == "dropped":
            raise TodError(f"the detector refused frame stamp {stamp_text(key)}: {value}")
        return value
