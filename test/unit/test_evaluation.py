"""Detection metrics on hand-made boxes (no TensorFlow): COCO via pycocotools, VOC AP, per-image errors."""
import math

import numpy as np
import pytest

from tod_ros.evaluation.metrics import (GroundTruth, Prediction, coco_metrics, evaluate, image_errors, iou,
                                        pr_curve, voc_ap, worst_images)

CLASSES = ["one", "two"]
SIZE = (640, 480)

# Three images: a has one + two, b has two ones, c has nothing (negative image).
GT = [
    GroundTruth("a.png", "one", (100, 100, 200, 200)),
    GroundTruth("a.png", "two", (300, 100, 400, 200)),
    GroundTruth("b.png", "one", (50, 50, 150, 150)),
    GroundTruth("b.png", "one", (400, 300, 500, 400)),
]
IMAGES = {"a.png": SIZE, "b.png": SIZE, "c.png": SIZE}


def perfect(score=0.9):
    return [Prediction(g.image, g.label, score - 0.01 * i, g.box) for i, g in enumerate(GT)]


def shifted(box, dx):
    return (box[0] + dx, box[1], box[2] + dx, box[3])


def test_iou_of_identical_disjoint_and_half_overlapping_boxes():
    assert iou((0, 0, 10, 10), (0, 0, 10, 10)) == 1.0
    assert iou((0, 0, 10, 10), (20, 20, 30, 30)) == 0.0
    assert iou((0, 0, 10, 10), (10, 0, 20, 10)) == 0.0          # touching edges
    assert iou((0, 0, 10, 10), (5, 0, 15, 10)) == pytest.approx(50 / 150)
    assert iou((0, 0, 0, 10), (0, 0, 0, 10)) == 0.0              # empty boxes


def test_perfect_detections_score_one_everywhere():
    res = evaluate(GT, perfect(), IMAGES, CLASSES)
    for key in ("mAP", "mAP@0.5", "mAP@0.75", "AR@100"):
        assert res.coco[key] == pytest.approx(1.0), key
    assert res.per_class == {"one": pytest.approx(1.0), "two": pytest.approx(1.0)}
    assert res.coco["per_class"] == {"one": pytest.approx(1.0), "two": pytest.approx(1.0)}
    assert res.error_totals() == {"correct": 4, "missed": 0, "false_positives": 0, "wrong_class": 0}
    assert worst_images(res.errors) == []
    assert (res.num_images, res.num_ground_truth, res.num_predictions) == (3, 4, 4)


def test_a_missed_box_lowers_recall_and_ap_of_its_class_only():
    preds = [p for p in perfect() if not (p.image == "b.png" and p.box[0] == 400)]
    res = evaluate(GT, preds, IMAGES, CLASSES)
    assert res.per_class["one"] == pytest.approx(2 / 3)      # recall stops at 2/3, precision 1
    assert res.per_class["two"] == pytest.approx(1.0)
    assert res.coco["mAP@0.5"] == pytest.approx((2 / 3 + 1) / 2, abs=0.01)  # 101-point interpolation
    assert res.coco["AR@100"] == pytest.approx((2 / 3 + 1) / 2)
    worst = worst_images(res.errors)
    assert [w.image for w in worst] == ["b.png"]
    assert worst[0].missed == [GT[3]] and worst[0].summary() == "1 missed"


def test_a_high_scoring_false_positive_costs_precision():
    fp = Prediction("c.png", "one", 0.99, (10, 10, 60, 60))     # on the negative image, ranked first
    res = evaluate(GT, perfect() + [fp], IMAGES, CLASSES)
    # class one: FP, TP, TP, TP -> precision envelope 0.75 over the whole recall range
    assert res.per_class["one"] == pytest.approx(0.75)
    assert res.per_class["two"] == pytest.approx(1.0)
    assert res.coco["mAP"] < 1.0 and res.coco["AR@100"] == pytest.approx(1.0)
    assert [(w.image, len(w.false_positives)) for w in worst_images(res.errors)] == [("c.png", 1)]


def test_a_low_scoring_false_positive_does_not_change_ap():
    fp = Prediction("c.png", "one", 0.02, (10, 10, 60, 60))
    res = evaluate(GT, perfect() + [fp], IMAGES, CLASSES)
    assert res.per_class["one"] == pytest.approx(1.0)
    assert res.coco["mAP"] == pytest.approx(1.0)
    assert worst_images(res.errors) == []        # below the error score threshold (0.5)


