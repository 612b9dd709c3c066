"""setup_env.sh can be sourced by strict scripts (tools/*.sh use `set -euo pipefail`)."""
import os
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.skipif(not (REPO / ".catkin_ws" / "devel" / "setup.bash").is_file(), reason="not set up (make setup)")
@pytest.mark.parametrize("strict", [True, False])
def test_setup_env_sources_under_set_u_and_keeps_the_callers_options(strict):
    options = "set -euo pipefail; " if strict else ""
    script = options + "source ./setup_env.sh; case $- in *u*) echo nounset;; *) echo plain;; esac; command -v tod"
    env = {"PATH": "/usr/bin:/bin", "HOME": os.environ.get("HOME", "/root")}   # a fresh shell: no ROS vars
    proc = subprocess.run(["bash", "-c", script], cwd=REPO, env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.split()
    assert lines[0] == ("nounset" if strict else "plain")
    assert lines[1].endswith("/tod")
