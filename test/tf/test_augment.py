"""In-plane rotation and photometric augmentation (tod_ros.training.augment) on decoded examples."""
import math

import numpy as np
import pytest
import tensorflow as tf

from test_train_fixtures import TINY, data_overrides
from tod_ros.training.augment import Photometric, Rotation, adjust_colours
from tod_ros.training.config import load_config
from tod_ros.training.trainer import train

pytestmark = pytest.mark.tf

H, W = 120, 160


def _example(boxes_px):
    """A dark image with a white axis-aligned square per box, and the decoder's dict for it."""
    img = np.full((H, W, 3), 10, np.uint8)
    for x0, y0, x1, y1 in boxes_px:
        img[y0:y1, x0:x1] = 250
    norm = [[y0 / H, x0 / W, y1 / H, x1 / W] for x0, y0, x1, y1 in boxes_px]
    n = len(boxes_px)
    return {"image": tf.constant(img), "groundtruth_boxes": tf.constant(norm, tf.float32),
            "groundtruth_classes": tf.constant([1] * n, tf.int64),
            "groundtruth_is_crowd": tf.constant([False] * n),
            "groundtruth_area": tf.constant([1.0] * n, tf.float32)}


def _bright_box(img):
    ys, xs = np.nonzero(img[..., 0] > 128)
    return np.array([ys.min() / H, xs.min() / W, (ys.max() + 1) / H, (xs.max() + 1) / W])


def _iou(a, b):
    iy = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    ix = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = iy * ix
    return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter)


@pytest.mark.parametrize("degrees", [90, 180, -90, 30, 45, 137])
def test_rotated_box_is_the_tight_box_of_the_rotated_face(degrees):
    data = _example([(60, 40, 90, 70)])
    out = Rotation().rotate(data, tf.constant(math.radians(degrees)))
    assert out["image"].shape == (H, W, 3) and out["image"].dtype == tf.uint8
    box = out["groundtruth_boxes"].numpy()
    assert box.shape == (1, 4)
    assert _iou(box[0], _bright_box(out["image"].numpy())) > 0.85


def test_boxes_mostly_outside_are_dropped_with_their_labels():
    data = _example([(2, 2, 22, 22), (70, 50, 90, 70), (130, 90, 158, 118)])
    out = Rotation(min_visible=0.6).rotate(data, tf.constant(math.radians(45)))
    n = int(out["groundtruth_boxes"].shape[0])
    assert 1 <= n <= 3
    for key in ("groundtruth_classes", "groundtruth_is_crowd", "groundtruth_area"):
        assert int(out[key].shape[0]) == n
    boxes = out["groundtruth_boxes"].numpy()
    assert (boxes >= 0).all() and (boxes <= 1).all()


def test_rotation_probability_zero_and_one():
    data = _example([(60, 40, 90, 70)])
    same = Rotation(prob=0.0, max_angle=180)(data)
    assert np.array_equal(same["image"].numpy(), data["image"].numpy())
    assert not Rotation(prob=0.0).active and Rotation(prob=0.5).active
    tf.random.set_seed(1)
    turned = [Rotation(prob=1.0, max_angle=180)(data)["groundtruth_boxes"].numpy()[0] for _ in range(6)]
    assert any(not np.allclose(b, data["groundtruth_boxes"].numpy()[0], atol=1e-3) for b in turned)


def _random_image(seed=0, shape=(24, 32, 3)):
    return tf.constant(np.random.RandomState(seed).randint(0, 256, shape).astype(np.uint8))


def _float(img):
    return tf.image.convert_image_dtype(img, tf.float32)


def _as_uint8(x):
    return tf.image.convert_image_dtype(tf.clip_by_value(x, 0.0, 1.0), tf.uint8, saturate=True).numpy().astype(int)


def test_photometric_keeps_shape_and_type():
    img = tf.constant(np.full((8, 8, 3), 128, np.uint8))
    out = Photometric(brightness=0.2, contrast=0.3, saturation=0.3, hue=0.03, grayscale_prob=0.5)(img)
    assert out.shape == (8, 8, 3) and out.dtype == tf.uint8


def test_neutral_colour_change_is_the_identity():
    img = _random_image()
    assert np.array_equal(adjust_colours(img).numpy(), img.numpy())
    assert np.array_equal(adjust_colours(img, hue=1.0).numpy(), img.numpy())   # a full turn


def test_brightness_and_contrast_are_tf_images():
    img = _random_image(1)
    ours = adjust_colours(img, brightness=0.1).numpy().astype(int)
    assert np.abs(ours - _as_uint8(tf.image.adjust_brightness(_float(img), 0.1))).max() <= 1
    ours = adjust_colours(img, contrast=0.6).numpy().astype(int)
    assert np.abs(ours - _as_uint8(tf.image.adjust_contrast(_float(img), 0.6))).max() <= 1


def test_grey_and_zero_saturation_give_the_luma_on_every_channel():
    img = _random_image(2)
    luma = _as_uint8(tf.image.rgb_to_grayscale(_float(img)))[..., 0]
    for out in (adjust_colours(img, gray=True), adjust_colours(img, saturation=0.0)):
        out = out.numpy().astype(int)
        assert np.abs(out - luma[..., None]).max() <= 1


def test_hue_turns_colours_as_tf_image_and_leaves_greys():
    red = tf.constant(np.tile(np.array([200, 30, 30], np.uint8), (4, 4, 1)))
    assert np.argmax(adjust_colours(red, hue=1 / 3).numpy()[0, 0]) == 1    # red -> green
    assert np.argmax(adjust_colours(red, hue=-1 / 3).numpy()[0, 0]) == 2   # red -> blue
    # A small shift turns red towards orange as tf.image does (a YIQ turn keeps the luma, HSV the max).
    small = adjust_colours(red, hue=0.03).numpy()[0, 0].astype(int)
    tf_small = _as_uint8(tf.image.adjust_hue(_float(red), 0.03))[0, 0]
    assert small[1] > 30 and tf_small[1] > 30 and small[0] > 150 and abs(small[0] - tf_small[0]) <= 10
    grey = tf.constant(np.full((4, 4, 3), 90, np.uint8))
    assert np.array_equal(adjust_colours(grey, hue=0.2, saturation=1.5).numpy(), grey.numpy())


def test_training_with_rotation_runs(small_records, tmp_path):
    lm, tr, _ = small_records
    config = load_config(None, TINY + data_overrides(lm, tr) + [
        f"model_dir={tmp_path / 'm'}", "num_steps=2", "aug_rotation_prob=1.0", "aug_rotation=180",
        "aug_quarter_turn_prob=1.0"])
    result = train(config)
    assert result.final_step == 2 and all(np.isfinite(loss) for _, loss, _ in result.history)


@pytest.mark.parametrize("k", [0, 1, 2, 3])
def test_quarter_turn_boxes_follow_the_pixels_exactly(k):
    from tod_ros.training.augment import QuarterTurn
    data = _example([(60, 40, 90, 70)])
    out = QuarterTurn.turn(data, tf.constant(k))
    img = out["image"].numpy()
    h, w = img.shape[:2]
    assert (h, w) == ((H, W) if k % 2 == 0 else (W, H))
    ys, xs = np.nonzero(img[..., 0] > 128)
    expect = [ys.min() / h, xs.min() / w, (ys.max() + 1) / h, (xs.max() + 1) / w]
    assert np.allclose(out["groundtruth_boxes"].numpy()[0], expect, atol=1e-6)
