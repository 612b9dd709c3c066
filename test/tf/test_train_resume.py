"""`tod train` killed with SIGKILL resumes from its last checkpoint, at the same step, and finishes."""
import os
import re
import subprocess
import sys
import time

import pytest

from test_train_fixtures import TINY, data_overrides, make_records

pytestmark = pytest.mark.tf

STEPS = 40


def _latest_step(model_dir):
    """Step of the latest checkpoint named in ``<model_dir>/checkpoint`` (None if none yet)."""
    index = model_dir / "checkpoint"
    if not index.is_file():
        return None
    m = re.search(r'^model_checkpoint_path: "ckpt-(\d+)"', index.read_text(), re.M)
    return int(m.group(1)) if m else None


def _command(args):
    return [sys.executable, "-m", "tod_ros.cli", "train"] + args


def test_kill_9_then_resume(tmp_path):
    lm, tr, te = make_records(tmp_path, n_train=6, n_test=2)
    model_dir = tmp_path / "model"
    args = ["--model-dir", str(model_dir)] + TINY + data_overrides(lm, tr) + [
        f"num_steps={STEPS}", "checkpoint_every=4", "keep_checkpoints=2"]
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    proc = subprocess.Popen(_command(args), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    try:
        deadline = time.time() + 180
        while _latest_step(model_dir) is None and proc.poll() is None and time.time() < deadline:
            time.sleep(0.2)
        killed_at = _latest_step(model_dir)
        assert proc.poll() is None, "training ended before it could be killed:\n" + proc.stdout.read()
        proc.kill()  # SIGKILL: no clean-up of any kind
    finally:
        proc.wait()
    assert proc.returncode == -9
    killed_at = _latest_step(model_dir)  # a checkpoint may have landed between the check and the kill
    assert killed_at is not None and killed_at < STEPS

    # the rerun (same command, plus evaluation) restarts from that checkpoint and finishes
    # (warn_loss_above: no tiny run gets that low, so the end-of-run warning must be printed)
    rerun = subprocess.run(_command(args + ["--set", f"eval_records={te}", "--set", "warn_loss_above=0.001"]),
                           capture_output=True, text=True,
                           env=env, timeout=300)
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    out = rerun.stdout
    assert re.search(rf"resumed from checkpoint .*ckpt-{killed_at} at step {killed_at}\b", out), out
    steps = [int(s) for s in re.findall(r"^step (\d+)/%d" % STEPS, out, re.M)]
    assert steps and steps[0] > killed_at and steps[-1] == STEPS
    assert re.search(r"^step \d+/\d+  loss [\d.]+  lr \S+  [\d.]+ steps/s  ETA \d+:\d\d:\d\d$", out, re.M)
    assert f"done: step {STEPS}" in out
    assert re.search(rf"^done: step {STEPS}, .*\nwarning: the loss ended at [\d.]+, above 0.001 ", out, re.M), out
    assert re.search(r"eval at step \d+: AP [\d.]+  AP50 [\d.]+", out), out
    assert re.search(r"^evaluating at step \d+ \(COCO, on the eval records\) \.\.\.\neval at step", out, re.M), out
    if killed_at <= STEPS - 6:            # two loops of log_every=2 left at least: the estimate is printed
        assert re.search(r"^expected on this machine: .* of training steps in all, .* from now \([\d.]+ steps/s "
                         r"measured over steps \d+-\d+; ", out, re.M), out
    assert re.search(r"^tod train: done in .* \(wall time from start\): TensorFlow, checks and model building "
                     r"[\d.]+ s, training steps .*, evaluation .*", rerun.stderr, re.M), rerun.stderr
    assert _latest_step(model_dir) == STEPS
    # observable: resolved config, loss history and curve, TensorBoard events, COCO metrics
    for name in ("train_config.yaml", "label_map.pbtxt", "loss_curve.png", "loss_history.csv", "eval_metrics.json"):
        assert (model_dir / name).is_file(), name
    assert (model_dir / "loss_curve.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert list((model_dir / "train").glob("events.out.tfevents.*"))
    assert list((model_dir / "eval").glob("events.out.tfevents.*"))
    history = [int(line.split(",")[0]) for line in (model_dir / "loss_history.csv").read_text().splitlines()[1:]]
    assert history == sorted(set(history)) and history[-1] == STEPS
    assert len(list(model_dir.glob("ckpt-*.index"))) <= 2   # keep-last-K


def test_unknown_key_is_rejected_before_tensorflow_starts(tmp_path):
    res = subprocess.run(_command(["--model-dir", str(tmp_path), "num_step=3"]), capture_output=True, text=True)
    assert res.returncode == 1
    assert "did you mean 'num_steps'" in res.stderr
