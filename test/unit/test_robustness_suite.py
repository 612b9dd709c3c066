"""The robustness suite's rows: exact boxes under every condition, and its scoring."""
import cv2
import numpy as np
import pytest

from tod_ros.errors import TodError
from tod_ros.evaluation import suite


def _sample():
    """A dark photo with two white faces (one turned), boxes = the faces' tight boxes."""
    img = np.full((240, 320, 3), 30, np.uint8)
    cv2.rectangle(img, (40, 60), (119, 139), (235, 235, 235), -1)
    quad = cv2.boxPoints(((220.0, 150.0), (70.0, 70.0), 30.0))
    cv2.fillConvexPoly(img, np.round(quad).astype(np.int32), (225, 230, 235))
    x0, y0 = np.floor(quad.min(0)); x1, y1 = np.ceil(quad.max(0))
    return suite.Sample("s.png", img, ["one", "two"], [(40, 60, 120, 140), (x0, y0, x1, y1)])


@pytest.fixture(scope="module")
def tables():
    return suite.surfaces()


def test_every_row_keeps_a_box_a_face(tables):
    s = _sample()
    rng = np.random.default_rng(0)
    for row in suite.ROWS:
        img, boxes = suite.variant(row, s, rng, tables)
        assert img.dtype == np.uint8 and len(boxes) == 2, row
        for b in boxes:
            assert 0 <= b[0] < b[2] <= img.shape[1] and 0 <= b[1] < b[3] <= img.shape[0], row
            centre = img[int((b[1] + b[3]) / 2), int((b[0] + b[2]) / 2)]
            assert centre.mean() > (90 if row == "dark" else 150), f"{row}: the box's centre is not on a face"


def test_quarter_turns_map_boxes_exactly():
    s = _sample()
    img, boxes = suite.variant("turn_90", s, np.random.default_rng(0))
    assert img.shape[:2] == (320, 240)
    # clockwise: x' = H - y, y' = x  (H = 240)
    assert boxes[0] == pytest.approx((100, 40, 180, 120))


def test_a_free_turn_gives_the_tight_box_of_the_turned_face():
    s = _sample()
    img, boxes = suite._turn(s, 45.0)
    quad = cv2.boxPoints(((80.0, 100.0), (80.0, 80.0), 0.0))     # the first face (corners of its box)
    m = cv2.getRotationMatrix2D((160, 120), 45.0, 1.0)
    m[:, 2] += [(img.shape[1] - 320) / 2, (img.shape[0] - 240) / 2]
    turned = quad @ m[:, :2].T + m[:, 2]
    expected = (*turned.min(0), *turned.max(0))
    assert boxes[0] == pytest.approx(expected, abs=2.5)
    assert img.shape[0] > 240 and img.shape[1] > 320          # nothing of the photo is cut


def test_table_rows_replace_the_background_not_the_faces(tables):
    s = _sample()
    img, _ = suite.variant("table_light", s, np.random.default_rng(0), tables)
    assert img[5:30, 5:30].mean() > 120                      # the light table around
    assert img[80:120, 60:100].mean() > 200                  # the face kept


def test_unknown_row_is_refused():
    with pytest.raises(TodError, match="unknown robustness row"):
        suite.variant("underwater", _sample(), np.random.default_rng(0))


def test_score_row_counts_map_true_and_false_scores():
    truths = {"a": [("one", (0, 0, 10, 10)), ("two", (20, 0, 30, 10))], "b": [("one", (0, 0, 10, 10))]}
    dets = {"a": [("one", 0.95, (0, 0, 10, 10)), ("two", 0.9, (20, 0, 30, 10)), ("one", 0.3, (50, 50, 60, 60))],
            "b": [("two", 0.6, (0, 0, 10, 10))]}
    r = suite.score_row("x", truths, dets, ["one", "two"])
    assert (r.images, r.boxes) == (2, 3)
    assert r.median_true_score == pytest.approx(0.925) and r.max_false_score == pytest.approx(0.6)
    assert r.map50 == pytest.approx(0.75)      # one: 1 of 2 found (AP 0.5); two: AP 1.0
    assert "0.750" in suite.format_rows([r])[1]


def test_variants_are_written_as_a_labelled_folder(tmp_path, cube_label_map_file):
    from tod_ros.dataset.labelmap import read_label_map
    from tod_ros.dataset.voc import VocAnnotation, VocObject, read_folder, write_voc

    s = _sample()
    cv2.imwrite(str(tmp_path / "s.png"), s.bgr)
    write_voc(tmp_path / "s.xml", VocAnnotation("s.png", 320, 240, objects=[
        VocObject(lab, *(int(round(v)) for v in b)) for lab, b in zip(s.labels, s.boxes)], path="s.png"))
    suite.write_variants(tmp_path, tmp_path / "out", "turn_90", read_label_map(cube_label_map_file))
    (ann,) = read_folder(tmp_path / "out")
    assert (ann.width, ann.height) == (240, 320)
    assert [o.name for o in ann.objects] == ["one", "two"]
    assert (ann.objects[0].xmin, ann.objects[0].ymin, ann.objects[0].xmax, ann.objects[0].ymax) == (100, 40, 180, 120)
