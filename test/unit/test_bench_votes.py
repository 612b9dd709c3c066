"""bench/votes (no TensorFlow): the vote of several readings of one photo, and boxes turned back from quarter turns."""
import dataclasses
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tod_ros.dataset.rotate import ANGLES, rotate_annotation, rotate_box
from tod_ros.dataset.voc import VocAnnotation, VocObject
from tod_ros.evaluation.metrics import Prediction


@pytest.fixture
def votes(bench_script):
    return bench_script("votes")


def P(label, score, box, image="a.png"):
    return Prediction(image, label, score, box)


def test_overlapping_boxes_are_one_box_of_the_class_with_most_score(votes):
    views = [[P("one", 0.9, (10, 10, 50, 50))],
             [P("two", 0.6, (12, 11, 51, 50))],
             [P("two", 0.5, (11, 10, 50, 52))]]
    merged = votes.vote(views)
    assert len(merged) == 1
    assert merged[0].label == "two" and merged[0].score == pytest.approx((0.6 + 0.5) / 3)
    assert merged[0].box == (10, 10, 50, 50)      # the box of the best-scored member


def test_separate_boxes_stay_separate_and_a_lone_reading_counts_for_its_share(votes):
    views = [[P("one", 0.8, (0, 0, 40, 40)), P("two", 0.9, (100, 100, 140, 140))],
             [P("two", 0.7, (101, 100, 140, 141))]]
    merged = sorted(votes.vote(views), key=lambda p: p.box)
    assert [(p.label, round(p.score, 3)) for p in merged] == [("one", 0.4), ("two", 0.8)]


def test_the_vote_of_identical_readings_is_the_reading(votes):
    reading = [P("one", 0.8, (0, 0, 40, 40)), P("two", 0.3, (100, 100, 140, 140))]
    assert sorted(votes.vote([reading, reading, reading]), key=lambda p: p.box) == reading


def test_quarter_turn_vote_turns_each_view_back_to_the_photo(votes):
    """A perfect reader of each turned view: the vote puts every box back where it is at that angle."""
    ann = VocAnnotation("a.png", 640, 480, objects=[VocObject("two", 100, 50, 220, 160)])
    sets = {}
    for angle in ANGLES:
        turned = dataclasses.replace(rotate_annotation(ann, angle), image_path=Path("a.png"))
        sets[angle] = [(turned, np.zeros((turned.height, turned.width, 3), np.uint8))]
    truth = {a: rotate_box((100, 50, 220, 160), 640, 480, a) for a in ANGLES}
    preds = {a: {"a.png": [P("two", 0.9, truth[a])]} for a in ANGLES}
    for angle in ANGLES:
        merged = votes.quarter_turn_vote(preds, sets, angle)["a.png"]
        assert len(merged) == 1, angle
        assert np.allclose(merged[0].box, truth[angle]) and merged[0].score == pytest.approx(0.9)


def test_a_folder_without_annotations_is_one_line_not_a_traceback(repo, tmp_path, cube_label_map_file):
    empty = tmp_path / "photos"
    empty.mkdir()
    res = subprocess.run([sys.executable, str(repo / "bench" / "votes"),
                          "--model", str(tmp_path), "--real", str(empty)],
                         capture_output=True, text=True, timeout=60)
    assert res.returncode == 1 and "Traceback" not in res.stderr
    assert res.stderr.startswith(f"bench/votes: {empty}: no labelImg XML file")
