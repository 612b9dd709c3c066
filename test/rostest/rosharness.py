"""Helpers of the rostest scripts: launching the real nodes from a test, waiting, watching cycles.

The test scripts build their fixtures (a tiny TOD-signature model, cube images) first and
then start the system under test with roslaunch's API on rostest's master, so the
nodes find the model at start-up. Not a test itself (no executable bit).
"""
import os
import shutil
import signal
import sys
import tempfile
import time
import xmlrpc.client
from pathlib import Path

import rosgraph
import roslaunch
import rosnode
import rospy
from std_msgs.msg import String

from tod_ros.msg import CoordinatorStatus

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "test"))

import fixtures_models  # noqa: E402  (test/ helper)

LAUNCH_DIR = REPO / "launch"
SHARED_REAL = REPO.parent / "shared" / "data" / "real_cubes"
DEMO_MODEL = REPO / "models" / "demo"


def make_tmpdir(prefix):
    """A temp folder removed at exit of the test process."""
    import atexit
    import shutil

    path = Path(tempfile.mkdtemp(prefix=prefix))
    atexit.register(shutil.rmtree, path, True)
    return path


def tiny_model(dest, kind="grid"):
    """``dest``: the tiny ``grid`` model (TFLite too) or the ``bad`` one (wrong signature).

    A copy of the one test/test_rostests.py built once for the run ($TOD_TEST_MODELS/<kind>), so this
    process needs no TensorFlow; built here when rostest runs alone.
    """
    prebuilt = os.environ.get("TOD_TEST_MODELS")
    if prebuilt:
        return Path(shutil.copytree(Path(prebuilt) / kind, dest))
    if kind == "bad":
        return fixtures_models.build_bad_model(dest)
    return fixtures_models.build_grid_model(dest, tflite=True)


def grid_fixture(prefix, scenes):
    """A temp folder with the tiny grid model (``model/``, TFLite too) and the cube ``scenes``
    (``images/scene_NN.png``); returns ``(folder, {image name: expected labels})``."""
    tmp = make_tmpdir(prefix)
    tiny_model(tmp / "model")
    expected = fixtures_models.write_scenes(tmp / "images", scenes)
    return tmp, {f"scene_{i:02d}.png": [str(c) for c in e] for i, e in enumerate(expected)}


def set_sim_timing(cycle_idle, start_delay):
    """Shorter simulated-robot delays than the defaults, so cycles follow each other quickly."""
    rospy.set_param("/sim_robot/cycle_idle", cycle_idle)
    rospy.set_param("/sim_robot/start_delay", start_delay)


def launch_on_real_photo(test, photo, **launch_args):
    """Start detect.launch sim:=true on a copy of real photo ``photo`` for ``test`` (a TestCase, after
    rospy.init_node); the launch stops at the test's cleanup. Returns the :class:`CycleLog`."""
    import shutil

    images = make_tmpdir(f"tod_{Path(photo).stem}_")
    shutil.copy(SHARED_REAL / photo, images)
    set_sim_timing(cycle_idle=0.8, start_delay=1.0)
    log = CycleLog()
    launch = Launch(("detect.launch", dict(sim="true", image_dir=images, move_time=0.05, output="log",
                                           **launch_args)))
    test.addCleanup(launch.shutdown)
    return log


class Launch:
    """roslaunch files (with args) started on the running master; ``shutdown()`` stops them."""

    def __init__(self, *files):
        uuid = roslaunch.rlutil.get_or_generate_uuid(None, False)
        roslaunch.configure_logging(uuid)
        specs = [(str(LAUNCH_DIR / name), [f"{k}:={v}" for k, v in args.items()]) for name, args in files]
        self.parent = roslaunch.parent.ROSLaunchParent(uuid, specs, is_core=False)
        self.parent.start()

    def shutdown(self):
        """Stop every node of these launch files."""
        self.parent.shutdown()


