"""What native code (TFLite converter, LiteRT) writes straight to the stderr file descriptor, held back."""
import contextlib
import os
import sys
import tempfile


@contextlib.contextmanager
def native_log_captured(keep=lambda line: False):
    """Hold back what native code writes to stderr while the block runs (the TFLite converter's ``W0000 ...
    Ignored output_format`` lines, LiteRT's ``INFO: Created TensorFlow Lite XNNPACK delegate``); afterwards
    write back the lines ``keep`` accepts, and all of them when the block fails."""
    sys.stderr.flush()
    saved = os.dup(2)
    failed = False
    with tempfile.TemporaryFile() as buffer:
        os.dup2(buffer.fileno(), 2)
        try:
            yield
        except BaseException:
            failed = True
            raise
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            buffer.seek(0)
            lines = buffer.read().decode(errors="replace").splitlines(keepends=True)
            sys.stderr.write("".join(line for line in lines if failed or keep(line)))
            sys.stderr.flush()
