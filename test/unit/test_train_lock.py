"""One `tod train` at a time on a model folder: a second run is refused naming the first one's
process; a lock left by a killed run is taken over (the kernel released it)."""
import signal
import subprocess
import sys
import time

import pytest

from tod_ros.cli import main
from tod_ros.errors import TodError
from tod_ros.training import runs

HOLD = ("import sys, time\nfrom tod_ros.training import runs\n"
        "with runs.locked(sys.argv[1]):\n    print('held', flush=True)\n    time.sleep(60)\n")


@pytest.fixture
def holder(tmp_path):
    """A real process holding the lock of tmp_path/model; yields (process, model_dir)."""
    model_dir = tmp_path / "model"
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(model_dir)], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "held"
        yield proc, model_dir
    finally:
        proc.kill()
        proc.wait(timeout=10)


def test_a_second_run_on_the_same_model_folder_is_refused(holder, tmp_path, capsys):
    proc, model_dir = holder
    with pytest.raises(TodError, match=rf"{model_dir} is being trained by process {proc.pid} \(lock "):
        with runs.locked(model_dir):
            pytest.fail("entered a lock held by another process")
    (tmp_path / "label_map.pbtxt").write_text('item {\n  id: 1\n  name: "one"\n}\n')
    (tmp_path / "train.record").write_bytes(b"x")
    assert main(["train", "--model-dir", str(model_dir), f"label_map={tmp_path / 'label_map.pbtxt'}",
                 f"train_records={tmp_path / 'train.record'}", "--from-scratch"]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"tod: error: {model_dir} is being trained by process {proc.pid}") and "Traceback" not in err
    assert err.count("\n") == 1 and not model_dir.exists()
    with runs.locked(tmp_path / "other"):       # another folder is free
        pass


def test_the_lock_of_a_killed_run_is_taken_over(holder):
    proc, model_dir = holder
    lock = model_dir.parent / ".model.lock"
    assert lock.read_text() == f"{proc.pid}\n"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    assert lock.read_text() == f"{proc.pid}\n", "a killed run leaves its lock file"
    with runs.locked(model_dir):
        assert lock.read_text().strip().isdigit() and lock.read_text() != f"{proc.pid}\n"
    assert not lock.exists()
    start = time.monotonic()
    with runs.locked(model_dir):
        pass
    assert time.monotonic() - start < 1.0
