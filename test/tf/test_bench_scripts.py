"""The TensorFlow bench scripts run end to end on data the tests make (their figures are not checked)."""
import subprocess
import sys


def _bench(repo, name, *args, timeout=300):
    res = subprocess.run([sys.executable, str(repo / "bench" / name), *map(str, args)],
                         capture_output=True, text=True, timeout=timeout)
    assert res.returncode == 0, res.stdout + res.stderr
    return res.stdout


def test_bench_train_times_a_step(repo):
    out = _bench(repo, "train", "--steps", 1, "--seed-steps", 0, "--images", 4, "--batch", 2)
    assert "default (RetinaNet MobileNetV2 x0.5, 256x320): batch 2," in out and "s/step" in out


def test_bench_robustness_prints_every_row(repo, tmp_path):
    """bench/robustness --model on annotated scenes the test draws (a grid model; the figures are not checked)."""
    import cv2

    from fixtures_models import build_grid_model, cube_scene
    from tod_ros.dataset.voc import VocAnnotation, VocObject, write_voc
    from tod_ros.evaluation.suite import ROWS

    photos = tmp_path / "photos"
    photos.mkdir()
    for i, columns in enumerate([(1, None, 2, None), (None, 2, 1, 1)]):
        bgr, _ = cube_scene(columns)
        cv2.imwrite(str(photos / f"s{i}.png"), bgr)
        objects = [VocObject("one" if c == 1 else "two", col * 160 + 10, 170, col * 160 + 150, 310)
                   for col, c in enumerate(columns) if c]
        write_voc(photos / f"s{i}.xml", VocAnnotation(f"s{i}.png", 640, 480, objects=objects, path=f"s{i}.png"))
    model = build_grid_model(tmp_path / "grid")
    out = _bench(repo, "robustness", "--model", model, "--real", photos, "--synthetic", 0, "--work", tmp_path / "w")
    assert all(f"\n{row} " in out for row in ROWS), out
    assert "worst row:" in out
