"""TFRecords decode with tf-models-official's TfExampleDecoder to the XML boxes and label-map ids."""
import sys

import numpy as np
import pytest

from dataset_helpers import all_files, copy_real_cubes, leftovers, make_pair, make_project
from tod_ros.dataset import tfrecord
from tod_ros.dataset.convert import convert_folder, convert_project
from tod_ros.dataset.labelmap import LabelMap, read_label_map, write_label_map
from tod_ros.dataset.voc import find_image, read_folder

tf = pytest.importorskip("tensorflow")
pytestmark = pytest.mark.tf


def decoded(record_paths):
    from official.vision.dataloaders.tf_example_decoder import TfExampleDecoder

    decoder = TfExampleDecoder(regenerate_source_id=True)
    out = []
    for raw in tf.data.TFRecordDataset([str(p) for p in record_paths]):
        d = decoder.decode(raw)
        out.append({k: (v.numpy() if hasattr(v, "numpy") else v) for k, v in d.items()})
    return out


def check_against_xml(record_paths, images_dir, label_map):
    """Every decoded example equals its XML: size, pixels' source bytes, boxes, label ids."""
    anns = {a.filename: a for a in read_folder(images_dir)}
    examples = [e for p in record_paths for e in tfrecord.read_examples(p)]
    assert sorted(e["filename"] for e in examples) == sorted(anns)
    for e, d in zip(examples, decoded(record_paths)):
        ann = anns[e["filename"]]
        image = find_image(ann)
        assert e["encoded"] == image.read_bytes()                    # original bytes, not re-encoded
        assert e["format"] == ("png" if image.read_bytes()[:4] == b"\x89PNG" else "jpeg")
        assert e["source_id"] == ann.filename and len(e["sha256"]) == 64
        assert d["image"].shape == (ann.height, ann.width, 3)
        assert (d["height"], d["width"]) == (ann.height, ann.width)
        expected = np.array([[o.ymin / ann.height, o.xmin / ann.width, o.ymax / ann.height, o.xmax / ann.width]
                             for o in ann.objects], np.float32).reshape(-1, 4)
        np.testing.assert_allclose(d["groundtruth_boxes"], expected, rtol=1e-6)
        assert list(d["groundtruth_classes"]) == [label_map.id_of(o.name) for o in ann.objects]
        assert e["class_text"] == [o.name for o in ann.objects]
        np.testing.assert_allclose(d["groundtruth_area"],
                                   [(o.xmax - o.xmin) * (o.ymax - o.ymin) for o in ann.objects], rtol=1e-6)
        assert not d["groundtruth_is_crowd"].any()
    return examples


def test_generated_project_converts_and_decodes(tmp_path):
    project = make_project(tmp_path)
    summary = convert_project(project)
    lm = read_label_map(project.label_map_path)
    assert lm.names == ["one", "two"] and summary.label_map == lm
    for split in ("train", "test"):
        check_against_xml([project.record_path(split)], project.split_dir(split), lm)
    negative = next(e for e in tfrecord.read_examples(project.record_path("train")) if e["filename"] == "c.png")
    assert negative["xmin"] == [] and negative["class_label"] == []
    assert not leftovers(tmp_path)


