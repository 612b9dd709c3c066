"""tod label: predefined classes, no display -> exit 2, and a smoke test of the annotator under Xvfb."""
import os
import shutil
import signal
import subprocess
import sys
import time
from importlib.util import find_spec

import pytest

from dataset_helpers import make_image, make_pair
from tod_ros.cli import main
from tod_ros.dataset.labelmap import LabelMap, write_label_map
from tod_ros.dataset.prelabel import is_unreviewed, pre_annotation
from tod_ros.dataset.voc import read_voc, write_voc
from tod_ros.workspace import Project


def small_project(root, name="p"):
    """A pre-annotated image in test/ (first in the annotator's order), a plain pair in train/."""
    project = Project.at(name, root)
    project.create()
    make_image(project.split_dir("test") / "a.png", 160, 120)
    write_voc(project.split_dir("test") / "a.xml",
              pre_annotation("a.png", 160, 120, [("two", 0.9, (10, 20, 50, 60))]))
    make_pair(project.split_dir("train"), "b", [("one", 1, 1, 20, 20)])
    return project


def test_no_display_exits_2_with_a_clear_error(tmp_path, monkeypatch, capsys):
    small_project(tmp_path)
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    assert main(["label", "-p", "p", "--workspace", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("tod: error: no display: $DISPLAY is not set") and "Traceback" not in err


def test_classes_from_the_label_map_else_one_two(tmp_path, capsys):
    project = small_project(tmp_path)
    assert main(["label", "-p", "p", "--workspace", str(tmp_path), "--print-command"]) == 0
    classes = project.training_dir / "predefined_classes.txt"
    assert classes.read_text() == "one\ntwo\n"
    out = capsys.readouterr().out
    assert f"-m tod_ros.dataset.annotate_app {project.images_dir} {classes}" in out
    write_label_map(project.label_map_path, LabelMap.from_names(["two", "one", "six"]))
    assert main(["label", "-p", "p", "--workspace", str(tmp_path), "--split", "train", "--print-command"]) == 0
    assert classes.read_text() == "two\none\nsix\n"
    assert f"-m tod_ros.dataset.annotate_app {project.split_dir('train')} {classes}" in capsys.readouterr().out


def test_missing_annotator_or_images_named(tmp_path, monkeypatch, capsys):
    import tod_ros.dataset.annotate as annotate

    small_project(tmp_path)
    monkeypatch.setattr(annotate, "find_spec", lambda name: None)
    assert main(["label", "-p", "p", "--workspace", str(tmp_path), "--print-command"]) == 1
    assert "install labelimgplusplus==3.5.0" in capsys.readouterr().err
    monkeypatch.undo()
    Project.at("empty", tmp_path).create()
    assert main(["label", "-p", "empty", "--workspace", str(tmp_path), "--print-command"]) == 1
    assert "no image to annotate" in capsys.readouterr().err


# --------------------------------------------------------------------------- smoke test under Xvfb


def _xvfb_or_skip(tmp_path):
    for tool in ("Xvfb", "xdotool"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} not installed (Debian packages xvfb, xdotool: `make setup` installs them)")
    if find_spec("labelImgPlusPlus") is None:
        pytest.skip("labelimgplusplus not installed in this Python (requirements.txt)")
    read_fd, write_fd = os.pipe()
    xvfb = subprocess.Popen(["Xvfb", "-displayfd", str(write_fd), "-screen", "0", "1280x1024x24", "-nolisten", "tcp"],
                            pass_fds=(write_fd,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(write_fd)
    with os.fdopen(read_fd) as fh:
        number = fh.readline().strip()
    if not number:
        xvfb.kill()
        pytest.skip("Xvfb could not start a display here")
    return xvfb, f":{number}"


def _wait(predicate, timeout):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    return None


def test_annotator_starts_shows_a_window_and_verify_drops_the_marker(tmp_path):
    """`tod label` under Xvfb: the window of the first image (test/a.png) appears, fills the screen and
    stays; Space (Verify) saves it beside the image, in test/, and it is no longer an unreviewed
    pre-annotation; Space again leaves it verified."""
    project = small_project(tmp_path)
    xvfb, display = _xvfb_or_skip(tmp_path)
    env = dict(os.environ, DISPLAY=display, HOME=str(tmp_path / "home"), XDG_RUNTIME_DIR=str(tmp_path / "run"))
    os.makedirs(env["HOME"])
    os.makedirs(env["XDG_RUNTIME_DIR"], mode=0o700)
    proc = subprocess.Popen([sys.executable, "-m", "tod_ros.cli", "label", "-p", "p", "--workspace", str(tmp_path)],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        def window():
            title = f"labelImgPlusPlus {project.split_dir('test')}/a.png"
            found = subprocess.run(["xdotool", "search", "--name", title],
                                   env=env, capture_output=True, text=True)
            return found.stdout.split()[0] if found.stdout.split() else None

        win = _wait(window, 12)
        assert win, f"no annotator window after 12 s; output: {proc.stdout.read1().decode() if proc.poll() else ''}"
        time.sleep(1.0)
        assert proc.poll() is None, "the annotator exited"
        geometry = subprocess.run(["xdotool", "getwindowgeometry", win], env=env, capture_output=True, text=True)
        width, height = (int(v) for v in geometry.stdout.split("Geometry:")[1].split()[0].split("x"))
        assert width >= 1200 and height >= 900, f"the window does not fill the 1280x1024 screen: {geometry.stdout}"
        subprocess.run(["xdotool", "windowfocus", "--sync", win], env=env, timeout=5)
        subprocess.run(["xdotool", "key", "space"], env=env, timeout=5)
        xml = project.split_dir("test") / "a.xml"
        assert _wait(lambda: "verified" in xml.read_text(), 5), "Space did not save the verified file beside a.png"
        subprocess.run(["xdotool", "key", "space"], env=env, timeout=5)     # a second pass: still verified
        time.sleep(1.5)
        ann = read_voc(xml)
        assert ann.verified and not is_unreviewed(ann) and [o.name for o in ann.objects] == ["two"]
        assert not (project.images_dir / "a.xml").exists()       # not flat in the opened folder
        assert not xml.with_suffix(".txt").exists()               # Pascal VOC, not YOLO
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=10)
        xvfb.terminate()
        xvfb.wait(timeout=10)


def test_unusable_display_exits_2_not_a_qt_abort(tmp_path, capsys, monkeypatch):
    if find_spec("labelImgPlusPlus") is None:
        pytest.skip("labelimgplusplus not installed in this Python (requirements.txt)")
    small_project(tmp_path)
    monkeypatch.setenv("DISPLAY", ":987")           # no X server there
    monkeypatch.setenv("HOME", str(tmp_path))
    assert main(["label", "-p", "p", "--workspace", str(tmp_path)]) == 2
    assert "could not open a window on DISPLAY=':987'" in capsys.readouterr().err


def test_files_the_annotator_cannot_open_are_named_and_left_out(tmp_path, monkeypatch, capsys):
    project = small_project(tmp_path)
    train = project.split_dir("train")
    (train / "empty.png").write_bytes(b"")
    (train / "fake.jpg").write_text("not a picture")
    (train / "loop.png").symlink_to("loop.png")
    make_image(train / "thin.png", 300, 4)
    assert main(["label", "-p", "p", "--workspace", str(tmp_path), "--print-command"]) == 0
    err = capsys.readouterr().err
    for name in ("empty.png", "fake.jpg", "loop.png", "thin.png"):
        assert f"tod label: left out: {train / name}: " in err, err
    assert "4 file(s) the annotator cannot open are left out" in err
    if find_spec("libs") is None:
        pytest.skip("labelimgplusplus not installed")
    from libs.core.dataset import DatasetSnapshot

    from tod_ros.dataset.annotate_app import _save_beside_images

    monkeypatch.setattr(DatasetSnapshot, "scan", DatasetSnapshot.__dict__["scan"])
    assert _save_beside_images()
    snapshot = DatasetSnapshot.scan(str(project.images_dir), str(project.images_dir), extensions=(".png", ".jpg"))
    assert sorted(os.path.basename(p) for p in snapshot.image_paths) == ["a.png", "b.png"]
    assert snapshot.save_dir is None
