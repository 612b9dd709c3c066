"""The TensorFlow bench scripts run end to end on data the tests make (their figures are not checked)."""
import subprocess
import sys

import cv2
import pytest

from fixtures_models import GRID_COLS, GRID_ROWS, build_grid_model, cube_scene
from tod_ros.dataset.voc import VocAnnotation, VocObject, write_voc


def _bench(repo, name, *args, timeout=300):
    res = subprocess.run([sys.executable, str(repo / "bench" / name), *map(str, args)],
                         capture_output=True, text=True, timeout=timeout)
    assert res.returncode == 0, res.stdout + res.stderr
    return res.stdout


def test_bench_train_times_a_step(repo):
    out = _bench(repo, "train", "--steps", 1, "--seed-steps", 0, "--images", 4, "--batch", 2)
    assert "default (RetinaNet MobileNetV2 x0.5, 256x320): batch 2," in out and "s/step" in out


def _annotated_scene(folder, stem, columns):
    """``cube_scene(columns)`` as ``<stem>.png`` with its labelImg XML (class 1 = ``one``, 2 = ``two``)."""
    bgr, _ = cube_scene(columns)
    cv2.imwrite(str(folder / f"{stem}.png"), bgr)
    cw, ch = 640 / GRID_COLS, 480 / GRID_ROWS
    boxes = [VocObject("one" if c == 1 else "two", int(col * cw + 8), int(ch + 8), int((col + 1) * cw - 8),
                       int(2 * ch - 8)) for col, c in enumerate(columns) if c]
    write_voc(folder / f"{stem}.xml", VocAnnotation(f"{stem}.png", 640, 480, objects=boxes))


@pytest.fixture(scope="module")
def grid_model(tmp_path_factory):
    return build_grid_model(tmp_path_factory.mktemp("grid"))


def test_probe_real_reads_each_change_and_each_cube_alone(repo, grid_model, tmp_path):
    """The grid model reads an orange cube ``one`` and a blue one ``two``: the scene reads o t o, each
    cube cut out alone reads its own class only, and grey-scale (no colour) changes the reading."""
    _annotated_scene(tmp_path, "scene", [1, 2, None, 1])
    out = _bench(repo, "probe_real", "--model", grid_model, "--real", tmp_path, "--images", "scene.png",
                 "--threshold", 0.3)
    rows = {line[:17].strip(): line[17:].split() for line in out.splitlines() if line.startswith("    ")}
    letters = {k: [w[0] for w in v] for k, v in rows.items()}
    assert letters["as is"] == ["o", "t", "o"]
    assert letters["cube 1 alone"] == ["o"] and letters["cube 2 alone"] == ["t"] and letters["cube 3 alone"] == ["o"]
    assert letters["grey"] != letters["as is"]
    assert len(rows) == 9 + 3


def test_votes_of_identical_models_equal_each_model(repo, grid_model, tmp_path):
    """Two copies of one model: the same figures, the vote equals them, and every photo fails for 0 or 2 models.
    The grid model reads its scenes upright and upside down but not in portrait frames: its vote over the
    quarter turns (boxes turned back) reads every angle."""
    for i, columns in enumerate(([1, 2, None, 1], [None, 2, 2, None])):
        _annotated_scene(tmp_path, f"scene{i}", columns)
    out = _bench(repo, "votes", "--model", grid_model, "--model", grid_model, "--real", tmp_path, "--quarter-turns")
    figures = [line.split(": ")[1] for line in out.splitlines() if line.startswith(f"  {grid_model}: ")]
    assert len(figures) == 2 and figures[0] == figures[1]
    assert figures[0].startswith("1.000 / ")          # upright: the grid model reads its own scenes
    assert out.count("vote over the 4 quarter turns: 1.000 / 1.000 / 1.000 / 1.000") == 2
    assert f"vote of the 2 models: {figures[0]}" in out
    counts = [c for line in out.splitlines() if line.startswith("  scene") for c in line.split()[1:] if c != "/"]
    assert all(c in ("0", "2") for c in counts)
    assert "errors over all models and angles: wrong class" in out


