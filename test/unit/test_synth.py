"""Tests of the synthetic cube generator (tod_ros.dataset.synth) and `tod synth`."""
from dataclasses import replace

import cv2
import numpy as np
import pytest

from tod_ros.cli import main as tod_main
from tod_ros.dataset import synth
from tod_ros.dataset.synth import SynthConfig, generate, parse_size, render_sample
from tod_ros.dataset.synth_glyphs import find_fonts, glyph_mask
from tod_ros.dataset.voc import read_voc
from tod_ros.errors import TodError


def _fonts_or_skip():
    try:
        return find_fonts()
    except TodError as exc:
        pytest.skip(f"handwriting fonts not installed (make setup): {exc}")


@pytest.fixture(scope="module")
def fonts():
    return _fonts_or_skip()


def _files(folder):
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_same_seed_gives_byte_identical_files(tmp_path, fonts):
    a = generate(tmp_path / "a", 3, seed=7)
    b = generate(tmp_path / "b", 3, seed=7)
    c = generate(tmp_path / "c", 3, seed=8)
    fa, fb, fc = _files(tmp_path / "a"), _files(tmp_path / "b"), _files(tmp_path / "c")
    assert sorted(fa) == ["synth_000001.jpg", "synth_000001.xml", "synth_000002.jpg", "synth_000002.xml",
                          "synth_000003.jpg", "synth_000003.xml"]
    assert fa == fb
    assert fa["synth_000001.jpg"] != fc["synth_000001.jpg"]
    assert [p.name for p in a] == [p.name for p in b] == [p.name for p in c]


def test_image_i_does_not_depend_on_count(tmp_path, fonts):
    generate(tmp_path / "a", 2, seed=3)
    generate(tmp_path / "b", 4, seed=3)
    assert (tmp_path / "a" / "synth_000002.jpg").read_bytes() == (tmp_path / "b" / "synth_000002.jpg").read_bytes()


def test_xml_parses_back_and_matches_the_image(tmp_path, fonts):
    cfg = SynthConfig(image_format="png")
    for xml in generate(tmp_path, 6, seed=11, config=cfg):
        ann = read_voc(xml)
        img = cv2.imread(str(tmp_path / ann.filename))
        assert img is not None and img.shape == (480, 640, 3)
        assert (ann.width, ann.height, ann.depth) == (640, 480, 3)
        assert 1 <= len(ann.objects) <= 4
        for o in ann.objects:
            assert o.name in ("one", "two")
            assert 0 <= o.xmin < o.xmax <= 640 and 0 <= o.ymin < o.ymax <= 480


def _inner(img, o, frac=0.25):
    """Grey pixels of the box without a margin of ``frac`` on each side."""
    x0, x1 = o.xmin + frac * (o.xmax - o.xmin), o.xmax - frac * (o.xmax - o.xmin)
    y0, y1 = o.ymin + frac * (o.ymax - o.ymin), o.ymax - frac * (o.ymax - o.ymin)
    return img[int(y0):int(y1), int(x0):int(x1)]


def test_boxes_hold_a_bright_face_with_dark_ink_on_a_darker_background(fonts):
    """On the dark cloth (other tables may be lighter than the cubes: test_synth_tables.py)."""
    cfg = SynthConfig(min_cubes=1, max_cubes=3, p_truncated=0.0, tables=("dark",))
    for i in range(8):
        img, objects = render_sample(np.random.default_rng([5, i]), cfg)
        gray = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY).astype(np.float32)
        outside = np.ones(gray.shape, bool)
        for o in objects:
            outside[int(o.ymin):int(o.ymax), int(o.xmin):int(o.xmax)] = False
        background = np.median(gray[outside])
        for o in objects:
            inner = _inner(gray, o)
            paper = np.percentile(inner, 75)
            assert paper > background + 30, (i, o, paper, background)
            assert inner.min() < paper - 30, f"no ink in the face of {o} (image {i})"


def test_counts_stay_within_min_and_max(fonts):
    for lo, hi in ((1, 1), (2, 3), (4, 4)):
        cfg = SynthConfig(min_cubes=lo, max_cubes=hi)
        for i in range(4):
            _, objects = render_sample(np.random.default_rng([lo, hi, i]), cfg)
            assert lo <= len(objects) <= hi


def test_faces_do_not_overlap_much(fonts):
    cfg = SynthConfig(min_cubes=4, max_cubes=4, p_truncated=0.0)
    for i in range(4):
        _, objects = render_sample(np.random.default_rng([9, i]), cfg)
        boxes = [(o.xmin, o.ymin, o.xmax, o.ymax) for o in objects]
        for a in range(len(boxes)):
            for b in range(a + 1, len(boxes)):
                assert synth._overlap(boxes[a], boxes[b]) <= cfg.max_overlap + 0.1


def test_truncated_faces_are_clipped_and_marked(fonts):
    cfg = SynthConfig(min_cubes=3, max_cubes=4, p_truncated=1.0)
    found = 0
    for i in range(10):
        _, objects = render_sample(np.random.default_rng([13, i]), cfg)
        for o in objects:
            assert 0 <= o.xmin < o.xmax <= 640 and 0 <= o.ymin < o.ymax <= 480
            touches = o.xmin == 0 or o.ymin == 0 or o.xmax == 640 or o.ymax == 480
            if o.truncated:
                assert touches, o
            found += o.truncated
    assert found > 0


def test_other_size(tmp_path, fonts):
    cfg = SynthConfig(width=320, height=240)
    ann = read_voc(generate(tmp_path, 1, seed=1, config=cfg)[0])
    assert cv2.imread(str(tmp_path / ann.filename)).shape == (240, 320, 3)
    assert all(0 <= o.xmin < o.xmax <= 320 and 0 <= o.ymin < o.ymax <= 240 for o in ann.objects)


