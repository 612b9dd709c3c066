"""A project without test images (a dozen photos, all in train/): convert, train and eval say what to do."""
from pathlib import Path

import pytest

from dataset_helpers import all_files, make_pair, make_project
from tod_ros.cli import main
from tod_ros.training.config import TrainConfig
from tod_ros.training.inputs import resolve_paths


@pytest.fixture
def fake_records(monkeypatch):
    """Record files written without TensorFlow: one line per image (unit tests never import it)."""
    from tod_ros.dataset import tfrecord

    def write(paths, annotations, label_map, desc="records"):
        for p in paths:
            Path(p).write_text("".join(f"{a.filename}\n" for a in annotations))

    monkeypatch.setattr(tfrecord, "write_examples", write)


def train_only(tmp_path, remove_test_dir=False):
    """The test project with its test/ emptied (or gone) and the outputs of an earlier full conversion."""
    project = make_project(tmp_path)
    for f in project.split_dir("test").iterdir():
        f.unlink()
    if remove_test_dir:
        project.split_dir("test").rmdir()
    stale = [project.record_path("test"), project.csv_path("test"),
             project.record_path("test").with_name("test.record-00000-of-00002")]
    for p in stale:
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text("earlier run\n")
    return project, stale


def convert(project, verb="convert"):
    return main([verb, "-p", project.name, "--workspace", str(project.root)])


@pytest.mark.parametrize("remove_test_dir", [False, True])
def test_convert_without_test_images_writes_train_only_and_one_warning(tmp_path, capsys, fake_records,
                                                                         remove_test_dir):
    project, stale = train_only(tmp_path, remove_test_dir)
    assert convert(project) == 0
    err = capsys.readouterr().err
    assert project.record_path("train").read_text() == "a.png\nb.jpg\nc.png\n"
    assert project.csv_path("train").is_file() and project.label_map_path.is_file()
    assert not any(p.exists() for p in stale)
    lines = [line for line in err.splitlines() if "test" in line]
    assert len(lines) == 1 and "Traceback" not in err
    assert f"no annotated test images in {project.split_dir('test')}, so only train.record was written" in lines[0]
    assert "deleted the earlier" in lines[0] and "test.record-00000-of-00002" in lines[0]
    assert "`tod eval -p cubes` needs a test split" in lines[0] and "`tod split -p cubes`" in lines[0]


def test_seed_scripts_without_test_images(tmp_path, capsys, fake_records):
    project, stale = train_only(tmp_path)
    make_pair(project.split_dir("test"), "loose", [])
    (project.split_dir("test") / "loose.xml").unlink()        # an image not annotated yet: no test split
    assert convert(project, "xml-to-csv") == 0
    assert "so only train_labels.csv was written" in capsys.readouterr().err
    assert not project.csv_path("test").exists() and project.record_path("test").exists()
    assert convert(project, "csv-to-record") == 0
    assert "so only train.record was written" in capsys.readouterr().err
    assert not any(p.exists() for p in stale) and project.record_path("train").is_file()


def test_training_resolves_no_eval_records_after_a_train_only_conversion(tmp_path, fake_records):
    project, _ = train_only(tmp_path)
    assert convert(project) == 0
    config = resolve_paths(TrainConfig(), project)
    assert config.train_records == [str(project.record_path("train"))] and config.eval_records == []


@pytest.mark.parametrize("verb", ["convert", "xml-to-csv"])
def test_empty_train_is_an_error_naming_it_and_writing_nothing(tmp_path, capsys, fake_records, verb):
    project = make_project(tmp_path)
    for f in project.split_dir("train").iterdir():
        f.unlink()
    before = all_files(tmp_path)
    assert convert(project, verb) == 1
    err = capsys.readouterr().err
    assert f"{project.split_dir('train')}: no annotated training image" in err and "`tod split -p cubes`" in err
    assert len(err.strip().splitlines()) == 1 and all_files(tmp_path) == before


def test_eval_without_test_split_names_it_and_suggests_split(tmp_path, capsys):
    project, _ = train_only(tmp_path)
    assert main(["eval", "-p", project.name, "--workspace", str(tmp_path)]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    assert err.startswith(f"tod: error: {project.split_dir('test')}: no annotated test images")
    assert "`tod split -p cubes`" in err and "--images DIR" in err


def test_report_of_a_train_only_project_is_not_a_problem(tmp_path, capsys):
    project, _ = train_only(tmp_path)
    assert main(["report", "-p", project.name, "--workspace", str(project.root)]) == 0
    out = capsys.readouterr().out
    assert "no annotated images in" in out and "test" in out
