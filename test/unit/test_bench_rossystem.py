"""bench/_rossystem.py (shared by the ROS runtime benchmarks): its temporary folders do not outlive the run."""
import subprocess
import sys
from pathlib import Path

SCRIPT = """
import sys
sys.path.insert(0, {bench!r})
import _rossystem as rs
path = rs.temp_dir("tod_bench_test_")
open(path + "/model.txt", "w").write("x")
print(path)
{end}
"""


def _run(repo, end=""):
    code = SCRIPT.format(bench=str(repo / "bench"), end=end)
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    return res, Path(res.stdout.strip().splitlines()[-1])


def test_temp_dir_is_removed_at_exit(repo):
    res, path = _run(repo)
    assert res.returncode == 0, res.stderr
    assert path.name.startswith("tod_bench_test_") and not path.exists()


def test_temp_dir_is_removed_when_the_benchmark_fails(repo):
    res, path = _run(repo, end="raise SystemExit('bench failed')")
    assert res.returncode == 1 and "bench failed" in res.stderr
    assert not path.exists()
