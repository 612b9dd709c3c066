#!/usr/bin/env python3
"""The detector node on tiny TOD-signature models made here: SavedModel and TFLite backends,
the detect service, bad images and frames the model cannot use (a 3x100000 frame: success
false / a dropped-frame status, never a ServiceException), topic mode (header copied, annotated
image), and a model whose signature does not fit (the node stays up in the error state: the
reason is logged once, detect answers it, frames are dropped with it; no respawn loop)."""
import threading
import time
import unittest

import numpy as np

import roslaunch
import rospy
import rostest
from rosgraph_msgs.msg import Log
from sensor_msgs.msg import Image

import rosharness as h
from tod_ros.imaging import fill_image_msg
from tod_ros.msg import DetectionArray, DetectorStatus
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
        h.tiny_model(tmp / "good")
        h.tiny_model(tmp / "bad", kind="bad")
        cls.bgr, _ = h.fixtures_models.cube_scene(COLUMNS)
        cls.launch = roslaunch.scriptapi.ROSLaunch()
        cls.launch.start()
        cls.procs = {}
        models = [("sm", tmp / "good", "savedmodel"), ("tfl", tmp / "good", "tflite"), ("bad", tmp / "bad", "auto")]
        # the demo model's fixed-size TFLite input (letterbox) is where a thin frame used to crash OpenCV
        cls.letterbox = (h.DEMO_MODEL / "model.tflite").is_file()
        if cls.letterbox:
            models.append(("demo", h.DEMO_MODEL, "tflite"))
        for ns, model, backend in models:
            rospy.set_param(f"/{ns}/detector/model_dir", str(model))
            rospy.set_param(f"/{ns}/detector/backend", backend)
            node = roslaunch.core.Node("tod_ros", "detector", name="detector", namespace=f"/{ns}", output="log")
            cls.procs[ns] = cls.launch.launch(node)
        for ns, _, _ in models:
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

    def test_thin_frame_is_refused_on_both_paths(self):
        thin = fill_image_msg(Image(), np.zeros((100000, 3, 3), np.uint8), encoding="bgr8")   # 3 wide
        for ns in ("sm", "tfl", "demo") if self.letterbox else ("sm", "tfl"):
            res = rospy.ServiceProxy(f"/{ns}/detect", Detect)(image=thin)
            self.assertFalse(res.success)
            self.assertIn("frame 3x100000 refused", res.message)
            self.assertIn("aspect ratio 33333:1", res.message)
        dropped, dets = {}, []
        rospy.Subscriber("/tfl/detector/status", DetectorStatus,
                         lambda m: m.frame_dropped and dropped.setdefault(m.header.stamp, m.message))
        rospy.Subscriber("/tfl/detections", DetectionArray, lambda m: dets.append(m.header.stamp))
        pub = rospy.Publisher("/tfl/image", Image, queue_size=1)
        h.wait_for(lambda: pub.get_num_connections() > 0, 10, "the detector to subscribe to /tfl/image")
        thin.header.stamp = rospy.Time(4321, 1)
        h.wait_for(lambda: pub.publish(thin) or thin.header.stamp in dropped, 10, "the dropped-frame status")
        self.assertIn("frame 3x100000 refused", dropped[thin.header.stamp])
        self.assertNotIn(thin.header.stamp, dets)
        self.assertTrue(self.procs["sm"].is_alive() and self.procs["tfl"].is_alive())
        msg = self.image_msg()
        self.check_result(rospy.ServiceProxy("/sm/detect", Detect)(image=msg), msg)

    def test_wrong_signature_keeps_the_node_up_in_error_state(self):
        errors = h.wait_for(lambda: [m.msg for m in self.logs if m.name == "/bad/detector" and m.level >= Log.ERROR],
                            30, "the error log of the bad detector")
        self.assertIn("missing output(s) detection_boxes, detection_scores, detection_classes", errors[0])
        self.assertIn("has: boxes, scores", errors[0])
        res = rospy.ServiceProxy("/bad/detect", Detect)(image=self.image_msg())
        self.assertFalse(res.success)
        self.assertIn("start-up error", res.message)
        self.assertIn("missing output(s) detection_boxes", res.message)
        status = rospy.wait_for_message("/bad/detector/status", DetectorStatus, timeout=5)
        self.assertEqual(status.state, "error")
        self.assertIn("missing output(s)", status.message)
        time.sleep(2.0)
        self.assertTrue(self.procs["bad"].is_alive(), "the node stays up instead of exiting")
        errors = [m.msg for m in self.logs if m.name == "/bad/detector" and m.level >= Log.ERROR]
        self.assertEqual(len(errors), 1, f"the start-up error is reported once: {errors}")


if __name__ == "__main__":
    rostest.rosrun("tod_ros", "test_detector_node", DetectorNodeTest)
