"""Shared by the ROS runtime benchmarks: pick a model and image, run detect.launch on a private master."""
import atexit
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "models" / "demo"


def temp_dir(prefix):
    """A new temporary folder, removed when the benchmark exits."""
    path = tempfile.mkdtemp(prefix=prefix)
    atexit.register(shutil.rmtree, path, True)
    return path


def model_and_image(workdir):
    """(model_dir, description, bgr 640x480, image_dir): the shipped demo model and a real photo of the
    cubes, else the simulated robot's table scene (config/sim_table.yaml, :mod:`tod_ros.sim_table`)."""
    import cv2

    from tod_ros import resources
    from tod_ros.sim_table import TableScene, render

    if not ((DEMO / "saved_model").is_dir() or (DEMO / "model.tflite").is_file()):
        sys.exit(f"{DEMO}: the shipped demo model is missing (restore it: git checkout -- models/demo)")
    image_dir = Path(workdir) / "images"
    image_dir.mkdir(exist_ok=True)
    real_image = resources.real_cubes_dir() / "ergo_cubes_212_1.png"
    if real_image.is_file():
        bgr, what = cv2.imread(str(real_image)), f"demo model {DEMO}, photo {real_image.name}"
    else:
        bgr, what = render(TableScene.load(resources.config_dir() / "sim_table.yaml")), \
            f"demo model {DEMO}, the simulated robot's table scene"
    cv2.imwrite(str(image_dir / "frame.png"), bgr)
    return DEMO, what, bgr, image_dir


def percentiles(values_ms):
    """'p50 X ms, p95 Y ms (n=N)'."""
    a = np.asarray(values_ms)
    return f"p50 {np.percentile(a, 50):.1f} ms, p95 {np.percentile(a, 95):.1f} ms, mean {a.mean():.1f} ms (n={len(a)})"


class PrivateSystem:
    """roslaunch processes on a private master (free port); stopped by ``stop()``."""

    def __init__(self):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        self.port = port
        os.environ["ROS_MASTER_URI"] = f"http://127.0.0.1:{port}"
        os.environ.setdefault("ROS_HOME", temp_dir("tod_bench_ros_"))
        self.procs = []

    def launch(self, launch_file, **args):
        """Start ``roslaunch tod_ros <launch_file> k:=v ...`` (the first one starts the master)."""
        cmd = ["roslaunch", "-p", str(self.port), "tod_ros", launch_file] + [f"{k}:={v}" for k, v in args.items()]
        self.procs.append(subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        import rosgraph

        deadline = time.monotonic() + 30
        while not rosgraph.is_master_online():
            if time.monotonic() > deadline:
                raise RuntimeError("no master after 30 s")
            time.sleep(0.2)

    def stop(self):
        """SIGINT every roslaunch (they stop their nodes), in reverse order."""
        for p in reversed(self.procs):
            p.send_signal(signal.SIGINT)
            try:
                p.wait(20)
            except subprocess.TimeoutExpired:
                p.kill()


def node_pid(name):
    """pid of a ROS node (None when not up)."""
    import xmlrpc.client

    import rosgraph
    import rosnode

    try:
        uri = rosnode.get_api_uri(rosgraph.Master("/bench"), name, skip_cache=True)
        code, _, pid = xmlrpc.client.ServerProxy(uri).getPid("/bench")
        return pid if code == 1 else None
    except Exception:
        return None


def rss_kib(pid):
    """Resident set size of a process, KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for pid {pid}")
