#!/usr/bin/env python3
"""Full cycles of detect.launch sim:=true with a tiny content-dependent TOD-signature model.

Images made here (fixtures_models.cube_scene); each cycle's labels must be the ones of the
image the robot served that cycle, left to right (never a stale frame's); a killed detector
or coordinator respawns and the following cycles succeed.
"""
import time
import unittest

import rospy
import rostest

import rosharness as h

SCENES = [[2, None, 1, 2], [1, 1, None, None], [None, 2, 1, None]]


class FullCycleTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        rospy.init_node("test_full_cycle")
        tmp, cls.expected = h.grid_fixture("tod_full_cycle_", SCENES)
        h.set_sim_timing(cycle_idle=0.8, start_delay=0.5)
        cls.log = h.CycleLog()
        cls.launch = h.Launch(("detect.launch", dict(sim="true", model_dir=tmp / "model", image_dir=tmp / "images",
                                                     move_time=0.05, output="log")))

    @classmethod
    def tearDownClass(cls):
        cls.launch.shutdown()

    def assert_cycles_match_images(self, interrupted=()):
        """The labels the robot received after each served image are those of that image
        (only a prefix of them for a frame whose cycle was ``interrupted`` by a kill)."""
        for index, image, labels in self.log.labelled_frames():
            self.assertIn(image, self.expected, f"cycle on unknown image {image}")
            want = self.expected[image][:len(labels)] if index in interrupted else self.expected[image]
            self.assertEqual(labels, want, f"labels the robot received for {image} (frame {index})")

    def kill_and_wait_cycles(self, node, count=2):
        """Kill ``node``, wait for its respawn and ``count`` complete cycles after it; returns
        the indices of the frames in progress at the kill."""
        in_progress = {len(self.log.frames) - 1, len(self.log.frames)}
        old = h.kill_node(node)
        h.wait_for(lambda: h.node_pid(node) not in (None, old), 20, f"{node} to respawn")
        respawned = len(self.log.frames)
        h.wait_for(lambda: len([r for r in self.log.labelled_frames() if r[0] > respawned]) >= count, 30,
                   f"{count} complete cycles after {node} respawned")
        return in_progress

    def test_1_several_cycles_in_a_row(self):
        h.wait_for(lambda: len(self.log.robot) >= 4, 45, "4 complete robot cycles")
        self.assert_cycles_match_images()
        self.assertEqual(self.log.errors(), [])
        self.assertEqual(self.log.robot[:4], [(f, labels) for _, f, labels in self.log.labelled_frames()[:4]],
                         "one frame per robot cycle")
        self.assertEqual([r[2] for r in self.log.ok()[:4]], [r[1] for r in self.log.robot[:4]],
                         "the coordinator's status reports the labels the robot received")
        served = {r[0] for r in self.log.robot[:4]}
        self.assertEqual(served, set(self.expected), "every image gave a complete cycle")
        received = rospy.get_param("/sim_robot/received_labels")
        self.assertEqual(received[:3], ["2", "1", "2"], "the robot received the first image's labels in order")
        self.assertEqual(rospy.get_param("/label"), int(received[-1]), "label param holds an int class id")

    def test_2_killed_detector_respawns(self):
        self.assert_cycles_match_images(self.kill_and_wait_cycles("/detector"))

    def test_3_killed_coordinator_respawns(self):
        # A coordinator killed mid-cycle leaves that frame's remaining labels unsent.
        self.assert_cycles_match_images(self.kill_and_wait_cycles("/coordinator"))


if __name__ == "__main__":
    rostest.rosrun("tod_ros", "test_full_cycle", FullCycleTest)
