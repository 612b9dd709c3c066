#!/usr/bin/env python3
"""Save frames from the robot's get_image service as images/<project>/imageNNN.png."""
import sys

from tod_ros.nodes.capture_tool import main

sys.exit(main())
