#!/usr/bin/env python3
"""The seed's step 1: images/<project>/{train,test}/*.xml -> images/<project>/{train,test}_labels.csv."""
import sys

from tod_ros.commands.xml_to_csv import main

sys.exit(main())
