"""The rostests (test/*.test, each with its own master) run one after the other in a background thread,
from the session's first test on, while the other tests run: they mostly wait for nodes and messages.

test/conftest.py starts :class:`RostestRuns` for the rostests the session selected and puts their
items last; each ``test_rostest`` of test/test_rostests.py then waits for its own result.
"""
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

from dataset_helpers import REAL_CUBES

TEST_DIR = Path(__file__).resolve().parent
ROSTESTS = sorted(TEST_DIR.glob("*.test"))
_BUILD_MODELS = ("import sys\nfrom pathlib import Path\nimport fixtures_models as fm\n"
                 "fm.build_grid_model(Path(sys.argv[1]) / 'grid', tflite=True)\n"
                 "fm.build_bad_model(Path(sys.argv[1]) / 'bad')\n")


def write_frames(folder):
    """Four 640x480 PNG frames made here, for rostests that must run without ../shared; returns ``folder``."""
    import cv2
    import numpy as np

    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)
    for i in range(4):
        img = rng.integers(0, 60, size=(480, 640, 3), dtype=np.uint8)
        for k in range(i % 3 + 1):
            x = 60 + 190 * k
            cv2.rectangle(img, (x, 150), (x + 140, 290), (235, 235, 230), -1)
            cv2.putText(img, str(1 + (i + k) % 2), (x + 45, 260), cv2.FONT_HERSHEY_SIMPLEX, 3, (20, 20, 20), 8)
        cv2.imwrite(str(folder / f"frame{i:02d}.png"), img)
    return folder


def build_tiny_models(folder):
    """``grid/`` (with TFLite) and ``bad/`` tiny models for every rostest (rosharness.tiny_model copies them),
    built in a child process: the pytest process does not import TensorFlow for them."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in (str(TEST_DIR), os.environ.get("PYTHONPATH")) if p))
    proc = subprocess.run([sys.executable, "-c", _BUILD_MODELS, str(folder)], env=env, capture_output=True,
                          text=True, timeout=300)
    if proc.returncode:
        raise RuntimeError(f"building the tiny models failed:\n{proc.stderr[-4000:]}")
    return folder


class RostestRuns:
    """``rostest`` of each of ``files``, one at a time, in a daemon thread; :meth:`result` waits for one."""

    def __init__(self, files, root):
        self.files, self.root = list(files), Path(root)
        self._done = {f: threading.Event() for f in self.files}
        self._results = {}
        self._proc = None
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run_all, name="rostests", daemon=True)
        self._thread.start()

    def result(self, test_file):
        """``(returncode, output)`` of rostest ``test_file``, once it ended; raises what kept it from running."""
        self._done[test_file].wait()
        result = self._results[test_file]
        if isinstance(result, Exception):
            raise result
        return result

    def stop(self):
        """Stop the rostest still running (the session ended first: -x, Ctrl-C) and run no more."""
        self._stopped.set()
        if self._proc is not None and self._proc.poll() is None:
            self._proc.send_signal(signal.SIGINT)       # rostest then shuts its master and nodes down
            try:
                self._proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self._proc.kill()
        self._thread.join(timeout=30)

    def _run_all(self):
        try:
            frames, models = write_frames(self.root / "frames"), build_tiny_models(self.root / "tiny_models")
        except Exception as exc:        # every rostest reports it
            frames = models = exc
        for test_file in self.files:
            try:
                if isinstance(models, Exception):
                    raise models
                self._results[test_file] = self._rostest(test_file, frames, models)
            except Exception as exc:
                self._results[test_file] = exc
            self._done[test_file].set()

    def _rostest(self, test_file, frames, models):
        if self._stopped.is_set():
            raise RuntimeError("the test session ended before this rostest ran")
        tmp = self.root / test_file.stem
        # .test files read their image folders from these variables:
        #   TOD_TEST_IMAGE_DIR  frames to serve: the real photos when present, else frames made here
        #   TOD_GENERATED_IMAGE_DIR  always the frames made here
        #   TOD_REAL_CUBES      the real photos, or "" when ../shared is absent (tests then skip)
        #   TOD_TEST_MODELS     the tiny models built once for the run
        real = str(REAL_CUBES) if REAL_CUBES.is_dir() else ""
        env = dict(os.environ, ROS_HOME=str(tmp / "ros_home"), PYTHONUNBUFFERED="1",
                   TOD_TEST_IMAGE_DIR=real or str(frames), TOD_GENERATED_IMAGE_DIR=str(frames),
                   TOD_REAL_CUBES=real, TOD_TEST_TMP=str(tmp), TOD_TEST_MODELS=str(models))
        tmp.mkdir(parents=True)
        self._proc = subprocess.Popen(["rostest", str(test_file)], env=env, stdout=subprocess.PIPE,
                                      stderr=subprocess.STDOUT, text=True)
        try:
            out, _ = self._proc.communicate(timeout=600)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            out, _ = self._proc.communicate()
            out += "\n(killed after 600 s)"
        return self._proc.returncode, out
