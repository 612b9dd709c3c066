#!/usr/bin/env python3
"""The course's vision client against detect.launch sim:=true (simulated table scene, demo model):
like ros4pro's call_vision_service_example.py it takes the camera's frame, turns it grey with
OpenCV, makes the request with cv_bridge (passthrough: encoding 8UC1), calls ros4pro/vision/predict
(relative name, as the course's client) and prints the response. Checks: label ids of the label map,
each centre on a cube of the scene, the four corners within 4 px of the face's true corners (TL, TR,
BR, BL), the same answer for mono8, bgr8 and rgb8 requests, and an empty response (the service still
up) for a bad image."""
import unittest

import cv2
import numpy as np
import rospy
import rostest
from rosgraph_msgs.msg import Log
from sensor_msgs.msg import Image

import table_scene as ts
from tod_ros.imaging import fill_image_msg, image_msg_to_bgr
from tod_ros.srv import VisionPredict

CORNER_PX = 4.0


def grey_request(frame, encoding="passthrough"):
    """The course client's request: the frame in grey through cv_bridge (passthrough gives 8UC1)."""
    from cv_bridge import CvBridge

    grey = cv2.cvtColor(image_msg_to_bgr(frame), cv2.COLOR_BGR2GRAY)
    return CvBridge().cv2_to_imgmsg(grey, encoding=encoding)


def values(resp, name):
    return [v.data for v in getattr(resp, name)]


class VisionClientTest(unittest.TestCase):
    def setUp(self):
        rospy.init_node("test_vision_client")
        self.logs = []
        rospy.Subscriber("/rosout", Log, self.logs.append, queue_size=1000)
        self.scene, self.truth, _ = ts.launch_scene(self)
        self.predict = rospy.ServiceProxy("ros4pro/vision/predict", VisionPredict)

    def test_course_client(self):
        frame = ts.camera_frame()
        resp = self.predict(grey_request(frame))
        print(resp)
        centres = list(zip(values(resp, "x_center"), values(resp, "y_center")))
        self.assertTrue(all(len(getattr(resp, n)) == len(centres) for n in resp.__slots__))
        self.assertTrue(set(values(resp, "label")) <= {1, 2}, values(resp, "label"))
        found = ts.matches(centres, self.truth)
        self.assertEqual(len(found), len(centres), f"centres off the cubes: {centres}")
        self.assertGreaterEqual(len(found), 3, f"only {len(found)} of {len(self.truth)} cubes answered")
        for i, cube in found:
            corners = np.array([[values(resp, f"x{k}")[i], values(resp, f"y{k}")[i]] for k in (1, 2, 3, 4)])
            err = np.linalg.norm(corners - cube.corners, axis=1)
            self.assertLessEqual(err.max(), CORNER_PX, f"cube at ({cube.x}, {cube.y}): corners {corners.tolist()} "
                                 f"vs {cube.corners.round(1).tolist()}")
        bgr = image_msg_to_bgr(frame)
        for encoding in ("mono8", "bgr8", "rgb8"):
            request = grey_request(frame, "mono8") if encoding == "mono8" else \
                fill_image_msg(Image(), bgr, encoding=encoding)
            other = self.predict(request)
            self.assertEqual(sorted(zip(values(other, "x_center"), values(other, "y_center"))), sorted(centres),
                             encoding)

    def test_bad_image_gets_an_empty_response(self):
        bad = Image(height=480, width=640, encoding="bgr8", step=1920, data=b"\0" * 100)
        resp = self.predict(bad)
        self.assertEqual([len(getattr(resp, n)) for n in resp.__slots__], [0] * len(resp.__slots__))
        resp = self.predict(Image(height=32, width=32, encoding="32FC1", step=128, data=b"\0" * 4096))
        self.assertEqual(len(resp.label), 0)
        for why in ("truncated data", "unsupported image encoding '32FC1'"):
            ts.h.wait_for(lambda: [m for m in self.logs if m.level == Log.WARN and "vision/predict: empty response"
                                   in m.msg and why in m.msg], 20, f"the WARN of the bad request ({why})")
        self.assertGreaterEqual(len(self.predict(ts.camera_frame()).label), 3)   # still serving


if __name__ == "__main__":
    rostest.rosrun("tod_ros", "test_vision_client", VisionClientTest)
