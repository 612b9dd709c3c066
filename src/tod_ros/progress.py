"""Progress of long steps and honest times, for every ``tod`` verb.

- :func:`bar`: a tqdm bar (count, rate, ETA) on stderr when stderr is a terminal; silent when it
  is not (a pipe, a CI log), so logs stay short.
- :data:`STAGES` (:class:`Stages`): the stages of the running command and their seconds
  (:func:`stage`); the ``tod`` command prints :meth:`Stages.summary` at the end of a long verb:
  the breakdown and the wall time since the process started (Python start and imports included).

No ROS here: nodes report their progress through the ROS log themselves.
"""
import contextlib
import os
import sys
import time


def is_terminal(stream=None):
    """True when ``stream`` (default stderr) is an interactive terminal."""
    stream = stream or sys.stderr
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def bar(iterable=None, desc="", unit="it", total=None, stream=None, **kwargs):
    """A tqdm progress bar over ``iterable`` (or a manual one: ``total`` and ``.update(n)``).

    Shows count, rate and ETA on ``stream`` (default stderr) when it is a terminal; disabled
    otherwise (iterating and ``update`` still work, nothing is printed).
    """
    from tqdm import tqdm

    stream = stream or sys.stderr
    sized = min(_size(stream)) > 0       # a terminal that reports no size (e.g. under `script`): 100x20
    return tqdm(iterable, desc=desc, unit=unit, total=total, file=stream, disable=not is_terminal(stream),
                dynamic_ncols=sized, ncols=None if sized else 100, nrows=None if sized else 20, **kwargs)


def _size(stream):
    """``(columns, lines)`` of the terminal of ``stream``; ``(0, 0)`` when unknown."""
    try:
        return tuple(os.get_terminal_size(stream.fileno()))
    except (AttributeError, OSError, ValueError):
        return 0, 0


def printing():
    """Context in which lines printed to stdout do not garble a bar of :func:`bar` on the same terminal
    (the bars are cleared, then drawn again below the lines)."""
    from tqdm import tqdm

    return tqdm.external_write_mode(file=sys.stdout)


def process_start_time():
    """``time.time()`` at which this process started (from /proc), or None where unknown."""
    try:
        with open("/proc/self/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
        with open("/proc/uptime") as fh:
            uptime = float(fh.read().split()[0])
        started_after_boot = int(fields[19]) / os.sysconf("SC_CLK_TCK")
        return time.time() - (uptime - started_after_boot)
    except (OSError, ValueError, IndexError):
        return None


def format_seconds(seconds):
    """``4.2 s``, ``1 min 05 s``, ``1 h 02 min``."""
    seconds = max(0.0, float(seconds))
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, secs = divmod(int(round(seconds)), 60)
    if minutes < 60:
        return f"{minutes} min {secs:02d} s"
    return f"{minutes // 60} h {minutes % 60:02d} min"


class Stages:
    """Seconds per named stage of one command, and its start (the process's start by default)."""

    def __init__(self, start=None, clock=time.time):
        self.clock = clock
        self.reset(start)

    def reset(self, start=None):
        """Forget the stages; the wall time counts from ``start`` (default: the process's start)."""
        self.start = start if start is not None else (process_start_time() or self.clock())
        self.seconds = {}
        self.mark = self.clock()

    @contextlib.contextmanager
    def stage(self, name):
        """Time the block as stage ``name`` (added to the stage's earlier time, if any)."""
        t0 = self.clock()
        try:
            yield
        finally:
            self.add(name, self.clock() - t0)

    def lap(self, name, stream=None):
        """Count the time since the previous stage ended (or since :meth:`reset`) as stage ``name``;
        on a terminal ``stream`` (default stderr) also say ``<name>: <seconds>`` right away."""
        seconds = self.clock() - self.mark
        self.add(name, seconds)
        if is_terminal(stream):
            print(f"{name}: {format_seconds(seconds)}", file=stream or sys.stderr, flush=True)

    def add(self, name, seconds):
        """Add ``seconds`` to stage ``name``."""
        self.seconds[name] = self.seconds.get(name, 0.0) + float(seconds)
        self.mark = self.clock()

    def summary(self, what="done"):
        """``<what> in <wall> (wall time from start): a 1.0 s, b 2.0 s, other 0.5 s``."""
        wall = self.clock() - self.start
        parts = [f"{name} {format_seconds(s)}" for name, s in self.seconds.items()]
        other = wall - sum(self.seconds.values())
        if parts and other >= 0.05:
            parts.append(f"start-up and other {format_seconds(other)}")
        return f"{what} in {format_seconds(wall)} (wall time from start)" + (f": {', '.join(parts)}" if parts else "")


STAGES = Stages()


def stage(name):
    """Time the block as stage ``name`` of the running command (:data:`STAGES`)."""
    return STAGES.stage(name)


def lap(name):
    """The time since the running command's previous stage, as stage ``name`` (:meth:`Stages.lap`)."""
    STAGES.lap(name)
