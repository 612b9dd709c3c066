"""Small file helpers shared by the library: atomic writes, image listing."""
import contextlib
import errno
import glob
import os
import tempfile
import time
from pathlib import Path

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp")
STALE_TEMP_AGE = 3600.0     # s: age after which a temp file without a pid in its name is a leftover


def temp_next_to(path):
    """``(fd, name)`` of a temp file created beside ``path`` with the permissions a plain open() would
    give (0666 minus the umask; mkstemp's own 0600 would make every written file private).

    Named ``.<name>.<pid>.<random>.tmp`` so that :func:`remove_stale_temps` can tell the
    leftovers of a killed process from the temp file of a run still writing.
    """
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.{os.getpid()}.", suffix=".tmp", dir=path.parent)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)
    return fd, tmp


@contextlib.contextmanager
def atomic_write(path, mode="w", **kwargs):
    """Open a temp file next to ``path``; rename it onto ``path`` only if the block succeeds.

    A failing block leaves neither a partial ``path`` nor the temp file behind.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = temp_next_to(path)
    try:
        with os.fdopen(fd, mode, **kwargs) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        _raise_naming(exc, path)


# errno of the filesystem errors TensorFlow's file writers report in their message (not as an OSError)
_TF_FS_ERRNOS = (errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EIO)


def tf_fs_error(exc, path):
    """An OSError naming ``path`` for a TensorFlow error that is a filesystem error in disguise
    (``ResourceExhaustedError: <tmp>; No space left on device`` of a TFRecordWriter or SaveV2), else None."""
    if not type(exc).__module__.startswith("tensorflow"):
        return None
    message = str(getattr(exc, "message", "") or exc)
    for code in _TF_FS_ERRNOS:
        if os.strerror(code) in message:
            return OSError(code, os.strerror(code), str(path))
    return None


def _raise_naming(exc, path):
    """Re-raise ``exc``; an OSError naming no file (disk full while writing) or only a temp file of
    ``path`` is raised again naming ``path``, the file the user asked for; so is a filesystem error
    TensorFlow raised as its own type (:func:`tf_fs_error`)."""
    disguised = tf_fs_error(exc, path)
    if disguised is not None:
        raise disguised from exc
    if isinstance(exc, OSError):
        name = Path(exc.filename).name if exc.filename is not None else None
        if name is None or (name.startswith(f".{path.name}.") and name.endswith(".tmp")):
            raise OSError(exc.errno, exc.strerror or str(exc) or type(exc).__name__, str(path)) from exc
    raise exc


@contextlib.contextmanager
def atomic_path(path):
    """Yield a temp path next to ``path`` for writers that need a file name (e.g. TFRecordWriter).

    The temp file is renamed onto ``path`` when the block succeeds, removed otherwise.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = temp_next_to(path)
    os.close(fd)
    try:
        yield Path(tmp)
        os.replace(tmp, path)
    except BaseException as exc:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        _raise_naming(exc, path)


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:      # exists, owned by someone else
        return True
    return True


def remove_stale_temps(path, min_age=STALE_TEMP_AGE):
    """Remove temp files that an atomic write of ``path`` left behind when its process was killed.

    A temp file ``.<name>.<pid>.<random>.tmp`` is stale when process ``pid`` no longer exists;
    one without a pid (older naming) when it is older than ``min_age`` seconds. Returns the
    removed paths. A write in progress (its process alive) is never touched.
    """
    path = Path(path)
    if not path.parent.is_dir():
        return []
    removed, now = [], time.time()
    for tmp in path.parent.glob(f".{glob.escape(path.name)}.*.tmp"):
        middle = tmp.name[len(path.name) + 2:-len(".tmp")]
        pid = middle.split(".", 1)[0]
        try:
            stale = not _alive(int(pid)) if pid.isdigit() and "." in middle else now - tmp.stat().st_mtime > min_age
            if stale:
                tmp.unlink()
                removed.append(tmp)
        except FileNotFoundError:
            continue
    return removed


def _locked_fd(path):
    """A descriptor of ``path`` holding its exclusive lock, or ``(None, pid of the holder)``."""
    import fcntl

    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 32).decode("ascii", "replace").strip()
            os.close(fd)
            return None, holder
        try:
            same = os.fstat(fd).st_ino == os.stat(path).st_ino
        except FileNotFoundError:       # the holder released and removed it between our open and flock
            same = False
        if same:
            return fd, None
        os.close(fd)


@contextlib.contextmanager
def process_lock(path, busy):
    """Hold an exclusive lock on ``path`` (a file holding this process id) for the block; when
    another process holds it, raise TodError(``busy(its process id)``) without running the block.

    The lock is the kernel's (flock): a process killed while holding it releases it, so a lock file
    left behind by a killed run (a dead process id in it) is taken over, never a reason to refuse.
    """
    from tod_ros.errors import TodError

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, holder = _locked_fd(path)
    if fd is None:
        raise TodError(busy(holder or "?"))
    try:
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode("ascii"))
        yield
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
        os.close(fd)


def list_images(folder):
    """Sorted image files (by name) directly inside ``folder``."""
    folder = Path(folder)
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in IMAGE_EXTENSIONS)
