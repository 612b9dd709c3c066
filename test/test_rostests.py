"""Runs every rostest file test/*.test (each starts its own master) as one pytest test.

rostest exits 0 when all passed, 2 on failures, 1 when a test did not run; any non-zero
status fails here, with rostest's output shown. They run in the background from the session's
first test on (test/rostest_runs.py, started by test/conftest.py); these tests, last, wait for them.
"""
import os
import shutil

import pytest

from rostest_runs import ROSTESTS


@pytest.mark.ros
@pytest.mark.parametrize("test_file", ROSTESTS, ids=[p.stem for p in ROSTESTS])
def test_rostest(test_file, rostest_runs):
    if shutil.which("rostest") is None or "ROS_PACKAGE_PATH" not in os.environ:
        pytest.fail("rostest not available: run 'source setup_env.sh' (or 'make test')")
    code, out = rostest_runs.result(test_file)
    assert code == 0, f"rostest {test_file.name} exited {code}:\n{out[-8000:]}"
