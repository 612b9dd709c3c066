"""Shared tiny data sets and configurations of the training / export tests (no tests here).

Records are made by the project's own pipeline (``tod_ros.dataset.synth`` -> ``convert_folder``),
small images with large cubes so that a few dozen steps of a tiny RetinaNet learn something.
"""
from pathlib import Path

from tod_ros.dataset.convert import convert_folder
from tod_ros.dataset.labelmap import LabelMap
from tod_ros.dataset.synth import SynthConfig, generate

# 128x160 input, MobileNetV2 x0.35, batch 2: each step is a fraction of a second on 2 cores.
# No rotation augmentation: the few steps of these tests learn upright cubes (test_augment covers it).
TINY = ["input_height=128", "input_width=160", "backbone_width=0.35", "batch_size=2", "fpn_filters=32",
        "log_every=2", "checkpoint_every=2", "warmup_steps=0", "shuffle_buffer=16", "eval_batch_size=4",
        "aug_rotation_prob=0", "aug_quarter_turn_prob=0"]
# The 60-step model the export/serving tests load must detect something; without colour jitter it
# learns the fixture's cubes sooner (with it, a 60-step run can end with a model that detects nothing).
NO_PHOTOMETRIC = ["aug_brightness=0", "aug_contrast=0", "aug_saturation=0", "aug_hue=0", "aug_grayscale_prob=0"]

# Dark tables and plain light: a few dozen steps learn these scenes (the other tables and lights of
# tod synth are for models trained for minutes).
EASY_SCENES = dict(tables=("dark",), gain=(0.4, 1.2), p_light_gradient=0.0, p_room_shadow=0.0, p_colour_cast=0.0,
                   p_perspective=0.0)

def make_records(root, labels=None, n_train=8, n_test=4, seed=0):
    """``(label_map, train_record, test_record)`` of small synthetic cube images under ``root``."""
    root = Path(root)
    cfg = SynthConfig(width=160, height=128, face_size=(40.0, 60.0), max_cubes=2, max_clutter=1,
                      p_blank_cube=0.0, p_white_distractor=0.0, **EASY_SCENES)
    generate(root / "images" / "train", n_train, seed=seed, config=cfg)
    generate(root / "images" / "test", n_test, seed=seed + 1000, config=cfg)
    lm = LabelMap.from_names(labels) if labels else None
    lm_path = root / "label_map.pbtxt"
    convert_folder(root / "images" / "train", root / "train.record", label_map=lm, label_map_path=lm_path)
    convert_folder(root / "images" / "test", root / "test.record", label_map=lm, label_map_path=lm_path)
    return lm_path, root / "train.record", root / "test.record"


def data_overrides(label_map, train_record, test_record=None):
    """key=value items naming a data set made by :func:`make_records`."""
    items = [f"label_map={label_map}", f"train_records={train_record}"]
    return items + ([f"eval_records={test_record}"] if test_record else [])
