"""Training augmentations applied to decoded examples, before Model Garden's parser.

* :class:`Photometric`: brightness, contrast, saturation, hue jitter, random grey-scale
  (tfm's parser only offers scale jitter, flips, JPEG quality, Auto/RandAugment).
* :class:`QuarterTurn`: the whole frame turned by 90, 180 or 270 degrees (a landscape frame
  becomes a portrait one); boxes exact.
* :class:`Rotation`: in-plane rotation by any angle (cubes lie on the table at any angle).
  The image turns about the centre of its boxes on a canvas of the same size (border pixels
  repeated, no black corners); each box becomes the tight box of its rotated corners, which
  is the tight box of the rotated face for a face square to the image axes (as a cube face
  annotated with a tight box is), clipped to the image; boxes left with less than
  ``min_visible`` of their area in the image are dropped.

Both work on the decoder's dict (``image`` uint8 HxWx3, ``groundtruth_boxes`` normalised
``[ymin, xmin, ymax, xmax]``). TensorFlow is imported by this module: training code only.
"""
import math

import numpy as np
import tensorflow as tf

_PER_BOX_KEYS = ("groundtruth_boxes", "groundtruth_classes", "groundtruth_is_crowd", "groundtruth_area")


# Luma weights (as tf.image.rgb_to_grayscale) and the RGB -> YIQ matrix: a hue shift is a
# rotation of the (I, Q) plane about the luma axis, so every colour change below is linear.
_LUMA = ((0.2989, 0.5870, 0.1140),)
_RGB_TO_YIQ = np.array([[0.299, 0.587, 0.114], [0.596, -0.274, -0.322], [0.211, -0.523, 0.312]])
_YIQ_TO_RGB = np.linalg.inv(_RGB_TO_YIQ)


def colour_matrix(saturation, hue, gray):
    """The 3x3 matrix (column vectors) of a saturation factor, a hue shift (in turns, red -> green
    for +1/3 as tf.image.adjust_hue) and, when ``gray`` is true, grey-scale, applied in that order."""
    luma = tf.constant(_LUMA, tf.float32)
    saturation = tf.cast(saturation, tf.float32)
    sat = saturation * tf.eye(3) + (1.0 - saturation) * tf.ones([3, 1]) @ luma
    angle = tf.cast(hue, tf.float32) * (-2.0 * math.pi)
    c, s = tf.cos(angle), tf.sin(angle)
    turn = tf.stack([tf.stack([1.0, 0.0, 0.0]), tf.stack([0.0, c, -s]), tf.stack([0.0, s, c])])
    hue_m = tf.constant(_YIQ_TO_RGB, tf.float32) @ turn @ tf.constant(_RGB_TO_YIQ, tf.float32)
    grey = tf.where(tf.cast(gray, tf.bool), tf.ones([3, 1]) @ luma, tf.eye(3))
    return grey @ hue_m @ sat


def adjust_colours(image, brightness=0.0, contrast=1.0, saturation=1.0, hue=0.0, gray=False):
    """A uint8 RGB image with ``brightness`` added (a share of full scale), contrast scaled about
    each channel's mean, then saturation, hue and grey-scale (:func:`colour_matrix`): one affine
    map of the pixels, rounded and clipped once."""
    x = tf.cast(image, tf.float32)
    contrast = tf.cast(contrast, tf.float32)
    matrix = colour_matrix(saturation, hue, gray)
    mean = tf.reduce_mean(x, axis=[0, 1])
    offset = tf.linalg.matvec(matrix, 255.0 * tf.cast(brightness, tf.float32) + (1.0 - contrast) * mean)
    out = tf.matmul(tf.reshape(x, [-1, 3]), contrast * matrix, transpose_b=True)
    return tf.saturate_cast(tf.reshape(out, tf.shape(x)) + (offset + 0.5), tf.uint8)


class Photometric:
    """Random photometric distortion of a uint8 RGB image (boxes unchanged): brightness delta,
    contrast, saturation and hue factors drawn uniformly, grey-scale with ``grayscale_prob``.

    All of it is one colour matrix per image (:func:`adjust_colours`), about 2x cheaper than
    chaining tf.image's random_* ops, two of which go through HSV and back.
    """

    def __init__(self, brightness=0.0, contrast=0.0, saturation=0.0, hue=0.0, grayscale_prob=0.0):
        self.brightness, self.contrast, self.saturation = brightness, contrast, saturation
        self.hue, self.grayscale_prob = hue, grayscale_prob

    @property
    def active(self):
        return any((self.brightness, self.contrast, self.saturation, self.hue, self.grayscale_prob))

    @staticmethod
    def _uniform(half_width, centre=0.0):
        return tf.random.uniform([], centre - half_width, centre + half_width) if half_width else centre

    def __call__(self, image):
        return adjust_colours(
            image, brightness=self._uniform(self.brightness), contrast=self._uniform(self.contrast, 1.0),
            saturation=tf.maximum(0.0, self._uniform(self.saturation, 1.0)), hue=self._uniform(self.hue),
            gray=tf.random.uniform([]) < self.grayscale_prob if self.grayscale_prob else False)


