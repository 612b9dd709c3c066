"""detector node: an exported TOD model served over ROS.

- service ``detect`` (tod_ros/Detect): image in, detections out (success=false + message
  for a bad image, never a crash);
- topic mode: subscribes ``image``, publishes ``detections`` (tod_ros/DetectionArray, the
  input image's header) and ``detections/image`` (annotated, only while subscribed).

Private params: see :class:`tod_ros.inference.DetectorConfig` and config/detector.yaml.
"""
import time

import rospy
from sensor_msgs.msg import Image

from tod_ros.errors import TodError
from tod_ros.imaging import fill_image_msg, image_msg_to_bgr
from tod_ros.inference import Detector, DetectorConfig, draw_detections
from tod_ros.msg import Detection as DetectionMsg
from tod_ros.msg import DetectionArray
from tod_ros.nodes.params import load_config
from tod_ros.srv import Detect, DetectResponse

IMAGE_BUFF_SIZE = 2 ** 24   # a 640x480 frame is ~1 MB: a small buffer would queue stale frames


def detection_msg(d):
    """tod_ros/Detection from an inference Detection."""
    return DetectionMsg(label=d.label, class_id=d.class_id, score=d.score,
                        center_x=d.center_x, center_y=d.center_y,
                        size_x=d.box_px[2] - d.box_px[0], size_y=d.box_px[3] - d.box_px[1],
                        box_normalized=list(d.box))


class DetectorNode:
    """Holds the model and the ROS handles."""

    def __init__(self, detector):
        self.detector = detector
        self.count = 0
        self.pub = rospy.Publisher("detections", DetectionArray, queue_size=5)
        self.pub_image = rospy.Publisher("detections/image", Image, queue_size=2)
        rospy.Service("detect", Detect, self.handle_detect)
        rospy.Subscriber("image", Image, self.on_image, queue_size=1, buff_size=IMAGE_BUFF_SIZE)

    def run(self, image_msg):
        """DetectionArray for an Image message (header copied); raises TodError for bad images."""
        bgr = image_msg_to_bgr(image_msg)
        start = time.perf_counter()
        detections = self.detector.detect(bgr)
        latency_ms = (time.perf_counter() - start) * 1000.0
        self.count += 1
        rospy.logdebug("detector: %d detection(s) in %.1f ms", len(detections), latency_ms)
        if self.count % 100 == 1:
            rospy.loginfo("detector: request %d took %.1f ms (%d detection(s))", self.count, latency_ms,
                          len(detections))
        result = DetectionArray(header=image_msg.header, image_width=bgr.shape[1], image_height=bgr.shape[0],
                                detections=[detection_msg(d) for d in detections], latency_ms=latency_ms)
        return result, bgr, detections

    def handle_detect(self, req):
        """Service handler: never raises for a bad image."""
        try:
            result, _, detections = self.run(req.image)
        except TodError as exc:
            rospy.logwarn("detector: bad request: %s", exc)
            return DetectResponse(success=False, message=str(exc))
        return DetectResponse(success=True, message=f"{len(detections)} detection(s)", result=result)

    def on_image(self, msg):
        """Topic mode: publish the detections of each frame (and the annotated frame when wanted)."""
        try:
            result, bgr, detections = self.run(msg)
        except TodError as exc:
            rospy.logwarn_throttle(5.0, "detector: skipped a frame: %s" % exc)
            return
        self.pub.publish(result)
        if self.pub_image.get_num_connections() > 0:
            annotated = fill_image_msg(Image(), draw_detections(bgr, detections), encoding="bgr8")
            annotated.header = msg.header
            self.pub_image.publish(annotated)


def main():
    """Entry point of ``rosrun tod_ros detector``."""
    rospy.init_node("detector")
    try:
        cfg = load_config(DetectorConfig).validate()
        detector = Detector(cfg)
        rospy.loginfo("detector: loaded %s (%s backend) in %.2f s, labels %s", cfg.model_dir,
                      detector.backend_name, detector.load_seconds, ", ".join(detector.label_map.names))
        rospy.loginfo("detector: warm-up took %.2f s", detector.warm_up())
    except TodError as exc:
        rospy.logfatal("detector: %s", exc)
        time.sleep(0.5)     # let /rosout receive the reason before the node exits
        raise SystemExit(1)
    DetectorNode(detector)
    rospy.loginfo("detector: ready (threshold %.2f, max %d, sort %s)", cfg.score_threshold,
                  cfg.max_detections, cfg.sort)
    rospy.spin()