def wait_for(predicate, timeout, what, period=0.05):
    """Poll ``predicate`` until truthy (returns its value); AssertionError naming ``what`` on timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not rospy.is_shutdown():
        value = predicate()
        if value:
            return value
        time.sleep(period)
    raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")


def node_pid(name):
    """The pid of node ``name`` (via its XML-RPC API, as rosnode info), or None when it is not up."""
    try:
        uri = rosnode.get_api_uri(rosgraph.Master("/tod_ros_test"), name, skip_cache=True)
        if not uri:
            return None
        code, _, pid = xmlrpc.client.ServerProxy(uri).getPid("/tod_ros_test")
        return pid if code == 1 else None
    except (OSError, rosnode.ROSNodeIOException, xmlrpc.client.Error):
        return None


def kill_node(name):
    """SIGKILL the process of node ``name``; returns its old pid."""
    pid = wait_for(lambda: node_pid(name), 10, f"node {name} to be up")
    os.kill(pid, signal.SIGKILL)
    return pid


class CycleLog:
    """What happened, cycle by cycle, seen from the simulated robot and from the coordinator.

    ``frames``: [served image file name, labels the robot received after serving it] per
    get_image call (one sim node publishes both, in order; survives coordinator respawns).
    ``robot``: (image, labels) per sim robot cycle (``cycle_done``).
    ``records``: the coordinator's view from its status, (outcome, image, labels or error);
    its first messages after a respawn may be missed.
    """

    def __init__(self):
        self.records = []
        self.robot = []
        self.frames = []
        self._cycle_done_after_last = False
        self.served = None
        self.state = None
        self._last = (None, None)
        rospy.Subscriber("/served_image", String, self._on_served, queue_size=100)
        rospy.Subscriber("/received_label", String, self._on_label, queue_size=100)
        rospy.Subscriber("/cycle_done", String, self._on_cycle_done, queue_size=100)
        rospy.Subscriber("/status", CoordinatorStatus, self._on_status, queue_size=100)

    def _on_served(self, msg):
        self.served = os.path.basename(msg.data) if msg.data else "(empty frame)"
        self.frames.append([self.served, []])
        self._cycle_done_after_last = False

    def _on_label(self, msg):
        if self.frames:
            self.frames[-1][1].append(msg.data)

    def complete_frames(self):
        """Frames whose cycle is over (a later frame was served, or the robot's cycle ended):
        [(index, image, labels)], including those where no label reached the robot."""
        frames = list(self.frames)
        done = len(frames) if frames and self._cycle_done_after_last else len(frames) - 1
        return [(i, f, list(labels)) for i, (f, labels) in enumerate(frames[:max(done, 0)])]

    def labelled_frames(self):
        """Complete frames whose labels reached the robot: [(index, image, labels)]."""
        return [r for r in self.complete_frames() if r[2]]

    def _on_cycle_done(self, msg):
        self.robot.append((self.served, msg.data.split(",") if msg.data else []))
        self._cycle_done_after_last = True

    def _on_status(self, msg):
        key = (msg.state, msg.cycle)
        if key == self._last:
            return
        self._last, self.state = key, msg.state
        # The cycle's frame is the last one served, read when the cycle ends: served_image and
        # status come from two nodes, so "detecting" may arrive a few ms before its frame's name.
        if msg.state == "idle" and msg.cycle > 0:     # the status names the labels; the robot gets their ids
            ids = [str(fixtures_models.LABELS.index(name) + 1) for name in msg.last_labels]
            self.records.append(("ok", self.served, ids))
        elif msg.state == "error":
            self.records.append(("error", self.served, msg.last_error))

    def settle(self, quiet=1.5, timeout=30):
        """Withdraw any request and wait until the coordinator is between cycles and no record came
        for ``quiet`` s: a request the previous robot made just before it was stopped is over."""
        rospy.set_param("/takeImage", False)
        last = {"count": len(self.records), "since": time.monotonic()}

        def quiet_for_long_enough():
            if self.state in ("capturing", "detecting", "waiting_robot") or len(self.records) != last["count"]:
                last.update(count=len(self.records), since=time.monotonic())
            return time.monotonic() - last["since"] >= quiet

        wait_for(quiet_for_long_enough, timeout, "a coordinator between cycles and quiet")

    def ok(self):
        """Successful cycles so far."""
        return [r for r in self.records if r[0] == "ok"]

    def errors(self):
        """Failed cycles so far."""
        return [r for r in self.records if r[0] == "error"]
