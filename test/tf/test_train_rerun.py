"""`tod train` run again: same data resumes (nothing left to train is said), new photos start over.

The team's loop (new photos, convert, train) used to resume the finished run and train nothing.
"""
import io

import pytest

from test_train_fixtures import TINY, data_overrides, make_records

pytestmark = pytest.mark.tf


def _train(lm, tr, model_dir, **kwargs):
    from tod_ros.training.config import load_config
    from tod_ros.training.trainer import train

    out = io.StringIO()
    config = load_config(None, TINY + data_overrides(lm, tr) + [f"model_dir={model_dir}", "num_steps=4"])
    return train(config, out=out, **kwargs), out.getvalue()


def test_rerun_resumes_on_same_data_and_starts_over_on_new_photos(small_records, four_step_run, copy_run,
                                                                  tmp_path):
    lm, tr, _ = small_records
    first = four_step_run[1]                                   # the same 4-step run, trained once per session
    assert (first.start_step, first.final_step) == (0, 4)

    again, out = _train(lm, tr, copy_run)
    assert (again.start_step, again.final_step) == (4, 4)
    assert "nothing to train" in out and "--fresh" in out, out
    assert not (tmp_path / "model.previous").exists()

    _, new_tr, _ = make_records(tmp_path / "b", n_train=5, n_test=1, seed=7)     # new photos, same labels
    new, out = _train(lm, new_tr, copy_run)
    assert (new.start_step, new.final_step) == (0, 4), out
    assert "starting over: the train records" in out and "model.previous" in out, out
    assert (tmp_path / "model.previous" / "ckpt-4.index").is_file()
    assert (copy_run / "ckpt-4.index").is_file()


def test_fresh_starts_over_on_the_same_data(small_records, copy_run, tmp_path):
    lm, tr, _ = small_records
    result, out = _train(lm, tr, copy_run, fresh=True)
    assert result.start_step == 0 and "starting over: --fresh" in out, out
    assert (tmp_path / "model.previous" / "ckpt-4.index").is_file()