def test_wrong_class_is_a_miss_for_one_class_and_a_false_positive_for_the_other():
    preds = perfect()
    preds[1] = Prediction("a.png", "one", 0.95, GT[1].box)    # the 'two' box called 'one'
    res = evaluate(GT, preds, IMAGES, CLASSES)
    assert res.per_class["two"] == 0.0
    assert res.per_class["one"] < 1.0
    assert res.coco["per_class"]["two"] == 0.0
    errs = worst_images(res.errors)
    assert [e.image for e in errs] == ["a.png"]
    assert len(errs[0].wrong_class) == 1 and not errs[0].missed and not errs[0].false_positives
    pred, gt = errs[0].wrong_class[0]
    assert (pred.label, gt.label) == ("one", "two")


def test_duplicate_detection_is_a_false_positive():
    dup = Prediction("a.png", "one", 0.5, shifted(GT[0].box, 5))
    res = evaluate(GT, perfect() + [dup], IMAGES, CLASSES)
    e = {x.image: x for x in res.errors}["a.png"]
    assert len(e.correct) == 2 and len(e.false_positives) == 1 and e.false_positives[0] == dup
    assert res.per_class["one"] == pytest.approx(1.0)   # ranked after all true positives


def test_loose_box_counts_at_iou_05_but_not_at_075():
    # a box shifted by 20 px: IoU 80/120 = 0.667 (>= 0.5, < 0.75)
    preds = [Prediction(g.image, g.label, 0.9, shifted(g.box, 20)) for g in GT]
    assert iou(preds[0].box, GT[0].box) == pytest.approx(2 / 3)
    res = evaluate(GT, preds, IMAGES, CLASSES)
    assert res.coco["mAP@0.5"] == pytest.approx(1.0)
    assert res.coco["mAP@0.75"] == pytest.approx(0.0)
    assert 0.0 < res.coco["mAP"] < 1.0
    assert res.per_class["one"] == pytest.approx(1.0)
    errs = image_errors("a.png", GT[:2], preds[:2], iou_threshold=0.75)
    assert len(errs.missed) == 2 and len(errs.false_positives) == 2


def test_no_detection_at_all_gives_zeros_not_an_error():
    res = evaluate(GT, [], IMAGES, CLASSES)
    assert res.coco["mAP"] == 0.0 and res.coco["AR@100"] == 0.0
    assert res.per_class == {"one": 0.0, "two": 0.0}
    assert [w.image for w in worst_images(res.errors)] == ["a.png", "b.png"]   # 2 misses each, by name


def test_class_without_ground_truth_is_none_not_zero():
    gt = [g for g in GT if g.label == "one"]
    preds = [p for p in perfect() if p.label == "one"]
    res = evaluate(gt, preds, IMAGES, CLASSES)
    assert res.per_class == {"one": pytest.approx(1.0), "two": None}
    assert res.coco["per_class"]["two"] is None
    assert res.coco["mAP"] == pytest.approx(1.0)


def test_no_ground_truth_at_all_gives_none():
    res = coco_metrics([], [Prediction("c.png", "one", 0.9, (0, 0, 10, 10))], IMAGES, CLASSES)
    assert res["mAP"] is None and res["per_class"] == {"one": None, "two": None}


def test_difficult_boxes_are_neither_required_nor_false_positives():
    gt = GT + [GroundTruth("c.png", "two", (10, 10, 60, 60), difficult=True)]
    hit = Prediction("c.png", "two", 0.97, (10, 10, 60, 60))
    for preds in (perfect(), perfect() + [hit]):
        res = evaluate(gt, preds, IMAGES, CLASSES)
        assert res.per_class["two"] == pytest.approx(1.0)
        assert res.coco["mAP"] == pytest.approx(1.0)
        assert worst_images(res.errors) == []


def test_voc_ap_all_point_interpolation_by_hand():
    # TP, FP, TP with 2 boxes: recall .5 .5 1, precision 1 .5 .667 -> 0.5*1 + 0.5*0.667
    assert voc_ap([0.5, 0.5, 1.0], [1.0, 0.5, 2 / 3]) == pytest.approx(0.5 + 1 / 3)
    assert voc_ap([], []) == 0.0


