"""The TFLite conversion shared by ``model.tflite`` (:mod:`tod_ros.training.export`) and
``model_int8.tflite`` (:mod:`tod_ros.training.quantize`): uint8 letterboxed canvas in, TFLite's
``TFLite_Detection_PostProcess`` NMS out (see :func:`tod_ros.imageops.letterbox` and docs/training.md).
"""
from tod_ros.nativelog import native_log_captured


def tflite_function(model, config, num_labels, normalize=None, calibration=None):
    """Concrete function for TFLite: uint8 canvas in, TFLite NMS out (classes = label-map ids).

    ``normalize`` (uint8 images -> normalised float images) defaults to Model Garden's
    ``normalize_image`` (the int8 export passes an equivalent that quantizes better); ``calibration``:
    the score calibration, as in the SavedModel.
    """
    import tensorflow as tf

    from tod_ros.training.score_calibration import apply
    from official.vision.modeling.layers.detection_generator import _generate_detections_tflite_implements_signature
    from official.vision.ops import anchor, preprocess_ops

    h, w = config.input_height, config.input_width
    anchors = anchor.build_anchor_generator(
        min_level=config.min_level, max_level=config.max_level, num_scales=config.anchor_scales,
        aspect_ratios=list(config.anchor_aspect_ratios), anchor_size=config.anchor_size)(image_size=(h, w))
    nms = {"max_detections": config.max_total_detections, "max_classes_per_detection": 1,
           "detections_per_class": config.max_detections_per_class, "use_regular_nms": False,
           "nms_score_threshold": config.pre_nms_score_threshold, "nms_iou_threshold": config.nms_iou_threshold,
           "num_classes": num_labels}   # < score columns: TFLite skips column 0 (background)

    @tf.function(experimental_implements=_generate_detections_tflite_implements_signature(nms))
    def post_process(box_encodings, class_predictions, anchor_boxes):  # replaced by the TFLite custom op
        del box_encodings, class_predictions, anchor_boxes
        zero = tf.constant(0.0)
        return zero, zero, zero, zero

    @tf.function(input_signature=[tf.TensorSpec([1, h, w, 3], tf.uint8, name="input_tensor")])
    def detect(input_tensor):
        images = (normalize or preprocess_ops.normalize_image)(input_tensor)  # to [0, 1], then ImageNet mean/std
        features = model.backbone(images, training=False)
        if model.decoder is not None:
            features = model.decoder(features, training=False)
        raw_scores, raw_boxes, _ = model.head(features, training=False)
        levels = range(config.min_level, config.max_level + 1)
        scores = tf.sigmoid(tf.concat([tf.reshape(raw_scores[str(lv)], [1, -1, num_labels + 1]) for lv in levels], 1))
        boxes = tf.concat([tf.reshape(raw_boxes[str(lv)], [1, -1, 4]) for lv in levels], 1)
        a = tf.concat([tf.reshape(anchors[str(lv)], [-1, 4]) for lv in levels], 0)
        a = a / tf.constant([h, w, h, w], tf.float32)
        a = tf.stack([(a[:, 0] + a[:, 2]) / 2, (a[:, 1] + a[:, 3]) / 2, a[:, 2] - a[:, 0], a[:, 3] - a[:, 1]], -1)
        det_boxes, det_classes, det_scores, num = post_process(boxes, scores, a)
        classes = tf.cast(tf.cast(det_classes, tf.int32) + 1, tf.float32)   # integer add: never quantized
        return {"detection_boxes": det_boxes, "detection_classes": classes,
                "detection_scores": apply(tf, det_scores, calibration), "num_detections": num}

    return detect.get_concrete_function()


def convert_tflite(model, config, num_labels, scores=None):
    """The ``model.tflite`` bytes (float32 weights, TFLite detection post-processing, calibrated ``scores``)."""
    import tensorflow as tf

    fn = tflite_function(model, config, num_labels, calibration=scores)
    converter = tf.lite.TFLiteConverter.from_concrete_functions([fn], model)
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS]
    with native_log_captured():
        return converter.convert()
