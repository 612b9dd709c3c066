"""ROS logs: where setup_env.sh leaves them, and no 'Errno 17' latest-link message at launch."""
import os
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def test_latest_link_made_by_a_sibling_process_is_not_an_error(tmp_path, monkeypatch):
    import rosgraph.roslogging as roslogging

    from tod_ros.ros.rosinit import tolerate_latest_link_race

    monkeypatch.setattr(roslogging, "renew_latest_logdir", roslogging.renew_latest_logdir)   # restored after
    run = tmp_path / "log" / "run-1"
    run.mkdir(parents=True)
    real_symlink = os.symlink

    def sibling_first(src, dst):          # another node of the launch makes the link just before this one
        real_symlink(src, dst)
        real_symlink(src, dst)

    monkeypatch.setattr(roslogging.os, "symlink", sibling_first)
    with pytest.raises(FileExistsError):  # what rosgraph printed as "cannot create a symlink ... [Errno 17]"
        roslogging.renew_latest_logdir(str(run))
    (run.parent / "latest").unlink()
    tolerate_latest_link_race()
    tolerate_latest_link_race()           # idempotent
    assert roslogging.renew_latest_logdir(str(run)) is True
    assert os.readlink(run.parent / "latest") == str(run)


@pytest.mark.skipif(not (REPO / ".catkin_ws" / "devel" / "setup.bash").is_file(), reason="not set up (make setup)")
def test_setup_env_leaves_ros_logs_where_ros_users_look(tmp_path):
    """~/.ros/log (ROS's default) unless the user set ROS_HOME or ROS_LOG_DIR: not inside the build tree."""
    script = "source ./setup_env.sh; python3 -c 'import rospkg; print(rospkg.get_log_dir())'"
    for extra, expected in (({}, tmp_path / ".ros" / "log"),
                            ({"ROS_LOG_DIR": str(tmp_path / "logs")}, tmp_path / "logs"),
                            ({"ROS_HOME": str(tmp_path / "rh")}, tmp_path / "rh" / "log")):
        env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), **extra}
        proc = subprocess.run(["bash", "-c", script], cwd=REPO, env=env, capture_output=True, text=True, timeout=60)
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.strip() == str(expected)
