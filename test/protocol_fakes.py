"""Fakes for the pure protocol classes: an in-memory param store and a clock whose time only
moves when the code under test sleeps or waits (hooks run at each tick, e.g. a fake robot)."""
from types import SimpleNamespace


class MemoryParams:
    """A dict-backed param store recording every set."""

    def __init__(self, **values):
        self.values = dict(values)
        self.sets = []

    def get(self, name, default=None):
        return self.values.get(name, default)

    def set(self, name, value):
        self.values[name] = value
        self.sets.append((name, value))


class FakeClock:
    """Monotonic time that advances only in sleep()/wait(); ``hooks`` are called after each tick."""

    LIMIT = 100000.0    # s of fake time after which a test is surely looping forever

    def __init__(self, start=1000.0):
        self.start = self.t = start
        self.hooks = []
        self.sleeps = []

    def now(self):
        return self.t

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self._tick(seconds)

    def wait(self, condition, seconds):
        self._tick(seconds)

    def _tick(self, seconds):
        self.t += max(seconds, 1e-6)
        assert self.t - self.start < self.LIMIT, "fake time ran away: the code under test never stops"
        for hook in list(self.hooks):
            hook(self.t)


def detection(cx, class_id=1, label=None, score=0.9):
    """A tod_ros/Detection-like object (label, class_id, score, pixel center)."""
    return SimpleNamespace(label=label or {1: "one", 2: "two"}.get(class_id, str(class_id)), class_id=class_id,
                           score=score, center_x=float(cx), center_y=50.0, size_x=40.0, size_y=40.0)


def result(*detections):
    """A tod_ros/DetectionArray-like result."""
    return SimpleNamespace(detections=list(detections), image_width=640, image_height=480, latency_ms=5.0)
