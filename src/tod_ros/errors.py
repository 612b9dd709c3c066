"""User-facing errors: raised by library code, printed (without traceback) by the CLI and nodes."""


class TodError(Exception):
    """An error the user can fix; the message names the file and the problem."""


class ValidationError(TodError):
    """Input data failed validation; ``problems`` lists every problem found."""

    def __init__(self, problems, header="invalid input"):
        self.problems = list(problems)
        lines = [f"{header}: {len(self.problems)} problem(s)"]
        lines += [f"  - {p}" for p in self.problems]
        super().__init__("\n".join(lines))
