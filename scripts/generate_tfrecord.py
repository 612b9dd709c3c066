#!/usr/bin/env python3
"""The seed's step 2: images/<project>/{train,test}_labels.csv -> training/<project>/{train,test}.record + label map."""
import sys

from tod_ros.commands.csv_to_record import main

sys.exit(main())