def test_pr_curve_arrays_follow_decreasing_scores():
    preds = perfect() + [Prediction("c.png", "one", 0.8, (0, 0, 30, 30))]
    curve = pr_curve(GT, preds, "one")
    assert curve.num_gt == 3
    assert np.all(np.diff(curve.scores) <= 0)
    assert curve.recall.tolist() == pytest.approx([1 / 3, 2 / 3, 1.0, 1.0])
    assert curve.precision.tolist() == pytest.approx([1.0, 1.0, 1.0, 0.75])
    assert not math.isnan(curve.ap)


def test_detections_of_unknown_classes_are_errors_but_not_in_the_metrics():
    odd = Prediction("a.png", "three", 0.99, GT[0].box)
    res = evaluate(GT, perfect() + [odd], IMAGES, CLASSES)
    assert res.coco["mAP"] == pytest.approx(1.0)
    e = {x.image: x for x in res.errors}["a.png"]
    # the unknown label takes the box first (best score): wrong class, then 'one' finds nothing left
    assert len(e.wrong_class) == 1 and e.wrong_class[0][0] == odd and len(e.false_positives) == 1


# --------------------------------------------------------------------------- tod detect's output (no model)

def _det(label, class_id, score, box, size=(640, 480)):
    from tod_ros.detection import Detection

    ymin, xmin, ymax, xmax = box
    w, h = size
    return Detection(label, class_id, score, box, (xmin * w, ymin * h, xmax * w, ymax * h))


def test_detect_prints_a_table_and_json_entries():
    from tod_ros.evaluation.batch import format_result, result_entry

    dets = [_det("two", 2, 0.999408, (0.4046488, 0.13016616, 0.6338345, 0.31058723)),
            _det("one", 1, 0.99929774, (0.40798646, 0.56277716, 0.63340956, 0.7373474))]
    lines = format_result("images/faces_cubes/test/image016.png", dets, "[1/3] ", 38.2)
    assert lines == ["[1/3] images/faces_cubes/test/image016.png: 2 object(s): two one (38 ms)",
                     "   #  label  score   xmin   ymin   xmax   ymax",
                     "   1  two    0.999     83    194    199    304",
                     "   2  one    0.999    360    196    472    304"]
    assert not any("[" in line for line in lines[1:])          # no numpy array printed
    assert format_result("x.png", []) == ["x.png: 0 object(s)"]
    entry = result_entry("x.png", dets)
    assert entry["image"] == "x.png"
    first = entry["detections"][0]
    assert (first["label"], first["class_id"], first["score"]) == ("two", 2, 0.999408)
    assert first["box"] == pytest.approx([0.404649, 0.130166, 0.633835, 0.310587], abs=2e-6)
    assert list(first) == ["label", "class_id", "score", "box"]


def test_detect_collects_images_and_names_what_is_missing(tmp_path):
    from tod_ros.errors import TodError
    from tod_ros.evaluation.batch import collect_images

    for name in ("b.png", "a.jpg", "notes.txt"):
        (tmp_path / name).write_bytes(b"x")
    assert [p.name for p in collect_images([tmp_path])] == ["a.jpg", "b.png"]
    assert [p.name for p in collect_images([tmp_path / "b.png", tmp_path])] == ["b.png", "a.jpg", "b.png"]
    with pytest.raises(TodError, match="no such image or folder"):
        collect_images([tmp_path / "nope.png"])
    (tmp_path / "empty").mkdir()
    with pytest.raises(TodError, match="no image"):
        collect_images([tmp_path / "empty"])


def _table(gts, preds, images):
    from tod_ros.evaluation.runner import EvalConfig, format_table, metrics_dict

    res = evaluate(gts, preds, images, CLASSES)
    return format_table(metrics_dict(res, EvalConfig(), {"pr_curves": {}, "worst_images": [], "out_dir": "o"}), res)


def test_eval_table_cautions_when_it_rests_on_fewer_than_ten_boxes():
    lines = _table(GT, perfect(), IMAGES)
    assert "  mAP@0.5       1.000" in lines
    assert lines[-1].startswith("caution: these figures rest on 4 box(es) in 3 image(s), fewer than 10: "
                                "one box more or less moves them by up to 25%")
    many = [GroundTruth(f"i{k}.png", "one", (10, 10, 50, 50)) for k in range(10)]
    lines = _table(many, [Prediction(g.image, g.label, 0.9, g.box) for g in many], {g.image: SIZE for g in many})
    assert not [line for line in lines if line.startswith("caution")]
