"""``tod train`` run as the console script leaves without the interpreter's teardown
(``tod_ros.cli.FAST_EXIT_VERBS``), its output flushed and its exit code kept; called in-process
(``main(argv)``) it returns; other verbs and errors exit normally."""
import subprocess
import sys

from tod_ros.cli import main

# The console script's way in (argv from sys.argv), with an exit handler that reports the teardown.
CONSOLE = ("import atexit, sys, tod_ros.cli\n"
           "atexit.register(print, 'interpreter teardown ran')\n"
           "sys.argv = ['tod'] + {argv!r}\n"
           "sys.exit(tod_ros.cli.main())\n")


def _console(argv, cwd):
    return subprocess.run([sys.executable, "-c", CONSOLE.format(argv=argv)], capture_output=True, text=True,
                          timeout=120, cwd=cwd)


def test_console_train_skips_the_teardown_and_keeps_its_output(tmp_path):
    proc = _console(["train", "--print-config", "num_steps=7"], tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "num_steps: 7" in proc.stdout and proc.stdout.endswith("\n")
    assert "interpreter teardown ran" not in proc.stdout


def test_console_train_error_exits_normally_with_its_code(tmp_path):
    proc = _console(["train", "no_such_key=1"], tmp_path)
    assert proc.returncode != 0
    assert "tod: error:" in proc.stderr and "no_such_key" in proc.stderr
    assert "interpreter teardown ran" in proc.stdout


def test_other_verbs_exit_normally(tmp_path):
    proc = _console(["init", "p", "--workspace", str(tmp_path)], tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "interpreter teardown ran" in proc.stdout


def test_in_process_train_returns(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["train", "--print-config", "num_steps=7"]) == 0
    assert "num_steps: 7" in capsys.readouterr().out
