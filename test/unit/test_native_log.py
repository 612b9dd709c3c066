"""What native code writes to stderr (TFLite conversion, LiteRT) is held back: shown on failure, or as asked."""
import os

import pytest

from tod_ros.nativelog import native_log_captured


def test_native_noise_is_held_back_on_success(capfd):
    with native_log_captured():
        os.write(2, b"W0000 converter noise\n")
    print("after")
    out, err = capfd.readouterr()
    assert "converter noise" not in err and out == "after\n"
    os.write(2, b"stderr works again\n")
    assert "stderr works again" in capfd.readouterr().err


def test_native_log_is_shown_when_the_block_fails(capfd):
    with pytest.raises(RuntimeError, match="conversion failed"):
        with native_log_captured():
            os.write(2, b"E0000 the reason\n")
            raise RuntimeError("conversion failed")
    assert "E0000 the reason" in capfd.readouterr().err


def test_kept_lines_are_written_back_and_the_others_dropped(capfd):
    with native_log_captured(keep=lambda line: "delegate" not in line):
        os.write(2, b"INFO: Created TensorFlow Lite XNNPACK delegate for CPU.\nE0000 a real problem\n")
    err = capfd.readouterr().err
    assert "a real problem" in err and "delegate" not in err
