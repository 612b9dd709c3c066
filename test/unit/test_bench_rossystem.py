"""bench/_rossystem.py (shared by the ROS runtime benchmarks): its temporary folders do not outlive the run."""
from pathlib import Path

SCRIPT = """
import _rossystem as rs
path = rs.temp_dir("tod_bench_test_")
open(path + "/model.txt", "w").write("x")
print(path)
{end}
"""


def _run(bench_python, end=""):
    res = bench_python(SCRIPT.format(end=end))
    return res, Path(res.stdout.strip().splitlines()[-1])


def test_temp_dir_is_removed_at_exit(bench_python):
    res, path = _run(bench_python)
    assert res.returncode == 0, res.stderr
    assert path.name.startswith("tod_bench_test_") and not path.exists()


def test_temp_dir_is_removed_when_the_benchmark_fails(bench_python):
    res, path = _run(bench_python, end="raise SystemExit('bench failed')")
    assert res.returncode == 1 and "bench failed" in res.stderr
    assert not path.exists()
