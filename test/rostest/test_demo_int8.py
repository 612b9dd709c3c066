#!/usr/bin/env python3
"""detect.launch backend:=tflite_int8 with the demo model's int8 TFLite (models/demo/model_int8.tflite):
the detector loads it and the robot receives labels 2, 1, 2 for ergo_cubes_212_1.png. A smoke test
of the int8 backend in the running system: that photo is one the demo model was fine-tuned on
(held-out figures are in docs/quality.md and docs/benchmarks.md). Skipped (with the reason) when
the photo or the int8 model is absent."""
import unittest

import rospy
import rostest

import rosharness as h


class DemoInt8Test(unittest.TestCase):
    def setUp(self):
        if not h.SHARED_REAL.is_dir():
            self.skipTest(f"{h.SHARED_REAL} not found (only present in the project's CI/dev machines)")
        if not (h.DEMO_MODEL / "model_int8.tflite").is_file():
            self.skipTest(f"no {h.DEMO_MODEL / 'model_int8.tflite'} (tod export --add-int8)")
        rospy.init_node("test_demo_int8")
        self.log = h.launch_on_real_photo(self, "ergo_cubes_212_1.png", backend="tflite_int8")

    def test_int8_backend_reads_2_1_2(self):
        h.wait_for(lambda: len(self.log.robot) >= 2, 50, "2 complete cycles")
        self.assertEqual(self.log.errors(), [])
        for image, labels in self.log.robot:
            self.assertEqual((image, labels), ("ergo_cubes_212_1.png", ["2", "1", "2"]))
        self.assertEqual(rospy.get_param("/detector/backend"), "tflite_int8")


if __name__ == "__main__":
    rostest.rosrun("tod_ros", "test_demo_int8", DemoInt8Test)
