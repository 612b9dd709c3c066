"""The ``tod`` command: one verb per offline task, each a thin adapter onto the library.

Command modules live in :mod:`tod_ros.commands`; each defines ``add_arguments(parser)`` and
``run(args) -> int``; their one-line help is in :data:`tod_ros.commands._verbs.VERBS` (the only
place: the seed-style scripts take it from there too). They are imported only when
their verb runs (or for ``tod <verb> --help``), so ``tod --help`` stays instant and
TensorFlow is imported only by verbs that need it.
"""
import argparse
import importlib
import os
import sys
import time

from tod_ros import __version__
from tod_ros.commands._verbs import VERBS
from tod_ros.errors import TodError, describe_os_error
from tod_ros.progress import STAGES


def _load(verb):
    module_name, _ = VERBS[verb]
    return importlib.import_module(f"tod_ros.commands.{module_name}")


def build_parser(argv):
    """Top-level parser; only the sub-parser of the verb being run is fully built."""
    parser = argparse.ArgumentParser(
        prog="tod",
        description="Offline tools of tod_ros: capture -> label -> convert -> train -> export -> eval.",
    )
    parser.add_argument("--version", action="version", version=f"tod_ros {__version__}")
    sub = parser.add_subparsers(dest="verb", metavar="<verb>")
    sub.required = True
    wanted = next((a for a in argv if not a.startswith("-")), None)
    for verb, (_, help_text) in VERBS.items():
        p = sub.add_parser(verb, help=help_text, description=help_text)
        if verb == wanted:
            module = _load(verb)
            module.add_arguments(p)
            p.set_defaults(_run=module.run)
    return parser


# Verbs whose process leaves without the interpreter's teardown when run as the console script.
# After `tod train` every file is written and closed; tearing down TensorFlow's objects took
# ~1.5 s, and in some bench runs tens of seconds (measured on these 2-core machines).
FAST_EXIT_VERBS = ("train",)

# Verbs that end with their wall time from start and the breakdown of their stages (tod_ros.progress).
TIMED_VERBS = ("convert", "csv-to-record", "synth", "train", "export", "prelabel", "eval", "detect")


def _exit_now(code):
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def main(argv=None):
    """Entry point of the ``tod`` console script (``argv`` given: called in-process, e.g. by tests)."""
    console = argv is None
    argv = sys.argv[1:] if argv is None else list(argv)
    # before any TensorFlow import: no C++ start-up noise ("failed call to cuInit" without a GPU)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    STAGES.reset(None if console else time.time())
    try:
        args = build_parser(argv).parse_args(argv)
        code = int(args._run(args) or 0)
        if code == 0 and args.verb in TIMED_VERBS:
            sys.stdout.flush()          # the command's own lines first
            print(f"tod {args.verb}: {STAGES.summary()}", file=sys.stderr, flush=True)
        if console and args.verb in FAST_EXIT_VERBS:
            _exit_now(code)
        return code
    except TodError as exc:
        print(f"tod: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except OSError as exc:     # permission denied, missing parent, disk full: one line, no traceback
        print(f"tod: error: {describe_os_error(exc)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("tod: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
