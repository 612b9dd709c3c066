"""Progress bars on a terminal and not on a pipe; the wall-time line at the end of long commands."""
import fcntl
import os
import pty
import select
import struct
import subprocess
import sys
import termios

import pytest

from tod_ros.progress import Stages, format_seconds

BAR = ("import time\n"
       "from tod_ros.progress import bar\n"
       "for _ in bar(range(30), desc='work', unit='image'):\n"
       "    time.sleep(0.02)\n")


def run_on_tty(argv, timeout=120, columns=100, lines=24):
    """Run ``argv`` with stdout and stderr on a pseudo-terminal of ``columns`` x ``lines`` (0: a terminal
    that reports no size, as under `script`); returns ``(exit code, all output)``."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", lines, columns, 0, 0))
    proc = subprocess.Popen(argv, stdout=slave, stderr=slave, stdin=subprocess.DEVNULL)
    os.close(slave)
    chunks = []
    while True:
        ready, _, _ = select.select([master], [], [], timeout)
        if not ready:
            proc.kill()
            pytest.fail(f"{argv}: no output for {timeout} s")
        try:
            data = os.read(master, 4096)
        except OSError:          # EIO: the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    return proc.wait(), b"".join(chunks).decode("utf-8", "replace")


@pytest.mark.parametrize("columns, lines", [(100, 24), (0, 0), (100, 0)])
def test_bar_shows_count_rate_and_eta_on_a_terminal(columns, lines):
    code, out = run_on_tty([sys.executable, "-c", BAR], columns=columns, lines=lines)
    assert code == 0, out
    assert "work:" in out and "30/30" in out
    assert "image/s" in out                  # the rate
    assert "<00:0" in out                    # elapsed<remaining: the ETA


def test_bar_is_silent_on_a_pipe():
    done = subprocess.run([sys.executable, "-c", BAR], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "" and done.stderr == ""


def test_stages_summary_gives_wall_time_and_breakdown():
    now = [100.0]
    stages = Stages(start=90.0, clock=lambda: now[0])
    with stages.stage("reading"):
        now[0] += 2.0
    now[0] += 1.0
    stages.lap("writing")              # the time since the previous stage ended
    now[0] += 0.5
    assert stages.summary() == ("done in 13.5 s (wall time from start): reading 2.0 s, writing 1.0 s, "
                                "start-up and other 10.5 s")


def test_format_seconds():
    assert [format_seconds(s) for s in (4.24, 65, 3725)] == ["4.2 s", "1 min 05 s", "1 h 02 min"]


def test_tod_synth_ends_with_the_wall_time_from_process_start(tmp_path):
    """The console command: a bar on a terminal; on a pipe no bar, only the final lines."""
    argv = [sys.executable, "-m", "tod_ros.cli", "synth", "--out", str(tmp_path / "a"), "--count", "12"]
    code, out = run_on_tty(argv)
    assert code == 0, out
    assert "synth: 100%" in out and "12/12" in out and "img/s" in out
    assert "tod synth: done in " in out and "(wall time from start)" in out
    argv[5] = str(tmp_path / "b")
    done = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "img/s" not in done.stderr and "\r" not in done.stderr
    assert done.stderr.startswith("tod synth: done in ") and done.stderr.count("\n") == 1


def test_train_estimates_its_duration_from_the_first_loops():
    from tod_ros.training.loop_report import warmup_estimate

    # steps 0-10 took 25 s (graph building), 10-20 took 5 s: 2 steps/s, 280 steps left = 140 s
    line = warmup_estimate([(0, 10, 25.0), (10, 20, 5.0)], 300)
    assert line == ("expected on this machine: 2 min 50 s of training steps in all, 2 min 20 s from now "
                    "(2.00 steps/s measured over steps 10-20; steps 0-10 took 25.0 s with the graph building), "
                    "then the evaluation if any")


def test_tod_detect_on_a_folder_shows_a_bar_between_its_tables(tmp_path):
    """The bar on the terminal does not break the printed tables; on a pipe only the tables."""
    from dataset_helpers import make_image
    from fixtures_models import DEMO, demo_or_skip

    demo_or_skip()
    for i in range(3):
        make_image(tmp_path / "in" / f"im{i}.png", 320, 240)
    argv = [sys.executable, "-m", "tod_ros.cli", "detect", "-m", str(DEMO), "-i", str(tmp_path / "in"),
            "--backend", "tflite", "--out", str(tmp_path / "out")]
    code, out = run_on_tty(argv)
    assert code == 0, out
    assert "detect: 100%" in out and "3/3" in out and "image/s" in out
    shown = [line.split("\r")[-1] for line in out.replace("\r\n", "\n").split("\n")]   # what stays visible
    last = next(i for i, line in enumerate(shown) if line.startswith("[3/3] "))
    assert sum(line.startswith(f"[{i}/3] ") for i in (1, 2, 3) for line in shown) == 3
    assert not [line for line in shown[:last] if "detect:" in line], "a bar left between the tables"
    done = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and "image/s" not in done.stderr and "[3/3] " in done.stdout
