#!/usr/bin/env python3
"""The detector node on tiny TOD-signature models made here: SavedModel and TFLite backends,
the detect service, bad images, topic mode (header copied, annotated image), and a model
whose signature does not fit (the node exits naming what is missing)."""
import threading
import unittest

import roslaunch
import rospy
import rostest
from rosgraph_msgs.msg import Log
from sensor_msgs.msg import Image

import rosharness as h
from tod_ros.imaging import fill_image_msg
from tod_ros.msg import DetectionArray
from tod_ros.srv import Detect

COLUMNS = [2, None, 1, 2]           # scene: classes per grid column, one row
CENTERS_X = [80.0, 400.0, 560.0]    # box centers (px) of the cubes of COLUMNS in a 640x480 image


class DetectorNodeTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        rospy.init_node("test_detector_node")
        cls.logs = []
        rospy.Subscriber("/rosout", Log, lambda m: cls.logs.append(m), queue_size=1000)
        tmp = h.make_tmpdir("tod_detector_")
        h.fixtures_models.build_grid_model(tmp / "good", tflite=True)
        h.fixtures_models.build_bad_model(tmp / "bad")
        cls.bgr, _ = h.fixtures_models.cube_scene(COLUMNS)
        cls.launch = roslaunch.scriptapi.ROSLaunch()
        cls.launch.start()
        cls.procs = {}
        for ns, model, backend in (("sm", "good", "savedmodel"), ("tfl", "good", "tflite"), ("bad", "bad", "auto")):
            rospy.set_param(f"/{ns}/detector/model_dir", str(tmp / model))
            rospy.set_param(f"/{ns}/detector/backend", backend)
            node = roslaunch.core.Node("tod_ros", "detector", name="detector", namespace=f"/{ns}", output="log")
            cls.procs[ns] = cls.launch.launch(node)
        for ns in ("sm", "tfl"):
            rospy.wait_for_service(f"/{ns}/detect", timeout=60)

    @classmethod
    def tearDownClass(cls):
        cls.launch.stop()

    def image_msg(self, stamp=None, frame_id="cam"):
        msg = fill_image_msg(Image(), self.bgr, encoding="8UC3")
        msg.header.stamp = stamp or rospy.Time.now()
        msg.header.frame_id = frame_id
        return msg

    def check_result(self, res, msg):
        self.assertTrue(res.success, res.message)
        r = res.result
        self.assertEqual((r.image_width, r.image_height), (640, 480))
        self.assertEqual(r.header.stamp, msg.header.stamp)
        self.assertEqual(r.header.frame_id, "cam")
        self.assertEqual([d.class_id for d in r.detections], [2, 1, 2])
        self.assertEqual([d.label for d in r.detections], ["two", "one", "two"])
        for d, cx in zip(r.detections, CENTERS_X):
            self.assertAlmostEqual(d.center_x, cx, delta=1.0)
            self.assertAlmostEqual(d.center_y, 240.0, delta=1.0)
            self.assertAlmostEqual(d.size_x, 160.0, delta=1.0)
            self.assertAlmostEqual(d.box_normalized[1] * 640 + d.size_x / 2, cx, delta=1.0)
            self.assertGreater(d.score, 0.5)

    def test_detect_service_savedmodel(self):
        msg = self.image_msg()
        self.check_result(rospy.ServiceProxy("/sm/detect", Detect)(image=msg), msg)

    def test_detect_service_tflite(self):
        msg = self.image_msg()
        self.check_result(rospy.ServiceProxy("/tfl/detect", Detect)(image=msg), msg)

    def test_bad_images_get_an_error_not_a_crash(self):
        detect = rospy.ServiceProxy("/sm/detect", Detect)
        res = detect(image=Image())
        self.assertFalse(res.success)
        self.assertIn("empty frame", res.message)
        msg = self.image_msg()
        msg.encoding = "32FC1"
        res = detect(image=msg)
        self.assertFalse(res.success)
        self.assertIn("unsupported image encoding", res.message)
        msg = self.image_msg()
        msg.data = msg.data[:1000]
        self.assertFalse(detect(image=msg).success)
        self.assertTrue(self.procs["sm"].is_alive())
        msg = self.image_msg()
        self.check_result(detect(image=msg), msg)

    def test_topic_mode_copies_header_and_annotates(self):
        got, annotated = {}, {}
        done = threading.Event()

        def on_dets(m):
            got[m.header.stamp] = m

        def on_annotated(m):
            annotated[m.header.stamp] = m
            done.set()

        rospy.Subscriber("/tfl/detections", DetectionArray, on_dets)
        rospy.Subscriber("/tfl/detections/image", Image, on_annotated)
        pub = rospy.Publisher("/tfl/image", Image, queue_size=1)
        h.wait_for(lambda: pub.get_num_connections() > 0, 10, "the detector to subscribe to /tfl/image")
        stamp = rospy.Time(1234, 567)
        h.wait_for(lambda: pub.publish(self.image_msg(stamp=stamp)) or stamp in annotated, 10,
                   "detections of the published frame")
        h.wait_for(lambda: stamp in got, 5, "the DetectionArray of the frame")
        self.assertEqual(got[stamp].header.frame_id, "cam")
        self.assertEqual([d.class_id for d in got[stamp].detections], [2, 1, 2])
        img = annotated[stamp]
        self.assertEqual((img.width, img.height, img.encoding), (640, 480, "bgr8"))
        self.assertNotEqual(bytes(img.data), self.image_msg().data, "boxes drawn on the annotated image")

    def test_wrong_signature_exits_naming_what_is_missing(self):
        h.wait_for(lambda: not self.procs["bad"].is_alive(), 60, "the detector with a bad model to exit")
        self.assertEqual(self.procs["bad"].exit_code, 1)
        fatal = h.wait_for(lambda: [m.msg for m in self.logs if m.name == "/bad/detector" and m.level == Log.FATAL],
                           5, "the fatal log of the bad detector")
        self.assertIn("missing output(s) detection_boxes, detection_scores, detection_classes", fatal[0])
        self.assertIn("has: boxes, scores", fatal[0])


if __name__ == "__main__":
    rostest.rosrun("tod_ros", "test_detector_node", DetectorNodeTest)
