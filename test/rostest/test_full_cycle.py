#!/usr/bin/env python3
"""Full cycles of detect.launch sim:=true with a tiny content-dependent TOD-signature model.

Images made here (fixtures_models.cube_scene); each cycle's labels must be the ones of the
image the robot served that cycle, left to right (never a stale frame's); a killed detector
or coordinator respawns and the following cycles succeed. The first 4 cycles are recorded before
any test runs and frames cut by a kill are remembered, so the tests run in any order.
"""
import time
import unittest

import rospy
import rostest

import rosharness as h

SCENES = [[2, None, 1, 2], [1, 1, None, None], [None, 2, 1, None]]


def label_and_received(timeout=5.0):
    """(/label, the labels the simulated robot received), read at a moment when the robot holds the label the
    parameter holds: the coordinator sets the next label a little before the robot takes it, and cycles go
    on while the test reads, so one read of each can catch the next label (or the parameters at timeout)."""
    deadline = time.time() + timeout
    while True:
        received = rospy.get_param("/sim_robot/received_labels", [])
        label = rospy.get_param("/label", None)
        settled = rospy.get_param("/sim_robot/received_labels", []) == received
        if (settled and received and label == int(received[-1])) or time.time() > deadline:
            return label, received
        time.sleep(0.02)


class FullCycleTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        rospy.init_node("test_full_cycle")
        tmp, cls.expected = h.grid_fixture("tod_full_cycle_", SCENES)
        h.set_sim_timing(cycle_idle=0.8, start_delay=0.5)
        cls.log = h.CycleLog()
        cls.launch = h.Launch(("detect.launch", dict(sim="true", model_dir=tmp / "model", image_dir=tmp / "images",
                                                     move_time=0.05, output="log")))
        cls.interrupted = set()     # frames in progress when a test killed a node
        try:
            h.wait_for(lambda: len(cls.log.robot) >= 4, 45, "4 complete robot cycles")
        finally:
            label, received = label_and_received()
            cls.first = dict(robot=list(cls.log.robot[:4]), labelled=list(cls.log.labelled_frames()[:4]),
                             ok=list(cls.log.ok()[:4]), errors=list(cls.log.errors()),
                             received=received, label=label)

    @classmethod
    def tearDownClass(cls):
        cls.launch.shutdown()

    def assert_cycles_match_images(self, frames=None):
        """The labels the robot received after each served image are those of that image
        (only a prefix of them for a frame whose cycle was interrupted by a kill)."""
        for index, image, labels in self.log.labelled_frames() if frames is None else frames:
            self.assertIn(image, self.expected, f"cycle on unknown image {image}")
            want = self.expected[image][:len(labels)] if index in self.interrupted else self.expected[image]
            self.assertEqual(labels, want, f"labels the robot received for {image} (frame {index})")

    def kill_and_wait_cycles(self, node, count=2):
        """Kill ``node``, wait for its respawn and ``count`` complete cycles after it; the frames
        in progress at the kill join ``interrupted``."""
        self.interrupted.update({len(self.log.frames) - 1, len(self.log.frames)})
        old = h.kill_node(node)
        h.wait_for(lambda: h.node_pid(node) not in (None, old), 20, f"{node} to respawn")
        respawned = len(self.log.frames)
        h.wait_for(lambda: len([r for r in self.log.labelled_frames() if r[0] > respawned]) >= count, 30,
                   f"{count} complete cycles after {node} respawned")

    def test_1_several_cycles_in_a_row(self):
        first = self.first
        self.assert_cycles_match_images(first["labelled"])
        self.assertEqual(first["errors"], [])
        self.assertEqual(first["robot"], [(f, labels) for _, f, labels in first["labelled"]],
                         "one frame per robot cycle")
        self.assertEqual([r[2] for r in first["ok"]], [r[1] for r in first["robot"]],
                         "the coordinator's status reports the labels the robot received")
        served = {r[0] for r in first["robot"]}
        self.assertEqual(served, set(self.expected), "every image gave a complete cycle")
        received = first["received"]
        self.assertEqual(received[:3], ["2", "1", "2"], "the robot received the first image's labels in order")
        self.assertEqual(first["label"], int(received[-1]), "label param holds an int class id")

    def test_2_killed_detector_respawns(self):
        self.kill_and_wait_cycles("/detector")
        self.assert_cycles_match_images()

    def test_3_killed_coordinator_respawns(self):
        # A coordinator killed mid-cycle leaves that frame's remaining labels unsent.
        self.kill_and_wait_cycles("/coordinator")
        self.assert_cycles_match_images()


if __name__ == "__main__":
    rostest.rosrun("tod_ros", "test_full_cycle", FullCycleTest)
