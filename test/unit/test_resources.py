"""Package data through tod_ros.resources: an installed share folder ($TOD_ROS_SHARE) is used by
every reader (training presets, the shipped models), not only a source checkout."""
from pathlib import Path

import pytest

from tod_ros import resources
from tod_ros.errors import TodError

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def share(tmp_path, monkeypatch):
    """A fake installed ``share/tod_ros`` with a preset and a demo model folder."""
    root = tmp_path / "share" / "tod_ros"
    (root / "config").mkdir(parents=True)
    (root / "models" / resources.DEMO_MODEL).mkdir(parents=True)
    (root / "config" / "pretrain_elsewhere.yaml").write_text("num_steps: 7\n")
    monkeypatch.setenv("TOD_ROS_SHARE", str(root))
    return root


def test_the_source_checkout_without_the_variable(monkeypatch):
    monkeypatch.delenv("TOD_ROS_SHARE", raising=False)
    assert resources.share_dir() == REPO
    assert resources.config_dir() == REPO / "config"
    assert resources.model_dir(resources.DEMO_MODEL) == REPO / "models" / "demo"


def test_an_installed_share_folder(share):
    assert resources.share_dir() == share
    assert resources.model_dir(resources.BASE_MODEL) == share / "models" / "cubes_base"


def test_training_presets_are_read_from_the_share_folder(share, tmp_path, monkeypatch):
    from tod_ros.training.config import load_config

    monkeypatch.chdir(tmp_path)
    assert load_config("pretrain_elsewhere").num_steps == 7


def test_prelabel_default_model_is_the_shipped_demo(share):
    from tod_ros.evaluation.proposals import PrelabelConfig

    assert PrelabelConfig().model_dir() == share / "models" / "demo"


def test_a_share_variable_without_the_data_is_not_used(tmp_path, monkeypatch):
    monkeypatch.setenv("TOD_ROS_SHARE", str(tmp_path))       # no config/, models/ there
    assert resources.share_dir() == REPO                      # the checkout is the next candidate


def test_no_data_anywhere_names_the_variable(tmp_path, monkeypatch):
    monkeypatch.setenv("TOD_ROS_SHARE", str(tmp_path))
    monkeypatch.setattr(resources, "_CHECKOUT", tmp_path)
    monkeypatch.setenv("ROS_PACKAGE_PATH", str(tmp_path))
    with pytest.raises(TodError, match="TOD_ROS_SHARE"):
        resources.share_dir()


def test_real_photos_folder(tmp_path, monkeypatch):
    monkeypatch.setenv(resources.REAL_CUBES_ENV, str(tmp_path))
    assert resources.real_cubes_dir() == tmp_path
    monkeypatch.delenv(resources.REAL_CUBES_ENV)
    assert resources.real_cubes_dir() == REPO.parent / "shared" / "data" / "real_cubes"
