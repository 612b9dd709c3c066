"""tod doctor on this installation, and the failures it must name."""
import sys

from tod_ros import doctor
from tod_ros.cli import main


def test_doctor_passes_on_a_set_up_machine(capsys):
    assert main(["doctor"]) == 0, capsys.readouterr().out
    out = capsys.readouterr().out
    for name in ("ROS", "catkin build", "numpy/OpenCV/cv_bridge", "TensorFlow / Model Garden", "GPU"):
        assert name in out
    assert "all checks passed" in out


def test_doctor_names_a_build_against_the_wrong_python(monkeypatch):
    monkeypatch.setattr(sys, "executable", "/usr/local/bin/some-other-python3")
    check = doctor.check_build()
    assert check.status == doctor.FAIL
    assert "not /usr/local/bin/some-other-python3" in check.detail
    assert "PYTHON_EXECUTABLE" in check.fix


def test_doctor_reports_a_crashing_import(monkeypatch):
    monkeypatch.setattr(doctor, "_probe", lambda code, timeout=120: (-11, "", ""))
    check = doctor.check_numpy_cv_bridge()
    assert check.status == doctor.FAIL and "segfault" in check.detail
    assert "numpy<2" in check.fix
