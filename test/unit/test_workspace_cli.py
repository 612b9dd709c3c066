"""Project layout, `tod init`, and the CLI's start-up cost."""
import subprocess
import sys
from pathlib import Path

import pytest

from tod_ros.cli import VERBS, main
from tod_ros.errors import TodError
from tod_ros.workspace import Project


def test_project_paths_follow_the_tutorial(tmp_path):
    p = Project.at("faces_cubes", tmp_path)
    assert p.split_dir("train") == tmp_path / "images/faces_cubes/train"
    assert p.csv_path("test") == tmp_path / "images/faces_cubes/test_labels.csv"
    assert p.record_path("train") == tmp_path / "training/faces_cubes/train.record"
    assert p.label_map_path == tmp_path / "training/faces_cubes/label_map.pbtxt"


@pytest.mark.parametrize("name", ["", "a/b", "..", "."])
def test_bad_project_names(name, tmp_path):
    with pytest.raises(TodError, match="invalid project name"):
        Project.at(name, tmp_path)


def test_tod_init_creates_the_tree_and_is_idempotent(tmp_path, capsys):
    assert main(["init", "cubes", "--workspace", str(tmp_path)]) == 0
    for d in ("images/cubes/train", "images/cubes/test", "pre_trained", "training/cubes"):
        assert (tmp_path / d).is_dir()
    assert main(["init", "cubes", "--workspace", str(tmp_path)]) == 0
    assert "already complete" in capsys.readouterr().out


def test_tod_init_links_the_shipped_checkpoint_without_copying(tmp_path, monkeypatch, capsys):
    share = tmp_path / "share"
    base = share / "models" / "cubes_base"
    base.mkdir(parents=True)
    (share / "config").mkdir()
    (base / "ckpt-1.index").write_bytes(b"x")
    monkeypatch.setenv("TOD_ROS_SHARE", str(share))
    ws = tmp_path / "ws"
    assert main(["init", "cubes", "--workspace", str(ws)]) == 0
    link = ws / "pre_trained" / "cubes_base"
    assert link.is_symlink() and link.resolve() == base.resolve()
    assert (link / "ckpt-1.index").read_bytes() == b"x"
    assert "linked" in capsys.readouterr().out
    assert main(["init", "cubes", "--workspace", str(ws)]) == 0
    assert "already complete" in capsys.readouterr().out


def test_link_pre_trained_leaves_a_user_folder_alone_and_falls_back_to_a_pointer(tmp_path, monkeypatch):
    project = Project.at("p", tmp_path)
    project.create()
    own = project.pre_trained_dir / "cubes_base"
    own.mkdir()
    assert project.link_pre_trained("cubes_base", tmp_path) is None and not own.is_symlink()

    def no_symlinks(self, *args, **kwargs):
        raise OSError("symlinks not supported")
    monkeypatch.setattr(Path, "symlink_to", no_symlinks)
    pointer = project.link_pre_trained("other", tmp_path / "target")
    assert pointer.name == "other.path" and pointer.read_text().strip() == str((tmp_path / "target").resolve())


def test_every_verb_has_a_command_module():
    import importlib

    for verb, (module, _) in VERBS.items():
        try:
            mod = importlib.import_module(f"tod_ros.commands.{module}")
        except ModuleNotFoundError as exc:
            pytest.fail(f"tod {verb}: module tod_ros.commands.{module} missing ({exc})")
        assert callable(mod.add_arguments) and callable(mod.run), verb


def test_help_of_every_verb_does_not_import_tensorflow():
    code = ("import sys, contextlib, io\n"
            "from tod_ros.cli import main, VERBS\n"
            "for verb in [None, *VERBS]:\n"
            "    with contextlib.redirect_stdout(io.StringIO()):\n"
            "        try: main(['--help'] if verb is None else [verb, '--help'])\n"
            "        except SystemExit: pass\n"
            "    assert 'tensorflow' not in sys.modules, verb\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
