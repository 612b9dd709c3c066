"""tod synth --fonts DIR: hand-writing fonts of a folder (e.g. tools/fetch_fonts.sh) beside the Debian ones."""
import shutil

import pytest

from tod_ros.cli import main as tod_main
from tod_ros.commands import synth as synth_command
from tod_ros.dataset.synth_glyphs import find_fonts, fonts_in
from tod_ros.errors import TodError


@pytest.fixture
def font_dir(tmp_path):
    """A folder with one usable font (a copy of an installed one), a file that is no font, and a text file."""
    try:
        installed = find_fonts()
    except TodError as exc:
        pytest.skip(f"handwriting fonts not installed (make setup): {exc}")
    folder = tmp_path / "fonts"
    folder.mkdir()
    shutil.copyfile(installed[0], folder / ("mine" + installed[0][installed[0].rfind("."):]))
    (folder / "broken.woff").write_bytes(b"not a font at all")
    (folder / "LICENSE-mine.txt").write_text("SIL Open Font License 1.1")
    return folder


def test_fonts_in_keeps_the_fonts_that_draw_both_digits(font_dir):
    assert [p.rsplit("/", 1)[1] for p in fonts_in(font_dir)] == [next(font_dir.glob("mine.*")).name]


def test_fonts_in_names_the_folder_when_nothing_is_usable(tmp_path):
    (tmp_path / "broken.ttf").write_bytes(b"\0" * 64)
    with pytest.raises(TodError, match=rf"{tmp_path}: no font that draws a 1 and a 2 \(looked at 1 "):
        fonts_in(tmp_path)
    with pytest.raises(TodError, match="no such font folder"):
        fonts_in(tmp_path / "missing")


def test_cli_fonts_adds_the_folder_to_the_installed_fonts(font_dir, tmp_path):
    assert synth_command._fonts([]) is None
    assert synth_command._fonts([str(font_dir)]) == find_fonts() + fonts_in(font_dir)
    out = tmp_path / "out"
    assert tod_main(["synth", "--out", str(out), "--count", "2", "--fonts", str(font_dir), "--quiet"]) == 0
    assert len(list(out.glob("*.xml"))) == 2


def test_cli_bad_font_folder_fails_and_writes_nothing(tmp_path, capsys):
    assert tod_main(["synth", "--out", str(tmp_path / "out"), "--count", "2", "--fonts", str(tmp_path / "nope")]) == 1
    assert "nope: no such font folder" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()
