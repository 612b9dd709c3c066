"""Where the package's shipped data lives: ``config/`` (presets, node YAML) and ``models/``.

Found, in order, at ``$TOD_ROS_SHARE``, in the source checkout (the folder holding ``src/``),
or through rospkg (an installed catkin package: ``share/tod_ros``). Pure Python, no ROS call.
"""
import os
from pathlib import Path

from tod_ros.errors import TodError

BASE_MODEL = "cubes_base"   # the shipped pre-trained cube checkpoint (docs/training.md)
DEMO_MODEL = "demo"         # the shipped exported demo model (detect.launch's default)
REAL_CUBES_ENV = "TOD_REAL_CUBES"
_CHECKOUT = Path(__file__).resolve().parents[2]   # <checkout>/src/tod_ros/resources.py -> <checkout>


def share_dir():
    """The folder holding the package's ``config/`` and ``models/``; raises TodError if none is found."""
    env = os.environ.get("TOD_ROS_SHARE")
    candidates = [Path(env)] if env else []
    candidates.append(_CHECKOUT)
    for c in candidates:
        if (c / "models").is_dir() and (c / "config").is_dir():
            return c
    try:
        import rospkg

        path = Path(rospkg.RosPack().get_path("tod_ros"))
        if (path / "models").is_dir():
            return path
    except Exception:  # rospkg missing or package not on ROS_PACKAGE_PATH: fall through to the error
        pass
    raise TodError("cannot find the tod_ros package data (config/, models/): set TOD_ROS_SHARE to the "
                   "folder that holds them")


def model_dir(name):
    """Folder of the shipped model ``name`` (``cubes_base``, ``demo``)."""
    return share_dir() / "models" / name


def config_dir():
    """The package's ``config/`` folder (training presets, node YAML)."""
    return share_dir() / "config"


def real_cubes_dir():
    """The annotated real cube photos of the project's dev/CI machines (not shipped with the package).

    ``$TOD_REAL_CUBES`` when set, else ``shared/data/real_cubes`` beside the package's folder (the
    ``../shared/data/real_cubes`` of a source checkout). May not exist: callers check.
    """
    env = os.environ.get(REAL_CUBES_ENV)
    if env:
        return Path(env).expanduser()
    return _CHECKOUT.parent / "shared" / "data" / "real_cubes"
