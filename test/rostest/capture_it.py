#!/usr/bin/env python3
"""Integration test of capture.py against the simulated robot (started by capture.test)."""
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import unittest
from pathlib import Path

import cv2
import numpy as np
import rospy
import rostest
from sensor_msgs.msg import Image
from std_msgs.msg import String
from std_srvs.srv import Trigger


def run_capture(*args, timeout=60):
    """Run `rosrun tod_ros capture.py ARGS`; return (exit code, stdout, stderr)."""
    proc = subprocess.run(["rosrun", "tod_ros", "capture.py", *args], stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True, timeout=timeout)
    return proc.returncode, proc.stdout, proc.stderr


class CaptureAgainstSimRobot(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        rospy.init_node("capture_it", anonymous=True)
        rospy.wait_for_service("/ok/get_image", timeout=30)
        rospy.wait_for_service("/empty/get_image", timeout=30)
        rospy.wait_for_service("/slow/get_image", timeout=30)
        cls.served = []
        rospy.Subscriber("/ok/served_image", String, lambda m: cls.served.append(m.data))

    def setUp(self):
        self.tmp = Path(tempfile.mkdtemp(prefix="capture_it."))
        self.addCleanup(shutil.rmtree, self.tmp, True)

    def _served_after(self, n_before, count):
        deadline = rospy.Time.now() + rospy.Duration(5)
        while len(self.served) < n_before + count and rospy.Time.now() < deadline:
            rospy.sleep(0.05)
        return self.served[n_before:n_before + count]

    def test_headless_saves_exact_pixels(self):
        n_before = len(self.served)
        code, out, err = run_capture("--service", "/ok/get_image", "-o", str(self.tmp), "--count", "3",
                                     "--interval", "0")
        self.assertEqual(code, 0, err)
        saved = sorted(self.tmp.glob("*.png"))
        self.assertEqual([p.name for p in saved], ["image001.png", "image002.png", "image003.png"])
        sources = self._served_after(n_before, 3)
        self.assertEqual(len(sources), 3, "sim_robot did not report the served files")
        for path, source in zip(saved, sources):
            self.assertTrue(np.array_equal(cv2.imread(str(path)), cv2.imread(source)), f"{path} != {source}")

    def test_numbering_continues_and_never_overwrites(self):
        keep = self.tmp / "image007.png"
        keep.write_bytes(b"precious")
        (self.tmp / "image002.png").write_bytes(b"also precious")
        code, _, err = run_capture("--service", "/ok/get_image", "-o", str(self.tmp), "-n", "2", "--interval", "0")
        self.assertEqual(code, 0, err)
        self.assertEqual(keep.read_bytes(), b"precious")
        self.assertEqual((self.tmp / "image002.png").read_bytes(), b"also precious")
        self.assertTrue((self.tmp / "image008.png").is_file())
        self.assertTrue((self.tmp / "image009.png").is_file())
        self.assertEqual(len(list(self.tmp.iterdir())), 4)

    def test_interactive_enter_saves_q_quits(self):
        proc = subprocess.run(["rosrun", "tod_ros", "capture.py", "--service", "/ok/get_image", "-o",
                               str(self.tmp), "--no-preview"], input="\n\nq\n", stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, timeout=60,
                              env=dict(os.environ, DISPLAY=""))
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(sorted(p.name for p in self.tmp.iterdir()), ["image001.png", "image002.png"])

    def test_project_layout_default_folder(self):
        code, _, err = run_capture("--service", "/ok/get_image", "--workspace", str(self.tmp), "-p", "cubes",
                                   "-n", "1", "--interval", "0")
        self.assertEqual(code, 0, err)
        self.assertTrue((self.tmp / "images" / "cubes" / "image001.png").is_file())

    def test_empty_image_is_rejected_and_not_saved(self):
        code, out, err = run_capture("--service", "/empty/get_image", "-o", str(self.tmp), "-n", "1",
                                     "--retries", "0")
        self.assertNotEqual(code, 0)
        self.assertIn("empty frame", err)
        self.assertEqual(list(self.tmp.iterdir()), [])

    def test_slow_robot_times_out_then_succeeds_with_more_time(self):
        code, _, err = run_capture("--service", "/slow/get_image", "-o", str(self.tmp), "-n", "1",
                                   "--timeout", "0.5", "--retries", "0")
        self.assertNotEqual(code, 0)
        self.assertIn("no answer within 0.5 s", err)
        self.assertEqual(list(self.tmp.iterdir()), [])
        code, _, err = run_capture("--service", "/slow/get_image", "-o", str(self.tmp), "-n", "1",
                                   "--timeout", "6")
        self.assertEqual(code, 0, err)
        self.assertEqual([p.name for p in self.tmp.iterdir()], ["image001.png"])

    def test_service_down_gives_clear_timeout(self):
        code, out, err = run_capture("--service", "/down/get_image", "-o", str(self.tmp), "-n", "1",
                                     "--timeout", "1")
        self.assertNotEqual(code, 0)
        self.assertIn("no robot answers on service /down/get_image", err)
        self.assertEqual(list(self.tmp.iterdir()), [])

    def test_capture_node_frame_waits_for_a_node_that_subscribes_late(self):
        rospy.wait_for_service("/ok/capture", timeout=30)
        capture = rospy.ServiceProxy("/ok/capture", Trigger)
        answers, got = [], []
        call = threading.Thread(target=lambda: answers.append(capture()))
        call.start()
        rospy.sleep(0.3)        # a detector that is still connecting when the coordinator asks for a frame
        sub = rospy.Subscriber("/ok/image", Image, got.append, queue_size=5)
        try:
            call.join(10)
            self.assertTrue(answers and answers[0].success, answers)
            deadline = rospy.Time.now() + rospy.Duration(5)
            while not got and rospy.Time.now() < deadline:
                rospy.sleep(0.02)
            self.assertEqual(len(got), 1, "the requested frame went out before anyone was connected to /ok/image")
            stamp = got[0].header.stamp
            self.assertIn(f"stamp={stamp.secs}.{stamp.nsecs:09d} ", answers[0].message)
            self.assertEqual(got[0].encoding, "bgr8")
        finally:
            sub.unregister()
        self.assertTrue(capture().success, "with nobody subscribed the frame still goes out, after ~subscriber_wait")


if __name__ == "__main__":
    rostest.rosrun("tod_ros", "capture_it", CaptureAgainstSimRobot, sys.argv)
