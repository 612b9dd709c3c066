#!/usr/bin/env python3
"""Save frames from the robot's get_image service as images/<project>/imageNNN.png."""
import sys

from tod_ros.commands.capture import main

sys.exit(main())
