"""package.xml tells rosdep the truth: every Python requirement has its rosdep key (or is listed
as having none), and the ROS packages the nodes and launch files use are declared."""
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
# requirements.txt name -> rosdep key (rosdistro rosdep/python.yaml); None: no rosdep key exists
ROSDEP_KEYS = {
    "tensorflow": "python-tensorflow-pip", "tf-models-official": None, "numpy": "python3-numpy",
    "opencv-python-headless": "python3-opencv", "pandas": "python3-pandas", "lxml": "python3-lxml",
    "defusedxml": "python3-defusedxml", "pycocotools": None, "tqdm": "python3-tqdm",
    "matplotlib": "python3-matplotlib", "pyyaml": "python3-yaml", "pillow": "python3-pil",
    "pytest": "python3-pytest", "hypothesis": "python3-hypothesis", "labelimgplusplus": None,
    "scikit-image": "python3-skimage",
}


def declared():
    catkin_pkg = pytest.importorskip("catkin_pkg.package")
    pkg = catkin_pkg.parse_package(str(REPO / "package.xml"))
    deps = {d.name for d in pkg.exec_depends + pkg.build_depends + pkg.test_depends + pkg.buildtool_depends}
    return pkg, deps


def test_python_requirements_have_their_rosdep_keys():
    _, deps = declared()
    for line in (REPO / "requirements.txt").read_text().splitlines():
        name = re.split(r"[<>=!~\[; ]", line.strip(), maxsplit=1)[0].lower()
        if not name or name.startswith("#"):
            continue
        assert name in ROSDEP_KEYS, f"requirements.txt: {name} has no rosdep key decision in this test"
        if ROSDEP_KEYS[name]:
            assert ROSDEP_KEYS[name] in deps, f"package.xml lacks the rosdep key of {name}: {ROSDEP_KEYS[name]}"


def test_ros_packages_used_are_declared():
    pkg, deps = declared()
    assert pkg.package_format == 3
    for name in ("rospy", "roslaunch", "std_srvs", "sensor_msgs", "dynamic_reconfigure", "image_view",
                 "message_runtime", "cv_bridge", "rostest"):
        assert name in deps, name
    assert "dynamic_reconfigure" in {d.name for d in pkg.build_depends}, "cfg/ is generated at build time"
