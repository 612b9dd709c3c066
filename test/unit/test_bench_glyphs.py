"""bench/glyphs: the digit geometry it measures, and the script end to end on generated photos."""
import subprocess
import sys

import numpy as np
import pytest

from tod_ros.dataset.synth import generate
from tod_ros.dataset.synth_glyphs import find_fonts
from tod_ros.errors import TodError


@pytest.fixture
def fonts():
    try:
        return find_fonts()
    except TodError as exc:
        pytest.skip(f"handwriting fonts not installed (make setup): {exc}")


def test_ink_geometry_of_a_bar_ignores_the_face_edges(bench_script):
    glyphs = bench_script("glyphs")
    face = np.full((100, 100), 200.0, np.float32)
    face[25:75, 45:55] = 10          # the digit: 50 x 10 px
    face[2:98, 3:5] = 10             # a dark edge mark touching the inner border: not ink
    ink_h, ink_w, stroke = glyphs.ink_geometry(face)
    assert ink_h == pytest.approx(0.5) and ink_w == pytest.approx(0.1)
    assert 0.1 < stroke < 0.25       # 2 x area / perimeter ~ the bar's width (10 px) / 50 px
    assert glyphs.ink_geometry(np.full((50, 50), 200.0, np.float32)) is None


def test_script_compares_real_and_synthetic_faces(repo, tmp_path, fonts):
    generate(tmp_path / "real", 3, seed=4)
    res = subprocess.run([sys.executable, str(repo / "bench" / "glyphs"), "--real", str(tmp_path / "real"),
                          "--faces", "20"], capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    rows = [line.split() for line in res.stdout.splitlines()[1:]]
    assert {(r[0], r[1]) for r in rows} == {("real", "one"), ("real", "two"), ("synthetic", "one"),
                                            ("synthetic", "two")}
    assert all(line.count("/") == 6 for line in res.stdout.splitlines()[1:])
