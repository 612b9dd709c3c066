"""Validation before anything is written: every problem names the XML, the object and the reason."""
import csv
import dataclasses
import os

import pytest

from dataset_helpers import all_files, copy_real_cubes, leftovers, make_image, make_pair, make_project
from tod_ros.dataset.convert import SplitSpec, convert_project, convert_splits, project_specs
from tod_ros.dataset.labelmap import write_label_map
from tod_ros.dataset.validate import validate_annotations
from tod_ros.dataset.voc import read_folder, read_voc
from tod_ros.errors import ValidationError


def csv_only(project, **kw):
    """The xml-to-csv half (no TensorFlow needed)."""
    specs = [dataclasses.replace(s, record_path=None) for s in project_specs(project)]
    return convert_splits(specs, None, **kw)


def fails_writing_nothing(project, match, **kw):
    before = all_files(project.root)
    with pytest.raises(ValidationError, match=match) as info:
        convert_project(project, **kw)
    assert all_files(project.root) == before and not leftovers(project.root)
    with pytest.raises(ValidationError, match=match):
        csv_only(project, **kw)
    assert all_files(project.root) == before
    return str(info.value)


def test_clean_project_csv_rows_equal_xml_boxes(tmp_path):
    project = make_project(tmp_path)
    summary = csv_only(project)
    assert summary.label_map.names == ["one", "two"]
    with open(project.csv_path("train")) as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["filename", "width", "height", "class", "xmin", "ymin", "xmax", "ymax"]
    assert rows[1:] == [["a.png", "64", "48", "one", "5", "6", "30", "40"],
                        ["a.png", "64", "48", "two", "33.5", "2.25", "60", "20"],
                        ["b.jpg", "64", "48", "two", "0", "0", "64", "48"],
                        ["c.png", "64", "48", "", "", "", "", ""]]
    assert not project.record_path("train").exists() and not leftovers(tmp_path)
    assert (summary.splits["test"].images, summary.splits["test"].boxes) == (2, 3)


def test_real_cubes_csv_rows_equal_xml_boxes(tmp_path):
    project = copy_real_cubes(tmp_path)
    csv_only(project)
    for split in ("train", "test"):
        with open(project.csv_path(split)) as fh:
            rows = [(r["filename"], int(r["width"]), int(r["height"]), r["class"],
                     *(float(r[c]) for c in ("xmin", "ymin", "xmax", "ymax"))) for r in csv.DictReader(fh)]
        expected = [(a.filename, a.width, a.height, o.name, o.xmin, o.ymin, o.xmax, o.ymax)
                    for a in read_folder(project.split_dir(split)) for o in a.objects]
        assert rows == expected and rows


def test_missing_and_unreadable_images(tmp_path):
    project = make_project(tmp_path)
    os.remove(project.split_dir("train") / "a.png")
    (project.split_dir("test") / "d.png").write_bytes(b"garbage")
    msg = fails_writing_nothing(project, "not found")
    assert "train/a.xml: image 'a.png' not found" in msg
    assert "test/d.xml: unreadable image" in msg and "d.png: not a PNG, JPEG or BMP" in msg
    assert "2 problem(s)" in msg


def test_size_mismatch(tmp_path):
    project = make_project(tmp_path)
    make_pair(project.split_dir("train"), "f", [("one", 1, 1, 5, 5)], xml_size=(640, 480))
    msg = fails_writing_nothing(project, r"f\.xml: XML size 640x480 disagrees with the image .*f\.png \(64x48\)")
    assert "1 problem(s)" in msg


@pytest.mark.parametrize("box, reason", [
    (("one", 10, 10, 70, 20), r"object 2 \('one'\): box \(10, 10, 70, 20\) outside the 64x48 image"),
    (("one", -1, 10, 20, 20), r"object 2 \('one'\): box \(-1, 10, 20, 20\) outside"),
    (("two", 20, 10, 20, 30), r"object 2 \('two'\): empty box"),
    (("two", 20, 30, 25, 10), r"object 2 \('two'\): empty box"),
])
def test_bad_boxes(tmp_path, box, reason):
    project = make_project(tmp_path)
    make_pair(project.split_dir("test"), "f", [("one", 1, 1, 5, 5), box])
    fails_writing_nothing(project, r"test/f\.xml: " + reason)


