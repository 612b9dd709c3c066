"""One image rule for every path that reads an image: the limits (thin, huge from the header, before
decoding) and the decoder check (a truncated JPEG), in tod detect / eval (read_image), prelabel and convert."""
import pytest

from dataset_helpers import bomb_png, make_image, make_pair, make_project
from tod_ros.dataset.convert import SplitSpec, convert_project, load_split
from tod_ros.dataset.imagesize import ImageLimits, check_image_file, read_image
from tod_ros.dataset.prelabel import prelabel_images, proposals_of
from tod_ros.errors import TodError, ValidationError
from tod_ros.detection import DetectorConfig


def truncated_jpeg(path):
    data = make_image(path, 320, 240).read_bytes()
    path.write_bytes(data[:len(data) * 2 // 3])
    return path


def test_the_limits_have_one_definition():
    cfg = DetectorConfig()
    assert ImageLimits.of(cfg) == ImageLimits()


def test_thin_huge_and_truncated_images_are_refused_naming_the_file(tmp_path):
    thin = make_image(tmp_path / "thin.png", 400, 3)
    bomb = bomb_png(tmp_path / "bomb.png", 5000, 4000)
    cut = truncated_jpeg(tmp_path / "cut.jpg")
    with pytest.raises(TodError, match=r"thin.png: image 400x3 refused: a side of 3 px is below min_image_side"):
        read_image(thin)
    with pytest.raises(TodError, match=r"bomb.png: image 5000x4000 refused: its 20000000 pixels are more than "
                                       r"max_image_pixels \(16777216\)"):
        read_image(bomb)
    with pytest.raises(TodError, match=r"cut.jpg: corrupt JPEG data"):
        read_image(cut)
    for bad in (thin, bomb):
        with pytest.raises(TodError, match="refused"):
            check_image_file(bad)
    assert read_image(make_image(tmp_path / "ok.png", 40, 30)).shape == (30, 40, 3)
    assert read_image(thin, ImageLimits(min_image_side=2, max_aspect_ratio=200)).shape == (3, 400, 3)


def test_prelabel_reports_refused_images_and_goes_on(tmp_path):
    seen = []

    def detect(bgr):
        seen.append(bgr.shape)
        return []

    images = [make_image(tmp_path / "thin.png", 3, 300), bomb_png(tmp_path / "bomb.png", 5000, 4000),
              truncated_jpeg(tmp_path / "cut.jpg"), make_image(tmp_path / "ok.png", 64, 48)]
    result = prelabel_images(images, detect)
    assert seen == [(48, 64, 3)]
    assert [line.split(":")[0] for line in result.failed] == [str(p) for p in images[:3]]
    assert [x.name for x in result.written] == ["ok.xml"]


def test_the_review_sheet_proposals_leave_out_refused_images(tmp_path):
    seen = []

    def detect(bgr):
        seen.append(bgr.shape)
        return []

    images = [bomb_png(tmp_path / "bomb.png", 5000, 4000), truncated_jpeg(tmp_path / "cut.jpg"),
              make_image(tmp_path / "ok.png", 64, 48)]
    assert proposals_of(images, detect) == [(images[2], [])]
    assert seen == [(48, 64, 3)]


def test_convert_refuses_a_thin_image_naming_it(tmp_path):
    project = make_project(tmp_path / "ws")
    make_pair(project.split_dir("train"), "thin", [("one", 0, 0, 3, 3)], width=300, height=4)
    with pytest.raises(ValidationError) as info:
        convert_project(project)
    assert "thin.xml: unreadable image" in str(info.value) and "below min_image_side (16 px)" in str(info.value)
    assert not project.record_path("train").exists()


def test_convert_names_a_folder_called_xml(tmp_path):
    """The warning comes from reading the split, before anything is written (convert prints it)."""
    project = make_project(tmp_path / "ws")
    (project.split_dir("train") / "f.xml").mkdir()
    anns, problems, warnings = load_split(SplitSpec("train", project.split_dir("train")))
    assert len(anns) == 3 and problems == []
    assert f"{project.split_dir('train') / 'f.xml'}: named .xml but not a file" in "\n".join(warnings)
