"""tod prelabel --sheet: every proposal in one picture, label and score on each box, uncertain first."""
import cv2
import numpy as np

from dataset_helpers import make_image, make_project
from fixtures_models import demo_or_skip
from tod_ros.cli import main
from tod_ros.dataset.prelabel import Box
from tod_ros.dataset.review_sheet import UNCERTAIN_COLOR, box_text, uncertainty_order, write_review_sheet

MAGENTA = np.array(UNCERTAIN_COLOR, np.uint8)
GREEN = np.array((0, 200, 0), np.uint8)      # the colour of class 0 (one)


def _has(cell, color):
    return bool(np.any(np.all(cell == color, axis=-1)))


def test_sheet_puts_uncertain_images_first_and_marks_their_boxes(tmp_path):
    for name in "abc":
        make_image(tmp_path / f"{name}.png", 320, 240)
    sure = (tmp_path / "a.png", [Box("one", 0.95, 10, 10, 100, 100), Box("two", 0.9, 150, 10, 250, 100)])
    doubtful = (tmp_path / "b.png", [Box("one", 0.6, 10, 10, 100, 100)])
    empty = (tmp_path / "c.png", [])
    assert [p[0].name for p in uncertainty_order([sure, doubtful, empty])] == ["c.png", "b.png", "a.png"]
    assert box_text(doubtful[1][0], 0.7) == "one 0.60 ?" and box_text(sure[1][0], 0.7) == "one 0.95"
    path = write_review_sheet([sure, doubtful, empty], tmp_path / "sheet.png", 0.7, ["one", "two"])
    sheet = cv2.imread(str(path))
    cell_w = 320 + 4
    assert sheet.shape[1] == 3 * cell_w                                 # one row of three
    cells = [sheet[:, i * cell_w:(i + 1) * cell_w] for i in range(3)]
    assert not _has(cells[0], MAGENTA) and not _has(cells[0], GREEN)        # c: no box
    assert _has(cells[1], MAGENTA) and not _has(cells[1], GREEN)            # b: its uncertain box in magenta
    assert _has(cells[2], GREEN) and not _has(cells[2], MAGENTA)            # a: class colours


def test_tod_prelabel_sheet_with_the_shipped_model(tmp_path, capsys):
    demo_or_skip()
    project = make_project(tmp_path)
    frame = np.full((480, 640, 3), 90, np.uint8)
    cv2.rectangle(frame, (200, 150), (360, 310), (235, 235, 235), -1)
    cv2.putText(frame, "2", (245, 275), cv2.FONT_HERSHEY_SIMPLEX, 4, (20, 20, 20), 8)
    cv2.imwrite(str(project.images_dir / "image001.png"), frame)
    sheet = tmp_path / "sheet.png"
    args = ["prelabel", "-p", project.name, "--workspace", str(tmp_path), "--backend", "tflite",
            "--min-score", "0.05", "--sheet", str(sheet)]
    assert main(args) == 0
    assert f"review sheet: {sheet} (1 image(s), most uncertain first" in capsys.readouterr().out
    first = cv2.imread(str(sheet))
    assert first is not None and first.shape[1] == 320 + 4
    sheet.unlink()
    make_image(project.split_dir("test") / "f.jpg", 64, 48)
    assert main(args) == 0        # f.jpg is new; image001's pre-annotation, still unreviewed, is on the sheet too
    assert f"review sheet: {sheet} (2 image(s)" in capsys.readouterr().out
