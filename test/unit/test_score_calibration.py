"""Score calibration: matching detections, the fitted logistic map, its file."""
import json

import numpy as np
import pytest

from tod_ros.errors import TodError
from tod_ros.training import score_calibration as sc


def test_outcomes_match_greedily_by_score_and_class():
    truths = [[(1, (0, 0, 10, 10)), (2, (20, 0, 30, 10))]]
    dets = [[(1, 0.9, (0, 0, 10, 10)),      # right
             (1, 0.8, (1, 0, 11, 10)),      # the same box again: false
             (1, 0.7, (20, 0, 30, 10)),     # wrong class: false
             (2, 0.6, (21, 0, 31, 10))]]    # right (IoU 0.82)
    scores, correct = sc.outcomes(dets, truths)
    assert scores.tolist() == [0.9, 0.8, 0.7, 0.6]
    assert correct.tolist() == [True, False, False, True]


def test_fit_recovers_a_known_logistic_map():
    rng = np.random.default_rng(0)
    raw = rng.uniform(0.05, 0.95, 4000)
    logit = np.log(raw / (1 - raw))
    truth_a, truth_b = 3.0, 2.0
    correct = rng.random(4000) < 1 / (1 + np.exp(-(truth_a * logit + truth_b)))
    cal = sc.fit(raw, correct, images=40, source="synthetic")
    assert cal.a == pytest.approx(truth_a, rel=0.15) and cal.b == pytest.approx(truth_b, abs=0.3)
    assert cal.positives + cal.negatives == 4000 and cal.images == 40


def test_separable_scores_become_confident_and_keep_their_order():
    """Focal-loss-like scores: right ones around 0.75, wrong ones below 0.4 -> right >= 0.9, wrong < 0.5."""
    rng = np.random.default_rng(1)
    right, wrong = rng.uniform(0.6, 0.9, 60), rng.uniform(0.05, 0.4, 300)
    cal = sc.fit(np.concatenate([right, wrong]), np.r_[np.ones(60, bool), np.zeros(300, bool)])
    assert cal.median_true >= 0.9 and cal.max_false < 0.5
    mapped = cal.map(np.linspace(0.01, 0.99, 50))
    assert np.all(np.diff(mapped) >= 0) and mapped[0] < 0.01 < 0.99 < mapped[-1]


def test_too_few_outcomes_keep_raw_scores():
    cal = sc.fit([0.9, 0.8, 0.2], [True, True, False])
    assert cal.source == "identity" and cal.map([0.3]).item() == pytest.approx(0.3)
    assert "not calibrated" in cal.summary()


def test_file_round_trip_and_refusals(tmp_path):
    cal = sc.Calibration(a=2.5, b=1.0, positives=30, negatives=80, images=10, source="test.record")
    path = sc.save(cal, tmp_path / "score_calibration.json")
    assert sc.load(path) == cal
    (tmp_path / "bad.json").write_text(json.dumps({"a": -1.0, "b": 0.0}))
    with pytest.raises(TodError, match="a > 0"):
        sc.load(tmp_path / "bad.json")
    (tmp_path / "junk.json").write_text("{")
    with pytest.raises(TodError, match="junk.json"):
        sc.load(tmp_path / "junk.json")


def test_records_default_to_the_test_split_and_the_start_checkpoints_held_out_images(tmp_path):
    from tod_ros.training.config import TrainConfig

    start = tmp_path / "base"
    start.mkdir()
    (start / "heldout.record").write_bytes(b"")
    test = tmp_path / "test.record"
    test.write_bytes(b"")
    cfg = TrainConfig(eval_records=[str(test), str(tmp_path / "missing.record")], fine_tune_checkpoint=str(start))
    assert sc.calibration_records(cfg, tmp_path / "model") == [str(test), str(start / "heldout.record")]
    assert sc.calibration_records(cfg, tmp_path / "model", "a.record, b.record") == ["a.record", "b.record"]
    assert sc.calibrate(lambda rgb: [], []).source == "identity"
