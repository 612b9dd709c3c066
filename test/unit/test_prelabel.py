"""Pre-annotations: marker, never overwriting, atomic numbered saving, convert refusing unreviewed ones."""
import os

import numpy as np
import pytest

from dataset_helpers import all_files, leftovers, make_image, make_pair, make_project
from fixtures_models import demo_or_skip
from tod_ros.cli import main
from tod_ros.dataset.prelabel import (PRELABEL_DATABASE, Box, images_without_xml, is_unreviewed, pre_annotation,
                                      prelabel_images, save_prelabeled)
from tod_ros.dataset.voc import VocObject, read_voc, write_voc
from tod_ros.evaluation.metrics import iou


class FakeDetection:
    """Shaped like tod_ros.detection.Detection (label, score, box_px) without importing TensorFlow."""

    def __init__(self, label, score, box_px):
        self.label, self.score, self.box_px = label, score, box_px


def test_pre_annotation_clips_rounds_filters_and_is_marked(tmp_path):
    dets = [FakeDetection("one", 0.91, (-3.2, 4.6, 30.4, 60.0)), Box("two", 0.3, 5, 5, 9, 9),
            ("two", 0.8, (62.0, 1.0, 64.4, 47.6)), ("one", 0.99, (70, 10, 90, 20))]
    ann = pre_annotation("f.png", 64, 48, dets, folder="p", score_threshold=0.5)
    assert ann.objects == [VocObject("one", 0, 5, 30, 48), VocObject("two", 62, 1, 64, 48)]
    assert ann.database == PRELABEL_DATABASE and is_unreviewed(ann)
    back = read_voc(write_voc(tmp_path / "f.xml", ann))
    assert is_unreviewed(back) and back.objects == ann.objects
    back.verified = True
    assert not is_unreviewed(back)


def test_annotator_save_drops_the_marker(tmp_path):
    """What labelImg / labelimgplusplus write on save (database Unknown, maybe verified) is reviewed."""
    xml = write_voc(tmp_path / "f.xml", pre_annotation("f.png", 64, 48, [("one", 0.9, (1, 1, 9, 9))]))
    xml.write_text(xml.read_text().replace(PRELABEL_DATABASE, "Unknown"))
    assert not is_unreviewed(read_voc(xml))


def test_save_prelabeled_numbers_never_overwrites_and_is_atomic(tmp_path):
    frame = np.full((48, 64, 3), 100, np.uint8)
    folder = tmp_path / "uncertain"
    (folder).mkdir()
    (folder / "uncertain001.xml").write_text("a person's file")      # an orphan XML is never replaced
    first = save_prelabeled(folder, frame, [FakeDetection("one", 0.6, (1, 2, 30, 40))])
    second = save_prelabeled(folder, frame, [("two", 0.55, (5, 5, 20, 20))])
    assert [p.name for p in first] == ["uncertain002.png", "uncertain002.xml"]
    assert [p.name for p in second] == ["uncertain003.png", "uncertain003.xml"]
    assert (folder / "uncertain001.xml").read_text() == "a person's file"
    ann = read_voc(first[1])
    assert is_unreviewed(ann) and ann.objects == [VocObject("one", 1, 2, 30, 40)]
    assert (ann.width, ann.height) == (64, 48)
    assert not leftovers(folder)


@pytest.mark.parametrize("umask", [0o022, 0o007])
def test_written_files_follow_the_umask(tmp_path, umask):
    """The node's uncertainNNN.png/.xml and tod prelabel's XML get 0666 minus the umask, as open() gives."""
    old = os.umask(umask)
    try:
        image, xml = save_prelabeled(tmp_path / "u", np.full((48, 64, 3), 9, np.uint8), [("one", 0.5, (1, 1, 9, 9))])
        result = prelabel_images([make_image(tmp_path / "p" / "a.png")], lambda bgr: [])
    finally:
        os.umask(old)
    for path in (image, xml, *result.written):
        assert oct(path.stat().st_mode & 0o777) == oct(0o666 & ~umask), path