def test_unknown_label_with_given_label_map(tmp_path, cube_labels):
    project = make_project(tmp_path)
    make_pair(project.split_dir("train"), "f", [("three", 1, 1, 5, 5)])
    lm_path = write_label_map(tmp_path / "given.pbtxt", cube_labels)
    fails_writing_nothing(project, r"f\.xml: object 1 \('three'\): unknown label 'three'", label_map=lm_path)
    fails_writing_nothing(project, r"unknown label 'three'", label_names=["one", "two"])


def test_duplicate_image_names_in_a_split_and_across_splits(tmp_path):
    project = make_project(tmp_path)
    make_pair(project.split_dir("train"), "g", [("one", 1, 1, 5, 5)], filename="a.png")
    os.remove(project.split_dir("train") / "g.png")
    make_pair(project.split_dir("test"), "b", [("one", 1, 1, 5, 5)], ext=".jpg")
    msg = fails_writing_nothing(project, "duplicate image name")
    assert "g.xml: duplicate image name 'a.png' (also annotated by" in msg
    assert "duplicate image name 'b.jpg' in splits train and test" in msg


def test_empty_dataset_and_hostile_xml(tmp_path):
    project = make_project(tmp_path)
    for f in project.split_dir("test").iterdir():
        f.unlink()
    (project.split_dir("train") / "evil.xml").write_text(
        '<!DOCTYPE a [<!ENTITY e "x">]><annotation><filename>&e;</filename></annotation>')
    msg = fails_writing_nothing(project, "evil.xml: rejected")
    assert "empty dataset" not in msg          # a project's test/ is optional (train only, see test_convert_train_only)
    with pytest.raises(ValidationError, match="test: empty dataset: no labelImg XML file"):
        convert_splits([SplitSpec("test", project.split_dir("test"), tmp_path / "t.csv")])
    assert not (tmp_path / "t.csv").exists()


def test_fix_clips_boxes_and_skips_bad_objects_with_warnings(tmp_path, cube_labels):
    make_pair(tmp_path, "a", [("one", -3, 5, 30, 60), ("two", 70, 5, 90, 10), ("one", 9, 9, 9, 20),
                              ("three", 1, 1, 5, 5), ("two", 1.5, 2, 3, 4)])
    lm = cube_labels
    strict_clean, problems, _ = validate_annotations([read_voc(tmp_path / "a.xml")], lm)
    assert len(problems) == 4 and strict_clean[0].objects == [read_voc(tmp_path / "a.xml").objects[4]]
    clean, problems, warnings = validate_annotations([read_voc(tmp_path / "a.xml")], lm, fix=True)
    assert problems == []
    objs = clean[0].objects
    assert [(o.name, o.xmin, o.ymin, o.xmax, o.ymax) for o in objs] == [("one", 0, 5, 30, 48), ("two", 1.5, 2, 3, 4)]
    assert clean[0].image_path == tmp_path / "a.png"
    assert len(warnings) == 4
    assert any("object 1 ('one')" in w and "clipped" in w for w in warnings)
    assert any("object 2 ('two')" in w and "entirely outside" in w for w in warnings)
    assert any("object 3 ('one')" in w and "empty box" in w and "skipped" in w for w in warnings)
    assert any("object 4 ('three')" in w and "unknown label" in w for w in warnings)


def test_fix_still_stops_on_missing_image(tmp_path):
    project = make_project(tmp_path)
    os.remove(project.split_dir("train") / "b.jpg")
    fails_writing_nothing(project, r"b\.xml: image 'b\.jpg' not found", fix=True)


def test_missing_size_uses_real_size_with_warning(tmp_path):
    make_image(tmp_path / "n.png", 50, 40)
    (tmp_path / "n.xml").write_text("<annotation><filename>n.png</filename><object><name>one</name><bndbox>"
                                    "<xmin>1</xmin><ymin>1</ymin><xmax>50</xmax><ymax>40</ymax></bndbox>"
                                    "</object></annotation>")
    clean, problems, warnings = validate_annotations([read_voc(tmp_path / "n.xml")])
    assert problems == [] and (clean[0].width, clean[0].height) == (50, 40)
    assert "n.xml: no <size> in the XML, using the image's real size 50x40" in warnings[0]


def test_images_without_xml_reported_and_ignored(tmp_path):
    project = make_project(tmp_path)
    make_image(project.split_dir("train") / "loose.png")
    summary = csv_only(project)
    assert any("1 image(s) without XML ignored: loose.png" in w for w in summary.warnings)
    assert summary.splits["train"].images == 3


