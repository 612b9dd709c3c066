"""Frame saving: numbering continues after existing files and never overwrites."""
import os
import socket
import subprocess
import sys

import cv2
import numpy as np
import pytest

from tod_ros.capture import next_index, save_frame
from tod_ros.errors import TodError


@pytest.fixture
def frame():
    return np.random.default_rng(2).integers(0, 256, size=(48, 64, 3), dtype=np.uint8)


def test_next_index_empty_and_missing_folder(tmp_path):
    assert next_index(tmp_path) == 1
    assert next_index(tmp_path / "nope") == 1


def test_next_index_follows_the_highest_number(tmp_path):
    for name in ("image001.png", "image017.jpg", "image5.png", "other099.png", "image_x.png"):
        (tmp_path / name).write_bytes(b"x")
    assert next_index(tmp_path) == 18
    assert next_index(tmp_path, prefix="other") == 100


def test_save_frame_writes_lossless_png(tmp_path, frame):
    path = save_frame(tmp_path, frame)
    assert path.name == "image001.png"
    assert np.array_equal(cv2.imread(str(path)), frame)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["image001.png"]


def test_save_frame_never_overwrites(tmp_path, frame):
    (tmp_path / "image003.png").write_bytes(b"keep")
    first = save_frame(tmp_path, frame)
    second = save_frame(tmp_path, frame)
    assert (first.name, second.name) == ("image004.png", "image005.png")
    assert (tmp_path / "image003.png").read_bytes() == b"keep"


def test_save_frame_skips_a_name_taken_meanwhile(tmp_path, frame, monkeypatch):
    import tod_ros.capture as capture

    real = capture.next_index

    def racing_next_index(folder, prefix="image"):
        n = real(folder, prefix)
        (tmp_path / f"image{n:03d}.png").write_bytes(b"raced")  # another process wins the name
        return n

    monkeypatch.setattr(capture, "next_index", racing_next_index)
    path = save_frame(tmp_path, frame)
    assert path.name == "image002.png"
    assert (tmp_path / "image001.png").read_bytes() == b"raced"


@pytest.mark.parametrize("bad", [None, np.zeros((0, 0, 3), np.uint8), np.zeros((4, 4), np.uint8),
                                 np.zeros((4, 4, 3), np.float32)])
def test_bad_frames_are_rejected_and_nothing_written(tmp_path, bad):
    with pytest.raises(TodError):
        save_frame(tmp_path, bad)
    assert list(tmp_path.iterdir()) == []


# --------------------------------------------------------------------------- the CLI tool (no ROS needed)
import argparse  # noqa: E402
import io  # noqa: E402

from tod_ros.capture import CameraConfig, CaptureConfig  # noqa: E402
from tod_ros.commands.capture import add_arguments, config_from_args, run_headless, run_interactive  # noqa: E402


def build_parser():
    parser = argparse.ArgumentParser(prog="capture.py")
    add_arguments(parser)
    return parser


class FakeCamera:
    def __init__(self, frames):
        self.frames = list(frames)

    def grab(self):
        item = self.frames.pop(0)
        if isinstance(item, Exception):
            raise item
        return item


def test_camera_defaults_are_defined_once():
    assert CaptureConfig.__mro__[1] is CameraConfig
    cam, tool = CameraConfig(), CaptureConfig()
    assert (tool.service, tool.service_timeout, tool.call_timeout, tool.retries) == \
           (cam.service, cam.service_timeout, cam.call_timeout, cam.retries)
    with pytest.raises(TodError, match="call_timeout"):
        CameraConfig(call_timeout=0).validate()


def test_cli_defaults_are_the_dataclass_defaults(tmp_path):
    args = build_parser().parse_args(["--workspace", str(tmp_path)])
    cfg, d = config_from_args(args), CaptureConfig()
    assert (cfg.project, cfg.prefix, cfg.service, cfg.service_timeout, cfg.retries, cfg.count, cfg.interval) == \
           (d.project, d.prefix, d.service, d.service_timeout, d.retries, d.count, d.interval)
    assert cfg.out_dir == str(tmp_path / "images" / d.project)
    cfg = config_from_args(build_parser().parse_args(["-o", str(tmp_path), "--timeout", "0.5"]))
    assert (cfg.service_timeout, cfg.call_timeout) == (0.5, 0.5), "--timeout bounds the wait and each call"


def test_headless_saves_and_reports_failed_frames(tmp_path, frame, capsys):
    cfg = CaptureConfig(out_dir=str(tmp_path), count=3, interval=0)
    camera = FakeCamera([frame, TodError("/get_image: empty frame"), frame])
    out = io.StringIO()
    assert run_headless(camera, cfg, out=out) == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["image001.png", "image002.png"]
    assert "frame 2/3 not saved: /get_image: empty frame" in capsys.readouterr().err


def test_interactive_enter_saves_q_quits(tmp_path, frame):
    cfg = CaptureConfig(out_dir=str(tmp_path), preview=False)
    out = io.StringIO()
    assert run_interactive(FakeCamera([frame, frame]), cfg, stdin=io.StringIO("\n\nq\n\n"), out=out) == 2
    assert "saved" in out.getvalue() and len(list(tmp_path.iterdir())) == 2


def _no_master_env():
    with socket.socket() as s:     # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return dict(os.environ, ROS_MASTER_URI=f"http://127.0.0.1:{port}")


def test_capture_without_master_names_the_command_it_ran_as(tmp_path):
    env = _no_master_env()
    for argv, prog in ((["-m", "tod_ros.cli", "capture"], "tod"),
                       (["-c", "import sys; from tod_ros.commands.capture import main; sys.exit(main())"],
                        "capture.py")):
        proc = subprocess.run([sys.executable, *argv, "--count", "1", "--out-dir", str(tmp_path / "out")],
                              capture_output=True, text=True, env=env, timeout=60)
        assert proc.returncode == 1, proc.stderr
        assert f"{prog}: error: no ROS master at http://127.0.0.1:" in proc.stderr, proc.stderr
        assert "Traceback" not in proc.stderr
        assert not (tmp_path / "out").exists()