def test_save_prelabeled_failure_leaves_nothing_half_written(tmp_path, monkeypatch):
    real_link = os.link

    def link(src, dst):
        if str(dst).endswith(".xml"):
            raise OSError(28, "No space left on device")
        return real_link(src, dst)

    monkeypatch.setattr(os, "link", link)
    with pytest.raises(OSError, match="No space left"):
        save_prelabeled(tmp_path, np.zeros((8, 8, 3), np.uint8), [("one", 0.9, (1, 1, 5, 5))])
    # the frame is kept (an image without XML is simply not annotated yet); no XML, no temp file
    assert all_files(tmp_path) == ["uncertain001.png"]


def test_prelabel_images_skips_annotated_reports_unreadable_lists_low_scores(tmp_path):
    make_pair(tmp_path, "done", [("one", 1, 1, 9, 9)])
    done_before = (tmp_path / "done.xml").read_bytes()
    make_image(tmp_path / "new.png")
    (tmp_path / "bad.jpg").write_bytes(b"\xff\xd8\xff garbage")
    images = images_without_xml([tmp_path, tmp_path / "missing"])
    assert [p.name for p in images] == ["bad.jpg", "new.png"]
    found = [FakeDetection("two", 0.55, (2, 2, 20, 20)), FakeDetection("one", 0.95, (30, 3, 60, 40)),
             FakeDetection("one", 0.2, (1, 1, 5, 5))]
    detect = lambda bgr: found  # noqa: E731
    result = prelabel_images(images + [tmp_path / "done.png"], detect, score_threshold=0.5, check_below=0.7)
    assert [p.name for p in result.written] == ["new.xml"] and result.boxes == 2
    assert [p.name for p in result.skipped] == ["done.png"]
    assert len(result.failed) == 1 and "bad.jpg" in result.failed[0]
    assert result.low == [(0.55, tmp_path / "new.xml", "two")]
    assert (tmp_path / "done.xml").read_bytes() == done_before
    assert is_unreviewed(read_voc(tmp_path / "new.xml"))


def _prelabeled_project(tmp_path):
    project = make_project(tmp_path)
    xml = project.split_dir("train") / "f.xml"
    make_image(project.split_dir("train") / "f.png")
    write_voc(xml, pre_annotation("f.png", 64, 48, [("one", 0.9, (1, 1, 20, 20))]))
    return project, xml


def _more_prelabels(project, names):
    for name in names:
        make_image(project.split_dir("train") / f"{name}.png")
        write_voc(project.split_dir("train") / f"{name}.xml",
                  pre_annotation(f"{name}.png", 64, 48, [("two", 0.8, (2, 2, 30, 30))]))


def test_convert_refuses_unreviewed_prelabels_in_one_line_and_lists_them(tmp_path, capsys):
    project, xml = _prelabeled_project(tmp_path)
    _more_prelabels(project, ["g", "h"])
    before = all_files(tmp_path)
    for verb in ("convert", "xml-to-csv"):
        assert main([verb, "-p", project.name, "--workspace", str(tmp_path)]) == 1
        err = capsys.readouterr().err
        assert "nothing written: 1 problem(s)" in err and err.count("--accept-prelabels") == 1
        assert "3 unreviewed pre-annotation(s)" in err and err.count("unreviewed") == 1
        for name in ("f", "g", "h"):
            assert f"\n      {xml.parent / name}.xml\n" in err + "\n"
        assert all_files(tmp_path) == before


def test_accept_prelabels_or_review_lets_convert_through(tmp_path, capsys):
    project, xml = _prelabeled_project(tmp_path)
    _more_prelabels(project, ["g"])
    assert main(["xml-to-csv", "-p", project.name, "--workspace", str(tmp_path), "--accept-prelabels"]) == 0
    assert ("warning: --accept-prelabels: 2 unreviewed pre-annotation(s) converted as the model wrote them: "
            "f.xml, g.xml") in capsys.readouterr().err
    assert "f.png,64,48,one,1,1,20,20" in project.csv_path("train").read_text()
    os.remove(project.split_dir("train") / "g.xml")
    os.remove(project.csv_path("train"))
    ann = read_voc(xml)
    ann.verified = True            # what Space (Verify) in the annotator does
    write_voc(xml, ann)
    assert main(["xml-to-csv", "-p", project.name, "--workspace", str(tmp_path)]) == 0
    assert project.csv_path("train").is_file()




