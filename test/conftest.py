"""Shared fixtures of every test folder (test/unit, test/tf, test/test_rostests.py).

pytest puts this folder (test/) on ``sys.path`` when it loads this file (rootdir conftest,
"prepend" import mode), so the helper modules beside it import by name from any test, with no
``sys.path`` edit:

- ``dataset_helpers``: tiny image + labelImg XML datasets, the cube label map, the real photos;
- ``protocol_fakes``: the in-memory param store and fake clock of the pure protocol classes;
- ``fixtures_models``: tiny TOD-signature detection models (also used by the rostest scripts);
- ``rostest_runs``: the rostests, run in the background while the other tests run.
"""
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def repo():
    """The source checkout (the folder holding config/, launch/, src/, test/)."""
    return REPO


@pytest.fixture
def bench_python():
    """``run(code)``: ``python -c code`` in a child process with ``bench/`` importable (e.g. ``import _rossystem``)."""
    def run(code, timeout=60):
        path = os.pathsep.join(p for p in (str(REPO / "bench"), os.environ.get("PYTHONPATH", "")) if p)
        return subprocess.run([sys.executable, "-c", code], env={**os.environ, "PYTHONPATH": path},
                              capture_output=True, text=True, timeout=timeout)
    return run


@pytest.fixture
def cube_labels():
    """The cube label map: ``one`` = id 1, ``two`` = id 2 (a :class:`tod_ros.dataset.labelmap.LabelMap`)."""
    from dataset_helpers import cubes_label_map

    return cubes_label_map()


@pytest.fixture
def cube_label_map_file(tmp_path, cube_labels):
    """``<tmp_path>/label_map.pbtxt`` holding :func:`cube_labels`."""
    from tod_ros.dataset.labelmap import write_label_map

    return write_label_map(tmp_path / "label_map.pbtxt", cube_labels)


@pytest.fixture
def real_cubes():
    """The annotated real photos (../shared/data/real_cubes); skips the test when they are absent."""
    from dataset_helpers import real_cubes_or_skip

    return real_cubes_or_skip()


@pytest.fixture
def blocker(tmp_path):
    """A regular file: any path below it cannot be created, even by root (filesystem-error tests)."""
    path = tmp_path / "afile"
    path.write_text("x")
    return path


def pytest_collection_modifyitems(items):
    """The rostests last: they run in the background meanwhile (:func:`rostest_runs`), their items only
    wait; before them the tests of the tiny model, which a child process trains meanwhile (test/tf/conftest.py)."""
    items.sort(key=lambda item: (item.get_closest_marker("ros") is not None,
                                 bool({"tiny_model", "tiny_export"} & set(getattr(item, "fixturenames", ())))))


@pytest.fixture(scope="session", autouse=True)
def rostest_runs(request, tmp_path_factory):
    """The selected rostests, started one after the other in the background at the session's first test
    (a :class:`rostest_runs.RostestRuns`; None when none is selected)."""
    from rostest_runs import RostestRuns

    files = [item.callspec.params["test_file"] for item in request.session.items
             if item.get_closest_marker("ros") and hasattr(item, "callspec")]
    if not files:
        yield None
        return
    runs = RostestRuns(files, tmp_path_factory.mktemp("rostests"))
    yield runs
    runs.stop()