@pytest.mark.parametrize("row, reason", [
    ("a.png,64,48,one,5,6,x,40", r"train_labels\.csv:2: column 'xmax' is not a number"),
    ("../a.png,64,48,one,5,6,30,40", r"train_labels\.csv:2: filename '\.\./a\.png' escapes the image folder"),
    ("a.png,64,48,,5,6,30,40", r"train_labels\.csv:2: empty class"),
    ("a.png,64,48,one,5,6,30,90", r"a\.png: object 1 \('one'\): box \(5, 6, 30, 90\) outside the 64x48 image"),
    ("zz.png,64,48,one,5,6,30,40", r"image 'zz\.png' not found"),
])
def test_csv_to_record_bad_rows_write_nothing(tmp_path, row, reason):
    project = make_project(tmp_path)
    csv_only(project)
    project.csv_path("train").write_text("filename,width,height,class,xmin,ymin,xmax,ymax\n" + row + "\n")
    before = all_files(tmp_path)
    with pytest.raises(ValidationError, match=reason):
        convert_splits(project_specs(project), project.label_map_path, from_csv=True)
    assert all_files(tmp_path) == before and not leftovers(tmp_path)


def test_csv_with_wrong_columns(tmp_path):
    project = make_project(tmp_path)
    csv_only(project)
    project.csv_path("test").write_text("filename,class,xmin\na.png,one,1\n")
    with pytest.raises(ValidationError, match=r"test_labels\.csv: missing column\(s\) width, height, ymin"):
        convert_splits(project_specs(project), project.label_map_path, from_csv=True)


def truncate(path, size=3000):
    path.write_bytes(path.read_bytes()[:size])
    return path


def test_truncated_jpeg_refused_naming_the_file_or_skipped_with_fix(tmp_path):
    """A JPEG cut at 3000 bytes has a valid header (sizes read fine) but cannot be decoded."""
    from dataset_helpers import make_pair

    project = make_project(tmp_path)
    make_pair(project.split_dir("train"), "big", [("one", 5, 5, 300, 200)], width=640, height=480, ext=".jpg")
    truncate(project.split_dir("train") / "big.jpg")
    msg = fails_writing_nothing(project, r"big\.xml: unreadable image: .*big\.jpg: corrupt JPEG data")
    assert "truncated" in msg
    summary = csv_only(project, fix=True)
    assert any("big.jpg: corrupt JPEG data" in w and w.endswith("skipped") for w in summary.warnings)
    assert "big.jpg" not in project.csv_path("train").read_text()
    assert summary.splits["train"].images == 3
    for name in ("a.png", "b.jpg", "c.png"):                 # every train image corrupt: nothing left to write
        truncate(project.split_dir("train") / name, 60)
    with pytest.raises(ValidationError, match=r"train: no usable image left: --fix skipped all 4"):
        csv_only(project, fix=True)


def test_truncated_png_refused(tmp_path):
    from dataset_helpers import make_pair

    project = make_project(tmp_path)
    make_pair(project.split_dir("test"), "cut", [("one", 1, 1, 30, 30)], width=200, height=150)
    truncate(project.split_dir("test") / "cut.png", 400)
    fails_writing_nothing(project, r"cut\.xml: unreadable image: .*cut\.png: corrupt PNG data")


def test_leftover_temp_files_of_a_killed_run_are_removed_by_the_next(tmp_path):
    """Temp files of a SIGKILLed conversion (dead pid, or old unnamed ones) are cleaned;
    those of a live process are not touched."""
    import subprocess
    import time

    project = make_project(tmp_path)
    folder = project.images_dir
    dead = subprocess.Popen(["true"])
    dead.wait()
    stale = folder / f".train_labels.csv.{dead.pid}.abcd1234.tmp"
    old = folder / ".test_labels.csv.zz9x8y7w.tmp"                  # naming of earlier versions
    live = folder / f".train_labels.csv.{os.getpid()}.live0000.tmp"
    other = folder / ".notes.txt.12.x.tmp"
    for p in (stale, old, live, other):
        p.write_text("partial")
    os.utime(old, (time.time() - 7200, time.time() - 7200))
    csv_only(project)
    assert not stale.exists() and not old.exists()
    assert live.exists() and other.exists()