def test_sweep_reads_each_cube_alone_at_each_turn(repo, grid_model, tmp_path):
    """Each cube cut out alone and turned: the grid model reads a cube by its colour, so upright and upside
    down (its scenes' angles) every cube reads its own label, and the shares add up over the cubes."""
    _annotated_scene(tmp_path, "scene", [1, 2, None, 1])
    out = _bench(repo, "sweep", "--model", grid_model, "--real", tmp_path, "--step", 180)
    assert "3 cubes of" in out and "turned by 0, 180 degrees" in out
    assert f"{grid_model}: right 6/6 = 1.000 (one 4/4, two 2/2)" in out
    rows = [line.split() for line in out.splitlines() if line.startswith("  scene.png")]
    assert [r[1] for r in rows] == ["one", "two", "one"]
    assert all(r[2][0] == r[1][0] and r[3][0] == r[1][0] and r[-1] == "0" for r in rows)


def test_sweep_names_a_folder_without_annotations(repo, tmp_path):
    res = subprocess.run([sys.executable, str(repo / "bench" / "sweep"), "--model", str(tmp_path),
                          "--real", str(tmp_path)],
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == 1 and "no annotated cube" in res.stderr and "Traceback" not in res.stderr


def test_transplant_draws_each_digit_on_each_face(repo, grid_model, tmp_path):
    """The grid model reads a cube by its colour, not its digit: a digit re-drawn on the orange face reads
    `one` and on the blue face `two`, whatever the digit, and the sheet shows every digit on every face."""
    _annotated_scene(tmp_path, "scene", [1, 2, None, None])
    bgr = cv2.imread(str(tmp_path / "scene.png"))
    for x, digit in ((40, "1"), (200, "2")):
        cv2.putText(bgr, digit, (x, 200), cv2.FONT_HERSHEY_SIMPLEX, 2.0, (15, 15, 15), 5)
    cv2.imwrite(str(tmp_path / "scene.png"), bgr)
    out = _bench(repo, "transplant", "--model", grid_model, "--real", tmp_path, "--face", "scene.png:0",
                 "--face", "scene.png:1", "--step", 180, "--out", tmp_path / "sheet.png")
    assert "2 digits on 2 faces (scene.png:0, scene.png:1)" in out
    rows = {line.split()[0]: line.split()[1:] for line in out.splitlines() if line.startswith("  scene.png")}
    assert rows["scene.png:0"][:3] == ["one", "2", "0"] and rows["scene.png:1"][:3] == ["two", "0", "2"]
    assert cv2.imread(str(tmp_path / "sheet.png")).shape == (2 * 96, 2 * 96, 3)


def test_transplant_names_an_unknown_face(repo, tmp_path):
    _annotated_scene(tmp_path, "scene", [1, None, None, None])
    res = subprocess.run([sys.executable, str(repo / "bench" / "transplant"), "--model", str(tmp_path), "--real",
                          str(tmp_path), "--face", "other.png:0"], capture_output=True, text=True, timeout=120)
    assert res.returncode == 1 and "--face other.png:0: no such cube" in res.stderr and "Traceback" not in res.stderr


def test_reader_trains_reads_each_cube_and_relabels_a_detector(repo, grid_model, tmp_path):
    """One epoch on a few synthetic cubes (its figures are not checked): the reader's sweep table and the
    detector's photo mAP as detected and relabelled are printed."""
    from tod_ros.dataset.synth import SynthConfig, generate

    generate(tmp_path / "synth", 6, seed=3, config=SynthConfig(width=320, height=240, max_clutter=0))
    real = tmp_path / "real"
    real.mkdir()
    _annotated_scene(real, "scene", [1, 2, None, 1])
    out = _bench(repo, "reader", "--synth", tmp_path / "synth", "--real", real, "--detector", grid_model,
                 "--epochs", 1, "--step", 90, "--save", tmp_path / "reader.keras")
    again = _bench(repo, "reader", "--reader", tmp_path / "reader.keras", "--real", real, "--step", 90)
    assert "reader trained" not in again and "reader, 3 cubes alone at 4 angles: right" in again
    assert "reader trained on" in out and "4 quarter turns of" in out
    assert "reader, 3 cubes alone at 4 angles: right" in out
    assert len([line for line in out.splitlines() if line.startswith("  scene.png")]) == 3
    assert f"  {grid_model}: detector " in out and "| relabelled " in out
    assert (tmp_path / "reader.keras").is_file()


def test_reader_names_a_folder_without_annotations(repo, tmp_path):
    res = subprocess.run([sys.executable, str(repo / "bench" / "reader"), "--synth", str(tmp_path)],
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == 1 and "no labelImg .xml in" in res.stderr and "Traceback" not in res.stderr