def test_tod_prelabel_cli_with_the_shipped_model(tmp_path, capsys):
    """`tod prelabel -p` on the project's loose and split images (TFLite model, no TensorFlow import)."""
    import cv2

    demo_or_skip()
    project = make_project(tmp_path)
    a_xml = (project.split_dir("train") / "a.xml").read_bytes()
    frame = np.full((480, 640, 3), 90, np.uint8)
    cv2.rectangle(frame, (200, 150), (360, 310), (235, 235, 235), -1)
    cv2.putText(frame, "2", (245, 275), cv2.FONT_HERSHEY_SIMPLEX, 4, (20, 20, 20), 8)
    cv2.imwrite(str(project.images_dir / "image001.png"), frame)
    make_image(project.split_dir("test") / "f.jpg", 64, 48)
    args = ["prelabel", "-p", project.name, "--workspace", str(tmp_path), "--backend", "tflite", "--min-score", "0.05"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "2 image(s) without XML" in out and "2 pre-annotation(s) written" in out
    for xml in (project.images_dir / "image001.xml", project.split_dir("test") / "f.xml"):
        assert is_unreviewed(read_voc(xml))
    assert (project.split_dir("train") / "a.xml").read_bytes() == a_xml
    assert main(args) == 0
    assert "nothing to pre-annotate" in capsys.readouterr().out


def test_prelabel_on_the_real_photos_it_was_trained_on(tmp_path, capsys):
    """The measure of docs/dataset.md in small: the shipped model's boxes on the 12 shared photos.
    A smoke test of the prelabel path, not an accuracy claim: models/demo was fine-tuned on these
    very photos (its accuracy on unseen data: test/tf/test_eval_detect.py)."""
    import shutil

    from dataset_helpers import real_cubes_or_skip

    demo_or_skip()
    src = real_cubes_or_skip()
    folder = tmp_path / "real"
    folder.mkdir()
    truth = {}
    for xml in sorted(src.glob("*.xml")):
        ann = read_voc(xml)
        shutil.copyfile(src / ann.filename, folder / ann.filename)
        truth[xml.stem] = ann.objects
    assert main(["prelabel", "--images", str(folder), "--backend", "tflite"]) == 0
    right = total = 0
    for stem, objects in truth.items():
        pred = read_voc(folder / f"{stem}.xml").objects
        total += len(objects)
        for o in objects:
            right += any(p.name == o.name and iou(_box(p), _box(o)) >= 0.5 for p in pred)
    assert total == 19 and right >= 17, f"{right}/{total} boxes right"


def _box(o):
    return o.xmin, o.ymin, o.xmax, o.ymax


def test_prelabel_arguments_checked(tmp_path, capsys):
    assert main(["prelabel", "--images", str(tmp_path / "nope")]) == 1
    assert f"{tmp_path / 'nope'}: no such folder" in capsys.readouterr().err
    assert main(["prelabel", "--images", str(tmp_path), "--score-threshold", "2"]) == 1
    assert "--score-threshold must be in [0, 1]" in capsys.readouterr().err
    assert main(["prelabel", "--images", str(tmp_path), "-t", "200"]) == 1
    assert "-t must be a percentage in [0, 100]" in capsys.readouterr().err
    assert main(["prelabel", "--images", str(tmp_path), "-p", "x"]) == 1
    assert "either -p/--project NAME or --images DIR" in capsys.readouterr().err
    make_image(tmp_path / "a.png")
    assert main(["prelabel", "--images", str(tmp_path), "--model", str(tmp_path / "nomodel")]) == 1
    assert "nomodel: no such model folder" in capsys.readouterr().err


def test_report_counts_unreviewed_prelabels(tmp_path, capsys):
    project, _xml = _prelabeled_project(tmp_path)
    assert main(["report", "-p", project.name, "--workspace", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "train: 1 unreviewed pre-annotation(s) of tod prelabel" in out and "f.xml" in out
