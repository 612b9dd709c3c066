"""Installation checks behind ``tod doctor`` (the tutorial's model_builder_tf2_test step, in seconds)."""
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from tod_ros.errors import TodError

OK, WARN, FAIL = "ok", "warn", "FAIL"
FIX_SETUP = "run 'make setup' in the tod_ros repository, then 'source setup_env.sh'"


@dataclass
class Check:
    """Outcome of one check; ``fix`` says what to do when it is not ok."""

    name: str
    status: str
    detail: str
    fix: str = ""


def _probe(code, timeout=120):
    """Run ``code`` in a fresh interpreter (isolates crashes such as cv_bridge segfaults)."""
    try:
        proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=timeout,
                              env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3"))
    except subprocess.TimeoutExpired:
        return -1, "", f"timed out after {timeout} s"
    return proc.returncode, proc.stdout.strip(), proc.stderr.strip()


def check_python():
    venv = sys.prefix != sys.base_prefix
    from_system = Path(sys.base_prefix).resolve() == Path("/usr")
    status = OK if venv and from_system else WARN
    return Check("python", status, f"{sys.executable} (Python {sys.version.split()[0]}, venv={venv})",
                 "" if status == OK else f"use the project's venv made from /usr/bin/python3: {FIX_SETUP}")


def check_ros():
    try:
        import rospkg

        path = rospkg.RosPack().get_path("tod_ros")
    except Exception as exc:  # rospkg raises several types; all mean "not found"
        return Check("ROS", FAIL, f"tod_ros not found by rospack ({exc.__class__.__name__})", FIX_SETUP)
    distro = os.environ.get("ROS_DISTRO", "debian")
    return Check("ROS", OK, f"rospy found, tod_ros at {path} (ROS {distro})")


def check_build():
    try:
        from catkin.find_in_workspaces import find_in_workspaces

        relays = find_in_workspaces(["libexec"], project="tod_ros", path="capture.py")
    except Exception as exc:
        return Check("catkin build", FAIL, f"cannot look up the build ({exc})", FIX_SETUP)
    if not relays:
        return Check("catkin build", FAIL, "no built node scripts in the catkin workspace", FIX_SETUP)
    shebang = Path(relays[0]).read_text().splitlines()[0][2:].strip()
    if os.path.realpath(shebang) != os.path.realpath(sys.executable):
        return Check("catkin build", FAIL, f"nodes run with {shebang}, not {sys.executable}",
                     "rebuild with catkin_make -DPYTHON_EXECUTABLE=.venv/bin/python3 ('make setup' does it)")
    try:
        from tod_ros.srv import GetImage
    except ImportError:
        return Check("catkin build", FAIL, "messages not generated (tod_ros.srv missing)", FIX_SETUP)
    md5_ok = GetImage._md5sum == "b13d2865c5af2a64e6e30ab1b56e1dd5"
    return Check("catkin build", OK if md5_ok else FAIL,
                 f"nodes run with {shebang}; GetImage md5 {GetImage._md5sum}",
                 "" if md5_ok else "srv/GetImage.srv must be '---' then 'sensor_msgs/Image image'")


def check_numpy_cv_bridge():
    code = ("import numpy, cv2\nfrom cv_bridge import CvBridge\n"
            "img = numpy.zeros((4, 4, 3), numpy.uint8)\n"
            "m = CvBridge().cv2_to_imgmsg(img, 'bgr8'); CvBridge().imgmsg_to_cv2(m)\n"
            "print(numpy.__version__, cv2.__version__)")
    rc, out, err = _probe(code)
    if rc != 0:
        why = "crashed (segfault: numpy 2 with Debian's cv_bridge?)" if rc < 0 else (err.splitlines() or ["?"])[-1]
        return Check("numpy/OpenCV/cv_bridge", FAIL, why, 'pip install "numpy<2" "opencv-python-headless<4.12"')
    numpy_version, cv2_version = out.split()
    status = OK if int(numpy_version.split(".")[0]) < 2 else FAIL
    return Check("numpy/OpenCV/cv_bridge", status,
                 f"numpy {numpy_version}, OpenCV {cv2_version}, cv_bridge round-trip ok",
                 "" if status == OK else 'pip install "numpy<2"')


def check_tensorflow(full=False):
    build = ""
    if full:
        build = ("from official.vision.configs import retinanet as rc\n"
                 "from official.vision.modeling import factory\n"
                 "cfg = rc.RetinaNet(num_classes=3, input_size=[128, 128, 3])\n"
                 "cfg.backbone.type = 'mobilenet'; cfg.backbone.mobilenet.model_id = 'MobileNetV2'\n"
                 "m = factory.build_retinanet(tf.keras.layers.InputSpec(shape=[None, 128, 128, 3]), cfg)\n"
                 "m(tf.zeros([1, 128, 128, 3]), training=False)\n")
    code = ("import tensorflow as tf\nimport official.vision\nimport official\n"
            f"{build}"
            "gpus = tf.config.list_physical_devices('GPU')\n"
            "print(tf.__version__, len(gpus))")
    rc, out, err = _probe(code, timeout=300)
    if rc != 0:
        return [Check("TensorFlow / Model Garden", FAIL, (err.splitlines() or ["crashed"])[-1],
                      'pip install -r requirements.txt (tensorflow==2.20.0 tf-models-official==2.20.0 "numpy<2")')]
    version, gpus = out.split()[-2:]
    detail = f"TensorFlow {version}, official.vision importable" + (", RetinaNet built" if full else "")
    gpu = Check("GPU", OK, f"{gpus} GPU(s) visible") if int(gpus) else Check(
        "GPU", WARN, "no GPU visible: training runs on the CPU (the default model is sized for that)")
    return [Check("TensorFlow / Model Garden", OK, detail), gpu]


def check_fonts():
    """The handwriting fonts ``tod synth`` uses (the same search as the generator's)."""
    from tod_ros.dataset import synth  # noqa: F401  (checks the module imports)
    from tod_ros.dataset.synth_glyphs import FONT_PACKAGES, find_fonts

    try:
        return Check("handwriting fonts", OK, f"{len(find_fonts())} fonts for tod synth")
    except TodError:
        return Check("handwriting fonts", WARN, "none found: tod synth cannot draw handwritten digits",
                     f"apt-get install {' '.join(FONT_PACKAGES)} ('make setup' does it)")


def run_checks(full=False):
    """All checks, in order."""
    checks = [check_python(), check_ros(), check_build(), check_numpy_cv_bridge()]
    checks += check_tensorflow(full)
    try:
        checks.append(check_fonts())
    except ImportError:
        pass
    return checks
