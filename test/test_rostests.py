"""Runs every rostest file test/*.test (each starts its own master) as one pytest test.

rostest exits 0 when all passed, 2 on failures, 1 when a test did not run; any non-zero
status fails here, with rostest's output shown.
"""
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from dataset_helpers import REAL_CUBES

TEST_DIR = Path(__file__).resolve().parent
ROSTESTS = sorted(TEST_DIR.glob("*.test"))


@pytest.fixture(scope="session")
def generated_images(tmp_path_factory):
    """A folder of four 640x480 PNG frames made here, for tests that must run without ../shared."""
    import cv2
    import numpy as np

    folder = tmp_path_factory.mktemp("frames")
    rng = np.random.default_rng(0)
    for i in range(4):
        img = rng.integers(0, 60, size=(480, 640, 3), dtype=np.uint8)
        for k in range(i % 3 + 1):
            x = 60 + 190 * k
            cv2.rectangle(img, (x, 150), (x + 140, 290), (235, 235, 230), -1)
            cv2.putText(img, str(1 + (i + k) % 2), (x + 45, 260), cv2.FONT_HERSHEY_SIMPLEX, 3, (20, 20, 20), 8)
        cv2.imwrite(str(folder / f"frame{i:02d}.png"), img)
    return folder


@pytest.mark.ros
@pytest.mark.parametrize("test_file", ROSTESTS, ids=[p.stem for p in ROSTESTS])
def test_rostest(test_file, tmp_path, generated_images):
    if shutil.which("rostest") is None or "ROS_PACKAGE_PATH" not in os.environ:
        pytest.fail("rostest not available: run 'source setup_env.sh' (or 'make test')")
    # .test files read their image folders from these variables:
    #   TOD_TEST_IMAGE_DIR  frames to serve: the real photos when present, else frames made here
    #   TOD_GENERATED_IMAGE_DIR  always the frames made here
    #   TOD_REAL_CUBES      the real photos, or "" when ../shared is absent (tests then skip)
    real = str(REAL_CUBES) if REAL_CUBES.is_dir() else ""
    env = dict(os.environ, ROS_HOME=str(tmp_path / "ros_home"), PYTHONUNBUFFERED="1",
               TOD_TEST_IMAGE_DIR=real or str(generated_images), TOD_GENERATED_IMAGE_DIR=str(generated_images),
               TOD_REAL_CUBES=real, TOD_TEST_TMP=str(tmp_path))
    proc = subprocess.run(["rostest", str(test_file)], env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, timeout=600)
    assert proc.returncode == 0, f"rostest {test_file.name} exited {proc.returncode}:\n{proc.stdout[-8000:]}"