def rotation_matrix(angle, center):
    """2x3 affine matrix (pixel x, y) of a rotation by ``angle`` radians (clockwise on screen) about ``center``."""
    c, s = tf.cos(angle), tf.sin(angle)
    cx, cy = center[0], center[1]
    return tf.stack([tf.stack([c, -s, cx - c * cx + s * cy]),
                     tf.stack([s, c, cy - s * cx - c * cy])])


def rotate_image(image, angle, center):
    """``image`` (HxWxC uint8) rotated by ``angle`` about ``center`` (pixels), same size, edges repeated."""
    shape = tf.shape(image)
    # output pixel -> input pixel: the inverse rotation
    transform = tf.concat([tf.reshape(rotation_matrix(-angle, center), [-1]), [0.0, 0.0]], 0)
    out = tf.raw_ops.ImageProjectiveTransformV3(
        images=image[tf.newaxis], transforms=transform[tf.newaxis], output_shape=shape[:2],
        fill_value=0.0, interpolation="BILINEAR", fill_mode="NEAREST")
    return out[0]


def rotate_boxes(boxes_px, angle, center):
    """Tight boxes ``[ymin, xmin, ymax, xmax]`` (pixels) of the rotated corners of ``boxes_px``."""
    m = rotation_matrix(angle, center)
    y0, x0, y1, x1 = tf.unstack(boxes_px, axis=-1)
    xs = tf.stack([x0, x1, x1, x0], axis=-1)
    ys = tf.stack([y0, y0, y1, y1], axis=-1)
    rx = m[0, 0] * xs + m[0, 1] * ys + m[0, 2]
    ry = m[1, 0] * xs + m[1, 1] * ys + m[1, 2]
    return tf.stack([tf.reduce_min(ry, -1), tf.reduce_min(rx, -1), tf.reduce_max(ry, -1), tf.reduce_max(rx, -1)], -1)


class Rotation:
    """Random in-plane rotation of an example (see the module docstring).

    ``max_angle`` degrees (180 = the full circle), applied with probability ``prob``.
    """

    def __init__(self, max_angle=180.0, prob=0.0, min_visible=0.4):
        self.max_angle, self.prob, self.min_visible = float(max_angle), float(prob), float(min_visible)

    @property
    def active(self):
        return self.prob > 0 and self.max_angle > 0

    def __call__(self, data):
        apply = tf.random.uniform([]) < self.prob
        angle = tf.random.uniform([], -self.max_angle, self.max_angle) * (math.pi / 180.0)
        return tf.cond(apply, lambda: self.rotate(data, angle), lambda: dict(data))

    def rotate(self, data, angle):
        """``data`` rotated by ``angle`` radians about the centre of its boxes."""
        data = dict(data)
        image = data["image"]
        hw = tf.cast(tf.shape(image)[:2], tf.float32)
        scale = tf.stack([hw[0], hw[1], hw[0], hw[1]])
        boxes = data["groundtruth_boxes"] * scale
        center = tf.cond(tf.shape(boxes)[0] > 0,
                         lambda: tf.stack([tf.reduce_mean(boxes[:, 1] + boxes[:, 3]) / 2,
                                           tf.reduce_mean(boxes[:, 0] + boxes[:, 2]) / 2]),
                         lambda: tf.stack([hw[1] / 2, hw[0] / 2]))
        data["image"] = rotate_image(image, angle, center)
        turned = rotate_boxes(boxes, angle, center)
        clipped = tf.clip_by_value(turned, 0.0, tf.stack([hw[0], hw[1], hw[0], hw[1]]))
        area = (turned[:, 2] - turned[:, 0]) * (turned[:, 3] - turned[:, 1])
        kept = (clipped[:, 2] - clipped[:, 0]) * (clipped[:, 3] - clipped[:, 1])
        keep = kept >= self.min_visible * tf.maximum(area, 1e-6)
        for key in _PER_BOX_KEYS:
            if key in data:
                data[key] = tf.boolean_mask(data[key], keep)
        data["groundtruth_boxes"] = tf.boolean_mask(clipped, keep) / scale
        return data


def quarter_turn_boxes(boxes, k):
    """Normalised ``[ymin, xmin, ymax, xmax]`` boxes after ``tf.image.rot90(image, k)`` (counter-clockwise)."""
    y0, x0, y1, x1 = tf.unstack(boxes, axis=-1)
    options = tf.stack([tf.stack([y0, x0, y1, x1], -1), tf.stack([1 - x1, y0, 1 - x0, y1], -1),
                        tf.stack([1 - y1, 1 - x1, 1 - y0, 1 - x0], -1), tf.stack([x0, 1 - y1, x1, 1 - y0], -1)])
    return tf.gather(options, tf.math.floormod(k, 4))


class QuarterTurn:
    """With probability ``prob``, the frame turned by a random multiple of 90 degrees (boxes exact)."""

    def __init__(self, prob=0.0):
        self.prob = float(prob)

    @property
    def active(self):
        return self.prob > 0

    def __call__(self, data):
        k = tf.where(tf.random.uniform([]) < self.prob, tf.random.uniform([], 1, 4, tf.int32), 0)
        return self.turn(data, k)

    @staticmethod
    def turn(data, k):
        """``data`` with its image turned ``k`` quarter turns counter-clockwise."""
        data = dict(data)
        data["image"] = tf.image.rot90(data["image"], k)
        data["groundtruth_boxes"] = quarter_turn_boxes(data["groundtruth_boxes"], k)
        return data
