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
