"""Python package of tod_ros (used by catkin_python_setup and by `pip install -e .`)."""
from setuptools import find_packages, setup

setup(
    name="tod_ros",
    version="0.1.0",
    description="TensorFlow object detection for ROS robots",
    packages=find_packages(where="src"),
    package_dir={"": "src"},
    entry_points={"console_scripts": ["tod = tod_ros.cli:main"]},
)
