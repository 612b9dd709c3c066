#!/usr/bin/env python3
"""The tutorial's detection script: run an exported model on images, print and draw the detections.

Same options as ``tod detect`` (-p PROJECT, -s SAVED_MODEL, -i IMAGES, -n MAX, -t PERCENT, --sorted).
"""
import sys

from tod_ros.commands.detect import main

sys.exit(main())
