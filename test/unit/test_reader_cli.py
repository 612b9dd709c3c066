"""``tod reader``'s mistakes: a clear one-line error, exit 1, no traceback, nothing written, and no
TensorFlow import before the arguments are known to be usable."""
import subprocess
import sys

import pytest

SCRIPT = ("import sys\nfrom tod_ros.cli import main\nrc = main({argv!r})\n"
          "print('tensorflow imported' if 'tensorflow' in sys.modules else 'no tensorflow')\nsys.exit(rc)\n")


def _tod(argv, cwd):
    return subprocess.run([sys.executable, "-c", SCRIPT.format(argv=argv)], capture_output=True, text=True,
                          timeout=120, cwd=cwd)


@pytest.mark.parametrize("argv, message", [
    (["reader"], "tod reader needs --images DIR, --label-map PBTXT and --out READER.keras"),
    (["reader", "--images", "x", "--label-map", "lm.pbtxt", "--out", "r.keras", "--epochs", "0"],
     "--epochs must be >= 1, got 0"),
    (["reader", "--add", "r.keras"], "--add needs --model EXPORT_DIR"),
    (["reader", "--add", "r.keras", "--model", "exported"], "exported: no label_map.pbtxt"),
])
def test_reader_mistakes_are_one_line_errors(tmp_path, argv, message):
    proc = _tod(argv, tmp_path)
    assert proc.returncode == 1
    assert f"tod: error: {message}" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert "no tensorflow" in proc.stdout
    assert list(tmp_path.iterdir()) == []


def test_training_on_a_folder_without_annotations_says_so(tmp_path):
    (tmp_path / "lm.pbtxt").write_text("item {\n  id: 1\n  name: 'one'\n}\nitem {\n  id: 2\n  name: 'two'\n}\n")
    (tmp_path / "photos").mkdir()
    for out, message in (("r.h5", "r.h5: a reader is written as a .keras file"),
                         ("r.keras", "no labelImg .xml in photos")):
        proc = _tod(["reader", "--images", "photos", "--label-map", "lm.pbtxt", "--out", out, "--quiet"], tmp_path)
        assert proc.returncode == 1 and f"tod: error: {message}" in proc.stderr, proc.stderr
        assert "no tensorflow" in proc.stdout and "Traceback" not in proc.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["lm.pbtxt", "photos"]
