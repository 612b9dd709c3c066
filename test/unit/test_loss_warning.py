"""The end-of-run warning for a training run whose loss did not come down (no TensorFlow)."""
import pytest

from tod_ros.errors import ValidationError
from tod_ros.training.config import TrainConfig, load_config
from tod_ros.training.trainer import end_loss, loss_warning


def _history(final_losses, num_steps=1000, every=50):
    """A logged history falling from 1.3 to the given losses over its last points."""
    steps = list(range(every, num_steps + 1, every))
    head = [1.3 - i * 0.05 for i in range(len(steps) - len(final_losses))]
    return [(s, loss, 1e-3) for s, loss in zip(steps, head + list(final_losses))]


def test_end_loss_is_the_mean_of_the_last_tenth_of_the_steps():
    history = _history([0.5, 0.30, 0.28, 0.26])   # steps 850, 900, 950, 1000: the last 10 % is 900-1000
    assert end_loss(history, 1000, 1000) == pytest.approx((0.30 + 0.28 + 0.26) / 3)


def test_end_loss_takes_the_last_point_when_the_tail_has_none():
    assert end_loss([(100, 0.7, 0), (200, 0.4, 0)], 400, 1000) == pytest.approx(0.4)
    assert end_loss([], 400, 1000) is None


def test_stuck_run_warns_with_its_loss_and_the_limit():
    config = TrainConfig(num_steps=1000, warn_loss_above=0.22)
    message = loss_warning(_history([0.29, 0.29, 0.30]), 1000, config)
    assert message.startswith("warning: the loss ended at 0.293, above 0.22")
    assert "tod eval" in message


def test_converged_run_does_not_warn():
    config = TrainConfig(num_steps=1000, warn_loss_above=0.22)
    assert loss_warning(_history([0.16, 0.15, 0.15]), 1000, config) is None


def test_off_by_default_and_for_a_run_stopped_early():
    stuck = _history([0.29, 0.29, 0.30])
    assert loss_warning(stuck, 1000, TrainConfig(num_steps=1000)) is None
    assert loss_warning(stuck[:10], 500, TrainConfig(num_steps=1000, warn_loss_above=0.22)) is None


def test_pretraining_preset_sets_the_limit():
    assert load_config("pretrain_synthetic").warn_loss_above == pytest.approx(0.22)


def test_negative_limit_is_rejected():
    with pytest.raises(ValidationError, match="warn_loss_above"):
        TrainConfig(warn_loss_above=-1).validate()
