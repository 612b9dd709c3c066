"""ROS wiring: each module reads its params once into a config dataclass and runs a node."""
