#!/usr/bin/env python3
"""detect.launch sim:=true with its default model (the trained demo model in models/demo) on the
real photo ergo_cubes_212_1.png: the robot must receive labels 2, 1, 2 in that order, cycle after
cycle. A smoke test of the running system, not an accuracy claim: models/demo was fine-tuned on
this photo (docs/quality.md; its accuracy on unseen data is checked by test/tf/test_eval_detect.py).
Skipped (with the reason) when models/demo or ../shared/data/real_cubes is absent."""
import unittest

import rospy
import rostest

import rosharness as h


class DemoModelTest(unittest.TestCase):
    def setUp(self):
        if not h.SHARED_REAL.is_dir():
            self.skipTest(f"{h.SHARED_REAL} not found (only present in the project's CI/dev machines)")
        if not ((h.DEMO_MODEL / "saved_model").is_dir() or (h.DEMO_MODEL / "model.tflite").is_file()):
            self.skipTest(f"no trained demo model in {h.DEMO_MODEL} yet")
        rospy.init_node("test_demo_model")
        self.log = h.launch_on_real_photo(self, "ergo_cubes_212_1.png")

    def test_real_photo_gives_2_1_2(self):
        h.wait_for(lambda: len(self.log.robot) >= 2, 50, "2 complete cycles")
        self.assertEqual(self.log.errors(), [])
        for image, labels in self.log.robot:
            self.assertEqual((image, labels), ("ergo_cubes_212_1.png", ["2", "1", "2"]))
        self.assertEqual(rospy.get_param("/sim_robot/received_labels")[:6], ["2", "1", "2"] * 2)


if __name__ == "__main__":
    rostest.rosrun("tod_ros", "test_demo_model", DemoModelTest)
