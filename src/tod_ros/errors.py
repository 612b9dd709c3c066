"""User-facing errors: raised by library code, printed (without traceback) by the CLI and nodes."""


class TodError(Exception):
    """An error the user can fix; the message names the file and the problem."""

    exit_code = 1       # exit status of the `tod` command that stops on it


class NoDisplayError(TodError):
    """A graphical tool was asked for where there is no display (exit status 2)."""

    exit_code = 2


class ValidationError(TodError):
    """Input data failed validation; ``problems`` lists every problem found."""

    def __init__(self, problems, header="invalid input"):
        self.problems = list(problems)
        lines = [f"{header}: {len(self.problems)} problem(s)"]
        lines += [f"  - {p}" for p in self.problems]
        super().__init__("\n".join(lines))


def quoted(value, limit=80):
    """``repr(value)`` for a log line or message: one line (newlines escaped), cut after ``limit`` characters."""
    text = repr(value)
    if len(text) > limit:
        text = f"{text[:limit]}... ({len(text)} characters)"
    return text


def describe_os_error(exc):
    """One line for a filesystem error: ``<path>: <reason>`` (both paths of a rename/link).

    ``PermissionError(13, 'Permission denied', '/ro/x')`` -> ``/ro/x: Permission denied``;
    an error without a path (a full disk while writing) -> ``No space left on device``.
    """
    reason = exc.strerror or str(exc) or type(exc).__name__
    if exc.filename is None:
        return reason
    names = f"{exc.filename}" + (f" -> {exc.filename2}" if exc.filename2 is not None else "")
    return f"{names}: {reason}"
