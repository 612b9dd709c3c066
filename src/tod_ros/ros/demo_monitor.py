"""demo_monitor: prints what the demo does, one line per cycle, and exits after N cycles.

Listens to the simulated robot (``served_image``, ``cycle_done``) and the coordinator
(``status``): for each picture, the labels in the order the robot received them and the
time from takeImage to the first label. Exit status 0 when every cycle handed labels to
the robot without a coordinator error, 1 otherwise (or on timeout).

Run: ``python3 -m tod_ros.ros.demo_monitor --cycles 3 --timeout 75``
"""
import argparse
import os
import sys
import threading
import time

import rospy
from std_msgs.msg import String

from tod_ros.msg import CoordinatorStatus
from tod_ros.ros.rosinit import init_node


class DemoMonitor:
    """Collects the demo's events; ``wait(cycles, timeout)`` returns the exit status."""

    def __init__(self, out=sys.stdout):
        self.out = out
        self.image = "?"
        self.latency_ms = None
        self.errors = []
        self.not_ready = ""
        self.cycles = 0
        self.failed = 0
        self._cond = threading.Condition()
        rospy.Subscriber("served_image", String, self.on_served, queue_size=10)
        rospy.Subscriber("cycle_done", String, self.on_cycle, queue_size=10)
        rospy.Subscriber("status", CoordinatorStatus, self.on_status, queue_size=50)

    def on_served(self, msg):
        """The file the robot's camera just served."""
        self.image = os.path.basename(msg.data) if msg.data else "(empty frame)"

    def on_status(self, msg):
        """Latency of the cycle; coordinator errors; why the coordinator is not ready (once per reason)."""
        if msg.state == "waiting_robot":
            self.latency_ms = msg.last_latency_ms
        elif (msg.state == "not_ready" and msg.last_error and msg.last_error != self.not_ready
              and not msg.last_error.startswith("no detector publishes")):    # the normal start-up wait
            self.not_ready = msg.last_error
            print(f"  coordinator not ready: {msg.last_error}", file=self.out, flush=True)
        elif msg.state == "error" and (not self.errors or self.errors[-1] != msg.last_error):
            self.errors.append(msg.last_error)
            print(f"  coordinator error: {msg.last_error}", file=self.out, flush=True)

    def on_cycle(self, msg):
        """One robot cycle finished: print image, labels, latency."""
        with self._cond:
            self.cycles += 1
            labels = msg.data.split(",") if msg.data else []
            latency = "-" if self.latency_ms is None else f"{self.latency_ms:.0f} ms"
            print(f"cycle {self.cycles}: {self.image:<28} labels received: {', '.join(labels) or '(none)':<12} "
                  f"takeImage -> first label: {latency}", file=self.out, flush=True)
            if not labels:
                self.failed += 1
            self.latency_ms = None
            self._cond.notify_all()

    def wait(self, cycles, timeout):
        """Block until ``cycles`` cycles are done (0) or one failed / timeout (1)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self.cycles < cycles and not rospy.is_shutdown():
                left = deadline - time.monotonic()
                if left <= 0:
                    print(f"demo: only {self.cycles} of {cycles} cycle(s) after {timeout:g} s", file=self.out)
                    return 1
                self._cond.wait(min(left, 0.2))
        ok = self.failed == 0 and not self.errors and self.cycles >= cycles
        print(f"demo: {self.cycles} cycle(s), {self.failed} without labels, {len(self.errors)} coordinator "
              f"error(s): {'OK' if ok else 'FAILED'}", file=self.out, flush=True)
        return 0 if ok else 1


def main(argv=None):
    """Entry point (``python3 -m tod_ros.ros.demo_monitor``); returns the exit status."""
    p = argparse.ArgumentParser(prog="demo_monitor", description=__doc__.strip().splitlines()[0])
    p.add_argument("--cycles", type=int, default=3, help="cycles to wait for (default %(default)s)")
    p.add_argument("--timeout", type=float, default=75.0, help="seconds before giving up (default %(default)s)")
    args = p.parse_args(rospy.myargv(sys.argv)[1:] if argv is None else argv)
    init_node("demo_monitor", anonymous=True)
    return DemoMonitor().wait(args.cycles, args.timeout)


if __name__ == "__main__":
    sys.exit(main())
