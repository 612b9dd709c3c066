"""tod split: pairs moved to train/ and test/, never split, never overwriting."""
import pytest

from dataset_helpers import all_files, make_image, make_pair
from tod_ros.cli import main
from tod_ros.dataset.split import MIN_TEST_BOXES, n_test_pairs, plan_split, split_project
from tod_ros.errors import TodError, ValidationError
from tod_ros.workspace import Project


def project_with_pairs(tmp_path, n, boxes=MIN_TEST_BOXES):
    """``n`` pairs of ``boxes`` boxes each (by default one pair alone holds enough test boxes)."""
    project = Project.at("p", tmp_path)
    project.create()
    for i in range(n):
        make_pair(project.images_dir, f"img{i:03d}", [("one", 1 + j, 1, 5 + j, 5) for j in range(boxes)],
                  ext=".jpg" if i % 2 else ".png")
    return project


@pytest.mark.parametrize("n, ratio, expected", [(0, 0.1, 0), (1, 0.1, 0), (2, 0.1, 1), (10, 0.1, 1), (25, 0.1, 2),
                                                (100, 0.1, 10), (3, 0.0, 1), (4, 0.9, 3)])
def test_number_of_test_pairs(n, ratio, expected):
    assert n_test_pairs(n, ratio) == expected


def test_bad_ratio():
    with pytest.raises(TodError, match="--test-ratio must be in"):
        n_test_pairs(10, 1.0)


def test_split_moves_pairs_together_and_leaves_lonely_files(tmp_path, capsys):
    project = project_with_pairs(tmp_path, 20)
    make_image(project.images_dir / "lonely.png")
    (project.images_dir / "orphan.xml").write_text("<annotation/>")
    assert main(["split", "-p", "p", "--workspace", str(tmp_path), "--seed", "3"]) == 0
    out = capsys.readouterr().out
    assert "no XML: lonely.png" in out and "no image: orphan.xml" in out
    train = {p.stem for p in project.split_dir("train").iterdir()}
    test = {p.stem for p in project.split_dir("test").iterdir()}
    assert len(test) == 2 and len(train) == 18 and not train & test
    for folder in (project.split_dir("train"), project.split_dir("test")):
        names = [p.name for p in folder.iterdir()]
        assert sorted(n for n in names if n.endswith(".xml")) == sorted(
            n.rsplit(".", 1)[0] + ".xml" for n in names if not n.endswith(".xml"))
    assert sorted(p.name for p in project.images_dir.iterdir() if p.is_file()) == ["lonely.png", "orphan.xml"]


def test_same_seed_same_split(tmp_path):
    a = plan_split(project_with_pairs(tmp_path / "a", 30).images_dir, 0.2, seed=7)
    b = plan_split(project_with_pairs(tmp_path / "b", 30).images_dir, 0.2, seed=7)
    assert [x.name for x, _ in a.test] == [x.name for x, _ in b.test] and len(a.test) == 6


def test_refuses_before_moving_anything_when_a_target_exists(tmp_path):
    project = project_with_pairs(tmp_path, 5)
    make_image(project.split_dir("test") / "img003.jpg")
    before = all_files(tmp_path)
    with pytest.raises(ValidationError, match=r"test/img003\.jpg already exists.*nothing moved|nothing moved"):
        split_project(project)
    assert all_files(tmp_path) == before
    assert main(["split", "-p", "p", "--workspace", str(tmp_path)]) == 1


def test_nothing_to_split(tmp_path, capsys):
    project = Project.at("p", tmp_path)
    project.create()
    make_image(project.images_dir / "x.png")
    assert main(["split", "-p", "p", "--workspace", str(tmp_path)]) == 1
    assert "no image+XML pair" in capsys.readouterr().err


def all_in_train(project):
    """The top-level pairs of ``project`` moved into train/, as a team that annotated there."""
    for p in list(project.images_dir.iterdir()):
        if p.is_file():
            p.rename(project.split_dir("train") / p.name)
    return project


def test_everything_in_train_moves_a_share_to_test(tmp_path, capsys):
    """A team that annotated every photo in train/: `tod split` moves ~10 % of the pairs to test/."""
    project = all_in_train(project_with_pairs(tmp_path, 12))
    assert main(["split", "-p", "p", "--workspace", str(tmp_path), "--dry-run"]) == 0
    assert "would move 1 pair(s) of" in capsys.readouterr().out
    assert not list(project.split_dir("test").iterdir())
    assert main(["split", "-p", "p", "--workspace", str(tmp_path)]) == 0
    test = sorted(p.name for p in project.split_dir("test").iterdir())
    train = sorted(p.name for p in project.split_dir("train").iterdir())
    assert len(test) == 2 and test[0].rsplit(".", 1)[0] == test[1].rsplit(".", 1)[0]   # one pair, together
    assert len(train) == 22 and not set(test) & set(train)
    assert main(["split", "-p", "p", "--workspace", str(tmp_path)]) == 1   # test/ has pairs now: nothing to do
    assert "no image+XML pair" in capsys.readouterr().err


def test_one_pair_in_train_is_not_moved(tmp_path, capsys):
    project = all_in_train(project_with_pairs(tmp_path, 1))
    assert main(["split", "-p", "p", "--workspace", str(tmp_path)]) == 1
    assert "one image+XML pair" in capsys.readouterr().err
    assert len(list(project.split_dir("train").iterdir())) == 2


def test_small_project_keeps_enough_test_boxes(tmp_path, capsys):
    """12 photos of 4 cubes: 10 % would be one photo, 4 boxes; test/ takes 3 photos (12 boxes) and says why."""
    project = project_with_pairs(tmp_path, 12, boxes=4)
    assert main(["split", "-p", "p", "--workspace", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "test/ takes 3 pair(s) instead of 1 (--test-ratio) so that it holds 12 boxes, at least 10" in out
    assert len(list(project.split_dir("test").glob("*.xml"))) == 3
    assert len(list(project.split_dir("train").glob("*.xml"))) == 9


def test_too_few_boxes_for_a_third_is_a_caution(tmp_path, capsys):
    project = project_with_pairs(tmp_path, 6, boxes=1)
    assert main(["split", "-p", "p", "--workspace", str(tmp_path)]) == 0
    assert ("caution: test/ holds only 2 box(es) in 2 image(s) (a third of the pairs, instead of 1 by --test-ratio)"
            in capsys.readouterr().out)
    assert len(list(project.split_dir("test").glob("*.xml"))) == 2


def test_min_test_boxes_zero_keeps_the_ratio(tmp_path):
    plan = plan_split(project_with_pairs(tmp_path, 12, boxes=4).images_dir, 0.1, min_test_boxes=0)
    assert len(plan.test) == 1 and not plan.note
