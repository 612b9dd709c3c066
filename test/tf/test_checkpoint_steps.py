"""`checkpoint_every=N` saves at the multiples of N (then at the end), not at 1, 1+N, 1+2N (issue 14.11).

TF's ``CheckpointManager`` counted the interval from its first save, which on a fresh run was
the end of the first training loop (step ``log_every``).
"""
import re

import pytest

from test_train_fixtures import TINY, data_overrides

pytestmark = pytest.mark.tf


def _checkpoint_steps(model_dir):
    return sorted(int(m.group(1)) for p in model_dir.glob("ckpt-*.index")
                  if (m := re.match(r"ckpt-(\d+)\.index$", p.name)))


def test_checkpoints_at_multiples_of_checkpoint_every(small_records, tmp_path):
    from tod_ros.training.config import load_config
    from tod_ros.training.trainer import train

    lm, tr, _ = small_records
    model_dir = tmp_path / "model"
    base = TINY + data_overrides(lm, tr) + [f"model_dir={model_dir}", "log_every=1", "checkpoint_every=4",
                                           "keep_checkpoints=20"]
    train(load_config(None, base + ["num_steps=9"]))
    assert _checkpoint_steps(model_dir) == [4, 8, 9]          # 9: the end of training
    # resumed at 9: the next multiple of 4 is 12, then the end
    result = train(load_config(None, base + ["num_steps=13"]))
    assert result.start_step == 9
    assert _checkpoint_steps(model_dir) == [4, 8, 9, 12, 13]
