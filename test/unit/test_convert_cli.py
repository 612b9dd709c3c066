"""The convert family of verbs: help without TensorFlow, clear errors, report, seed-style scripts."""
import subprocess
import sys

import cv2
import pytest

from dataset_helpers import all_files, make_pair, make_project
from tod_ros.cli import main

NO_TF = ("import sys, tod_ros.cli\n"
         "try:\n    tod_ros.cli.main({argv!r})\nexcept SystemExit:\n    pass\n"
         "assert 'tensorflow' not in sys.modules, 'tensorflow imported'\n")


@pytest.mark.parametrize("verb", ["convert", "xml-to-csv", "csv-to-record", "inspect", "report", "split", "label",
                                  "prelabel"])
def test_help_does_not_import_tensorflow(verb):
    proc = subprocess.run([sys.executable, "-c", NO_TF.format(argv=[verb, "--help"])],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "usage: tod " + verb in proc.stdout


def test_bad_input_exits_1_naming_file_and_reason(tmp_path, capsys):
    project = make_project(tmp_path)
    make_pair(project.split_dir("test"), "z", [("one", 50, 1, 70, 5)])
    before = all_files(tmp_path)
    assert main(["convert", "-p", project.name, "--workspace", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "nothing written" in err
    assert "test/z.xml: object 1 ('one'): box (50, 1, 70, 5) outside the 64x48 image" in err
    assert all_files(tmp_path) == before


def test_xml_to_csv_prints_the_seed_lines_and_fix_warns(tmp_path, capsys, monkeypatch):
    project = make_project(tmp_path)
    make_pair(project.split_dir("test"), "z", [("one", 50, 1, 70, 5)])
    monkeypatch.chdir(tmp_path)
    assert main(["xml-to-csv", "-p", project.name, "--fix"]) == 0
    captured = capsys.readouterr()
    assert "Successfully converted xml data in file <images/cubes/train_labels.csv>." in captured.out
    assert "warning: " in captured.err and "z.xml: object 1 ('one')" in captured.err and "clipped" in captured.err
    assert "z.png,64,48,one,50,1,64,5" in project.csv_path("test").read_text()


def test_seed_script_entry_point_ignores_ros_remappings(tmp_path, capsys, monkeypatch):
    from tod_ros.commands.xml_to_csv import main as script_main

    project = make_project(tmp_path)
    monkeypatch.chdir(tmp_path)
    assert script_main(["-p", project.name, "__name:=xml_to_csv"]) == 0
    assert project.csv_path("train").is_file()
    assert script_main(["-p", "missing_project"]) == 1
    assert "xml_to_csv.py: error:" in capsys.readouterr().err


def test_project_or_images_required(capsys):
    assert main(["convert"]) == 1
    assert "give -p/--project NAME" in capsys.readouterr().err


def test_report_counts_sizes_and_sheet(tmp_path, capsys):
    project = make_project(tmp_path)
    sheet = tmp_path / "sheet.png"
    assert main(["report", "-p", project.name, "--workspace", str(tmp_path), "--sheet", str(sheet)]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0].split()[:4] == ["split", "images", "no", "box"]
    assert lines[1].split() == ["train", "3", "1", "3", "1/1", "2/2"]
    assert lines[2].split() == ["test", "2", "0", "3", "2/2", "1/1"]
    assert "train: width 25 / 26 / 64 px (0.391 / 0.414 / 1.000 of the image)" in out
    img = cv2.imread(str(sheet))
    assert img is not None and img.shape[1] == 5 * 244


def test_report_on_a_folder_lists_problems(tmp_path, capsys):
    make_pair(tmp_path / "d", "a", [("one", 1, 1, 100, 5)])
    assert main(["report", "--images", str(tmp_path / "d")]) == 1
    out = capsys.readouterr().out
    assert "problem: " in out and "a.xml: object 1 ('one')" in out
