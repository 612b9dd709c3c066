"""Geometry of the table and of the cubes on it: calibration (table), face corners (corners); no ROS."""
