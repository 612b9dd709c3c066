"""What the coordinator knows about the detector, fed by the node's subscriptions (no ROS here).

- the detector's own state (``detector/status``, tod_ros/DetectorStatus: ready | disabled | error
  with its message) and whether it publishes ``detections`` at all: :meth:`DetectorLink.problem`
  says why no frame can be detected now;
- the result of each frame, keyed by its header stamp ``(secs, nsecs)``: the detections, or the
  reason the detector dropped it (``frame_dropped``), so a cycle fails at once, not after a timeout.

One result per frame, the detector's own: once the detector has reported its state, results from
another publisher (another node on ``detections``) are ignored; a second result for a frame
already answered is ignored too; both are logged (at most every 10 s).
"""
import collections
import threading

from tod_ros.errors import TodError

KEEP_RESULTS = 30       # results kept to match a frame whose detections arrive before the capture answer
IGNORED_WARN_PERIOD = 10.0      # s between two warnings about ignored results
READY_STATES = ("", "ready")


def stamp_text(key):
    """``S.NNNNNNNNN`` of a ``(secs, nsecs)`` stamp key."""
    return f"{key[0]}.{key[1]:09d}"


class DetectorLink:
    """The detector's state and per-frame results, waited for on a clock (see tod_ros.protocol).

    ``connected()`` tells whether a detector publishes the detections topic (named ``topic``
    in messages).
    """

    def __init__(self, clock, connected=None, topic="detections", log=None):
        self.clock = clock
        self.connected = connected or (lambda: True)
        self.topic = topic
        self.state, self.message = "", ""      # "" = the detector never reported a state
        self.source = None                     # the detector (publisher name) once it reported its state
        self._log = log or (lambda level, text: None)
        self._results = collections.OrderedDict()
        self._answered = collections.deque(maxlen=KEEP_RESULTS)    # frames whose result was taken
        self._warned = None
        self._cond = threading.Condition()

    # ------------------------------------------------------------------ fed by the node
    def on_state(self, state, message="", source=None):
        """The detector's reported state (ready | disabled | error) and its message; ``source``: its name."""
        with self._cond:
            self.state, self.message = state, message
            self.source = source or self.source
            self._cond.notify_all()

    def _ignored(self, key, source):
        """Why a result of frame ``key`` from ``source`` is not taken, or ""."""
        if self.source is not None and source is not None and source != self.source:
            return f"from {source}, not the detector {self.source}"
        if key in self._results or key in self._answered:
            return "a second result for a frame already answered"
        return ""

    def _keep(self, key, entry, source):
        with self._cond:
            why = self._ignored(key, source)
            if not why:
                self._results[key] = entry
                while len(self._results) > KEEP_RESULTS:
                    self._results.popitem(last=False)
                self._cond.notify_all()
                return
            now = self.clock.now()
            warn = self._warned is None or now - self._warned >= IGNORED_WARN_PERIOD
            self._warned = now if warn else self._warned
        if warn:
            self._log("warn", f"ignored a result on {self.topic} for frame stamp {stamp_text(key)}: {why}")

    def on_result(self, key, result, source=None):
        """The detections of frame ``key`` (anything with a ``detections`` list), published by ``source``."""
        self._keep(key, ("ok", result), source)

    def on_dropped(self, key, reason, source=None):
        """The detector refused frame ``key`` (frame it cannot use, disabled, start-up error)."""
        self._keep(key, ("dropped", reason), source)

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
            self._answered.append(key)
        if outcome == "dropped":
            raise TodError(f"the detector refused frame stamp {stamp_text(key)}: {value}")
        return value