def test_split_writes_train_and_test(tmp_path, fonts):
    xmls = generate(tmp_path, 10, seed=2, config=SynthConfig(split=0.3))
    assert len(xmls) == 10
    assert len(list((tmp_path / "test").glob("*.xml"))) == 3
    assert len(list((tmp_path / "train").glob("*.xml"))) == 7
    assert len(list((tmp_path / "train").glob("*.jpg"))) == 7


def test_glyphs_differ_between_digits_and_draws(fonts):
    rng = np.random.default_rng(0)
    ones = [glyph_mask(rng, "1", fonts) for _ in range(3)]
    twos = [glyph_mask(rng, "2", fonts) for _ in range(3)]
    for m in ones + twos:
        assert m.dtype == np.float32 and 0 <= m.min() and m.max() <= 1.0001 and m.max() > 0.5
    # a "1" is a narrow glyph, a "2" a wide one (ink bounding box aspect ratio)
    def aspect(m):
        ys, xs = np.nonzero(m > 0.5)
        return (xs.ptp() + 1) / (ys.ptp() + 1)
    assert np.mean([aspect(m) for m in ones]) < np.mean([aspect(m) for m in twos])


def test_some_pen_stroke_twos_are_a_small_hook_over_a_long_base():
    """A 2 drawn as a short hook at the left end of a long base is wider than tall; the others are taller."""
    from tod_ros.dataset.synth_glyphs import _stroke_glyph

    rng = np.random.default_rng(1)
    aspects = np.array([m.shape[1] / m.shape[0] for m in (_stroke_glyph(rng, "2") for _ in range(300))])
    assert 0.05 < np.mean(aspects > 1.1) < 0.5
    assert np.mean(aspects < 0.9) > 0.5


@pytest.mark.parametrize("kwargs, words", [
    ({"count": 0}, "count"),
    ({"count": -3}, "count"),
    ({"count": 2, "config": SynthConfig(width=0, height=480)}, "size"),
    ({"count": 2, "config": SynthConfig(min_cubes=3, max_cubes=2)}, "min_cubes"),
    ({"count": 2, "config": SynthConfig(image_format="gif")}, "format"),
    ({"count": 2, "config": SynthConfig(split=1.5)}, "split"),
])
def test_bad_options_raise_and_write_nothing(tmp_path, kwargs, words):
    out = tmp_path / "out"
    with pytest.raises(TodError, match=words):
        generate(out, **kwargs)
    assert not out.exists()


def test_missing_fonts_name_the_debian_packages(tmp_path):
    with pytest.raises(TodError, match="fonts-dkg-handwriting.*make setup"):
        find_fonts(roots=(str(tmp_path),))


def test_missing_fonts_write_nothing(tmp_path, monkeypatch):
    def no_fonts():
        raise TodError("no handwriting font")
    monkeypatch.setattr(synth, "find_fonts", no_fonts)
    with pytest.raises(TodError, match="handwriting"):
        generate(tmp_path / "out", 2)
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("text, ok", [("640x480", (640, 480)), ("320X240", (320, 240)),
                                      ("640", None), ("axb", None), ("0x480", None), ("-1x5", None)])
def test_parse_size(text, ok):
    if ok:
        assert parse_size(text) == ok
    else:
        with pytest.raises(TodError, match="size"):
            parse_size(text)


def test_cli_writes_images_and_rejects_bad_size(tmp_path, capsys, fonts):
    out = tmp_path / "cli"
    assert tod_main(["synth", "--out", str(out), "--count", "2", "--seed", "4", "--format", "png", "--quiet"]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["synth_000001.png", "synth_000001.xml",
                                                      "synth_000002.png", "synth_000002.xml"]
    assert tod_main(["synth", "--out", str(tmp_path / "bad"), "--count", "2", "--size", "640by480"]) == 1
    assert "bad size" in capsys.readouterr().err
    assert not (tmp_path / "bad").exists()


def test_config_is_not_mutated_by_generate(tmp_path, fonts):
    cfg = SynthConfig()
    before = replace(cfg)
    generate(tmp_path, 1, config=cfg)
    assert cfg == before and cfg.fonts is None


def test_output_passes_the_dataset_validation(tmp_path, fonts):
    from tod_ros.dataset.validate import validate_annotations
    from tod_ros.dataset.voc import read_folder

    generate(tmp_path, 4, seed=21, config=SynthConfig(p_truncated=1.0))
    clean, problems, warnings = validate_annotations(read_folder(tmp_path))
    assert problems == [] and warnings == []
    assert len(clean) == 4 and all(a.image_path.is_file() for a in clean)


def test_a_turned_face_leaves_the_floor_around_it_untouched():
    """Only the face's own pixels change: no darker rectangle the size of its box around a turned cube."""
    from tod_ros.dataset import synth_scene

    canvas = np.full((100, 100, 3), 100, np.float32)
    face = np.full((synth_scene.TEX, synth_scene.TEX, 3), 200, np.float32)
    diamond = np.array([[50, 10], [90, 50], [50, 90], [10, 50]], np.float32)   # a face turned by 45 degrees
    synth_scene.warp_onto(canvas, face, diamond)
    assert np.allclose(canvas[50, 50], 200)                      # inside the face
    for y, x in [(12, 12), (12, 87), (87, 12), (87, 87), (30, 20)]:  # in the box, outside the face
        assert np.allclose(canvas[y, x], 100), (y, x, canvas[y, x])
    edge = canvas[50, 10:14, 0]                                   # anti-aliased edge: between floor and face
    assert ((edge >= 100 - 1e-3) & (edge <= 200 + 1e-3)).all()
