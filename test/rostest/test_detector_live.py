#!/usr/bin/env python3
"""The detector node tuned while it runs (tiny grid model, TFLite backend):

- dynamic_reconfigure at /live/detector: the launch values are the initial values;
  score_threshold, max_detections and classes change what the next ``detect`` returns;
  ``rosrun dynamic_reconfigure dynparam set`` works; an unknown class is refused;
- ``~enable`` false: ``detect`` answers success false saying so, topic frames are dropped
  (no ``detections``, a dropped-frame ``~status``); true again: detections are back;
- ``~save_uncertain``: a frame whose best score is in [uncertain_min, uncertain_max) is saved
  with its VOC pre-annotation, never overwriting; a confident frame is not saved.
"""
import subprocess
import unittest

import numpy as np
import rospy
import rostest
from dynamic_reconfigure.client import Client
from sensor_msgs.msg import Image
from std_srvs.srv import SetBool

import rosharness as h
from tod_ros.dataset.prelabel import is_unreviewed
from tod_ros.dataset.voc import read_voc
from tod_ros.imaging import fill_image_msg
from tod_ros.msg import DetectionArray, DetectorStatus
from tod_ros.srv import Detect

NS = "/live"
INITIAL = {"score_threshold": 0.45, "max_detections": 4, "classes": ""}


class DetectorLiveTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        import roslaunch

        rospy.init_node("test_detector_live")
        tmp = h.make_tmpdir("tod_detector_live_")
        h.tiny_model(tmp / "model")
        cls.saved = tmp / "uncertain_project"
        cls.bright, _ = h.fixtures_models.cube_scene([2, None, 1, 2])    # scores ~0.79
        dim, _ = h.fixtures_models.cube_scene([None, 1])
        cls.dim = (dim // 2).astype(np.uint8)                            # best score ~0.39
        params = dict(model_dir=str(tmp / "model"), backend="tflite", save_uncertain=str(cls.saved),
                      uncertain_min=0.3, uncertain_max=0.6, **INITIAL)
        for k, v in params.items():
            rospy.set_param(f"{NS}/detector/{k}", v)
        cls.launch = roslaunch.scriptapi.ROSLaunch()
        cls.launch.start()
        cls.proc = cls.launch.launch(roslaunch.core.Node("tod_ros", "detector", name="detector", namespace=NS,
                                                         output="log"))
        rospy.wait_for_service(f"{NS}/detect", timeout=60)
        cls.detect = rospy.ServiceProxy(f"{NS}/detect", Detect)
        cls.enable = rospy.ServiceProxy(f"{NS}/detector/enable", SetBool)
        cls.client = Client(f"{NS}/detector", timeout=30)
        cls.initial = cls.client.get_configuration(timeout=10)

    @classmethod
    def tearDownClass(cls):
        cls.launch.stop()

    def setUp(self):
        self.client.update_configuration(INITIAL)
        self.enable(True)

    def ids(self, bgr=None):
        res = self.detect(image=fill_image_msg(Image(), self.bright if bgr is None else bgr, encoding="bgr8"))
        self.assertTrue(res.success, res.message)
        return [d.class_id for d in res.result.detections]

    def test_launch_values_are_the_initial_values(self):
        self.assertEqual({k: self.initial[k] for k in INITIAL}, INITIAL)

    def test_reconfigure_changes_what_detect_returns(self):
        self.assertEqual(self.ids(), [2, 1, 2])
        self.client.update_configuration({"score_threshold": 0.95})
        self.assertEqual(self.ids(), [])
        self.client.update_configuration({"score_threshold": 0.5, "max_detections": 1})
        self.assertEqual(len(self.ids()), 1)
        self.client.update_configuration({"max_detections": 4, "classes": "one"})
        self.assertEqual(self.ids(), [1])
        self.client.update_configuration({"classes": "two"})
        self.assertEqual(self.ids(), [2, 2])

    def test_reconfigure_applies_to_topic_mode(self):
        got = {}
        sub = rospy.Subscriber(f"{NS}/detections", DetectionArray,
                               lambda m: got.setdefault(m.header.stamp, [d.class_id for d in m.detections]))
        self.addCleanup(sub.unregister)
        pub = rospy.Publisher(f"{NS}/image", Image, queue_size=1)
        h.wait_for(lambda: pub.get_num_connections() > 0, 10, "the detector to subscribe to the image topic")
        frame = fill_image_msg(Image(), self.bright, encoding="bgr8")
        for i, (classes, want) in enumerate((("one", [1]), ("", [2, 1, 2]))):
            self.client.update_configuration({"classes": classes})
            frame.header.stamp = rospy.Time(90 + i, 0)
            h.wait_for(lambda: pub.publish(frame) or frame.header.stamp in got, 10, "the frame's detections")
            self.assertEqual(got[frame.header.stamp], want)

    def test_unknown_class_is_refused_and_settings_kept(self):
        config = self.client.update_configuration({"classes": "one,three"})
        self.assertEqual(config["classes"], "")
        self.assertEqual(self.ids(), [2, 1, 2])

    def test_dynparam_command_line(self):
        out = subprocess.run(["rosrun", "dynamic_reconfigure", "dynparam", "set", f"{NS}/detector",
                              "score_threshold", "0.9"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             text=True, timeout=60)
        self.assertEqual(out.returncode, 0, out.stdout)
        self.assertEqual(self.ids(), [])
        self.assertEqual(rospy.get_param(f"{NS}/detector/score_threshold"), 0.9)

    def test_disabled_detector_refuses_and_drops_frames(self):
        res = self.enable(False)
        self.assertTrue(res.success, res.message)
        answer = self.detect(image=fill_image_msg(Image(), self.bright, encoding="bgr8"))
        self.assertFalse(answer.success)
        self.assertIn("detector disabled", answer.message)
        dropped, dets = {}, []
        subs = [rospy.Subscriber(f"{NS}/detector/status", DetectorStatus,
                                 lambda m: m.frame_dropped and dropped.setdefault(m.header.stamp, m)),
                rospy.Subscriber(f"{NS}/detections", DetectionArray, lambda m: dets.append(m.header.stamp))]
        self.addCleanup(lambda: [s.unregister() for s in subs])
        pub = rospy.Publisher(f"{NS}/image", Image, queue_size=1)
        h.wait_for(lambda: pub.get_num_connections() > 0, 10, "the detector to subscribe to the image topic")
        frame = fill_image_msg(Image(), self.bright, encoding="bgr8")
        frame.header.stamp = rospy.Time(77, 7)
        h.wait_for(lambda: pub.publish(frame) or frame.header.stamp in dropped, 10, "the dropped-frame status")
        self.assertEqual(dropped[frame.header.stamp].state, "disabled")
        self.assertNotIn(frame.header.stamp, dets)
        self.assertTrue(self.enable(True).success)
        frame.header.stamp = rospy.Time(78, 8)
        h.wait_for(lambda: pub.publish(frame) or frame.header.stamp in dets, 10, "detections once enabled again")

    def test_uncertain_frames_are_saved_with_pre_annotations(self):
        before = set(self.saved.glob("*")) if self.saved.is_dir() else set()
        self.assertEqual(self.ids(self.dim), [], "the dim cube is below the score threshold")
        self.ids(self.dim)
        self.ids()          # confident: not saved
        new = h.wait_for(lambda: len(set(self.saved.glob("*")) - before) >= 4 and set(self.saved.glob("*")) - before,
                         10, "2 uncertain frames saved with their XML")
        rospy.sleep(1.0)
        new = sorted(p.name for p in set(self.saved.glob("*")) - before)
        self.assertEqual(len(new), 4, new)
        for xml in sorted(self.saved.glob("uncertain*.xml")):
            ann = read_voc(xml)
            self.assertTrue((self.saved / ann.filename).is_file())
            self.assertEqual([o.name for o in ann.objects], ["one"])
            self.assertTrue(is_unreviewed(ann), "an unreviewed pre-annotation for tod label")
            self.assertAlmostEqual((ann.objects[0].xmin + ann.objects[0].xmax) / 2, 240, delta=2)


if __name__ == "__main__":
    rostest.rosrun("tod_ros", "test_detector_live", DetectorLiveTest)