def test_real_cubes_convert_cli_decodes_to_xml_boxes(tmp_path, capsys):
    from tod_ros.cli import main

    project = copy_real_cubes(tmp_path)
    assert main(["convert", "-p", project.name, "--workspace", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "Successfully created the TFRecord file:" in out and "train.record" in out
    lm = read_label_map(project.label_map_path)
    assert lm == LabelMap.from_names(["one", "two"])
    ex = check_against_xml([project.record_path("test")], project.split_dir("test"), lm)
    ergo = next(e for e in ex if e["filename"] == "ergo_cubes_212_2.png")
    assert ergo["class_label"] == [2, 1, 2] and ergo["format"] == "png"
    check_against_xml([project.record_path("train")], project.split_dir("train"), lm)


def test_csv_to_record_equals_direct_conversion_and_given_label_map_ids(tmp_path):
    from tod_ros.cli import main

    project = make_project(tmp_path)
    given = write_label_map(tmp_path / "lm.pbtxt", LabelMap.from_names(["two", "one"]))
    ws = ["-p", project.name, "--workspace", str(tmp_path), "--label-map", str(given)]
    assert main(["xml-to-csv"] + ws) == 0
    assert main(["csv-to-record"] + ws) == 0
    via_csv = list(tfrecord.read_examples(project.record_path("train")))
    assert read_label_map(project.label_map_path).names == ["two", "one"]
    check_against_xml([project.record_path("train")], project.split_dir("train"), LabelMap.from_names(["two", "one"]))
    assert main(["convert"] + ws) == 0
    assert list(tfrecord.read_examples(project.record_path("train"))) == via_csv


def test_shards_and_convert_folder(tmp_path):
    folder = tmp_path / "data"
    for i in range(5):
        make_pair(folder, f"im{i}", [("one", 1, 2, 10 + i, 20)], seed=i)
    out = tmp_path / "out" / "train.record"
    summary = convert_folder(folder, out, shards=2, csv_path=tmp_path / "out" / "train.csv")
    names = sorted(p.name for p in summary.record_paths)
    assert names == ["train.record-00000-of-00002", "train.record-00001-of-00002"]
    assert sorted(all_files(tmp_path / "out")) == ["label_map.pbtxt", "train.csv"] + names
    check_against_xml(summary.record_paths, folder, LabelMap.from_names(["one"]))
    resharded = convert_folder(folder, out)
    assert sum("left from an earlier conversion" in w for w in resharded.warnings) == 2
    # a second folder with a subset of labels reuses the existing label map (stable ids)
    write_label_map(tmp_path / "out" / "label_map.pbtxt", LabelMap.from_names(["two", "one"]))
    again = convert_folder(folder, tmp_path / "out" / "test.record")
    assert again.label_map.names == ["two", "one"]
    assert next(tfrecord.read_examples(again.record_paths[0]))["class_label"] == [2]


def test_failure_while_writing_leaves_nothing(tmp_path, monkeypatch):
    project = make_project(tmp_path)
    before = all_files(tmp_path)
    real = tfrecord.build_example
    calls = []

    def fail_on_fourth(*args):
        calls.append(1)
        if len(calls) == 4:
            raise OSError("disk full (injected)")
        return real(*args)

    monkeypatch.setattr(tfrecord, "build_example", fail_on_fourth)
    with pytest.raises(OSError, match="injected"):
        convert_project(project, shards=2)
    assert all_files(tmp_path) == before and not leftovers(tmp_path)


def test_inspect_counts_and_draws(tmp_path, capsys):
    import cv2

    from tod_ros.cli import main

    project = make_project(tmp_path)
    convert_project(project)
    out = tmp_path / "drawn"
    assert main(["inspect", str(project.record_path("train")), "--draw", "2", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "3 images" in text and "3 boxes" in text and "one (id 1): 1" in text and "two (id 2): 2" in text
    drawn = sorted(out.iterdir())
    assert [p.suffix for p in drawn] == [".png", ".png"]
    assert cv2.imread(str(drawn[0])).shape == (48, 64, 3)
    assert main(["inspect", str(project.record_path("train")), "--label-map", str(project.label_map_path)]) == 0
    swapped = write_label_map(tmp_path / "swapped.pbtxt", LabelMap.from_names(["two", "one"]))
    assert main(["inspect", str(project.record_path("train")), "--label-map", str(swapped)]) == 1
    assert "class 'one' has id 1 in the record but the label map" in capsys.readouterr().err


def test_convert_single_folder_with_images_and_out(tmp_path, capsys):
    from tod_ros.cli import main

    folder = tmp_path / "shots"
    make_pair(folder, "s1", [("two", 3, 4, 30, 40)], ext=".jpg")
    make_pair(folder, "s2", [("one", 0.5, 1.5, 60.5, 47)])
    out = tmp_path / "out"
    assert main(["convert", "--images", str(folder), "--out", str(out), "--labels", "one,two"]) == 0
    assert sorted(all_files(out)) == ["label_map.pbtxt", "shots.record", "shots_labels.csv"]
    check_against_xml([out / "shots.record"], folder, LabelMap.from_names(["one", "two"]))
    assert "Successfully created the TFRecord file" in capsys.readouterr().out


def test_write_outputs_api_shards_glob_and_unknown_label(tmp_path):
    from tod_ros.dataset.convert import SplitSpec, write_outputs
    from tod_ros.errors import TodError

    folder = tmp_path / "d"
    for i in range(4):
        make_pair(folder, f"p{i}", [("one", 1, 1, 9, 9)] + ([("two", 2, 2, 8, 8)] if i % 2 else []), seed=i)
    anns = {"x": read_folder(folder)}
    spec = SplitSpec("x", folder, record_path=tmp_path / "r" / "x.record")
    paths = write_outputs([spec], anns, LabelMap.from_names(["one", "two"]), shards=3)["x"].record_paths
    assert [p.name for p in paths] == [f"x.record-0000{i}-of-00003" for i in range(3)]
    for pattern in (tmp_path / "r" / "x.record", str(tmp_path / "r" / "x.record-*")):
        assert sorted(e["filename"] for e in tfrecord.read_examples(pattern)) == [f"p{i}.png" for i in range(4)]
    with pytest.raises(TodError, match="unknown label 'two'"):     # all or nothing
        write_outputs([SplitSpec("x", folder, record_path=tmp_path / "s" / "y.record")], anns,
                      LabelMap.from_names(["one"]))
    assert all_files(tmp_path / "s") == []


def test_same_input_gives_identical_bytes_in_two_processes(tmp_path):
    """The feature map of an Example must be serialized in a fixed order, or two conversions of
    the same input give different records: CSV, records and label map are byte-equal."""
    import os
    import subprocess

    project = make_project(tmp_path / "ws")
    outputs = []
    for seed in ("1", "2"):
        out = tmp_path / f"out{seed}"
        env = dict(os.environ, PYTHONHASHSEED=seed)
        proc = subprocess.run([sys.executable, "-m", "tod_ros.cli", "convert", "--images", str(project.images_dir),
                               "--out", str(out), "--shards", "2"], env=env, capture_output=True, text=True,
                              timeout=300)
        assert proc.returncode == 0, proc.stderr
        outputs.append({p.name: p.read_bytes() for p in sorted(out.iterdir())})
    assert sorted(outputs[0]) == ["label_map.pbtxt", "test.record-00000-of-00002", "test.record-00001-of-00002",
                                  "test_labels.csv", "train.record-00000-of-00002", "train.record-00001-of-00002",
                                  "train_labels.csv"]
    assert outputs[0] == outputs[1]


def test_truncated_jpegs_stop_convert_before_training_would(tmp_path, capsys):
    """Issue 14.1 as reported: train JPEGs cut to 3000 bytes passed `tod convert` (header check only)
    and crashed training. Now convert names each file and writes nothing; --fix skips them."""
    from tod_ros.cli import main

    project = make_project(tmp_path)
    for i in range(3):
        make_pair(project.split_dir("train"), f"big{i}", [("one", 5, 5, 300, 200)], width=640, height=480,
                  ext=".jpg", seed=10 + i)
        path = project.split_dir("train") / f"big{i}.jpg"
        path.write_bytes(path.read_bytes()[:3000])
    before = all_files(tmp_path)
    assert main(["convert", "-p", project.name, "--workspace", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert all(f"big{i}.jpg: corrupt JPEG data" in err for i in range(3))
    assert all_files(tmp_path) == before
    assert main(["convert", "-p", project.name, "--workspace", str(tmp_path), "--fix"]) == 0
    assert capsys.readouterr().err.count("corrupt JPEG data") == 3
    for e in tfrecord.read_examples(project.record_path("train")):     # everything written decodes
        tf.io.decode_image(e["encoded"]).numpy()
