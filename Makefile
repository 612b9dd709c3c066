# tod_ros: `make demo` and `make test` set everything up on first use.
SHELL := /bin/bash
.DEFAULT_GOAL := help
ENV := source ./setup_env.sh

.PHONY: help setup demo test unit rostest clean

help:
	@echo "make demo   - set up if needed, run detect.launch (detector + capture + coordinator) on the simulated robot"
	@echo "make test   - set up if needed, run the whole test suite"
	@echo "make setup  - install Debian ROS packages, .venv and the catkin workspace (idempotent)"
	@echo "make unit   - pure-Python unit tests only"
	@echo "make rostest - ROS integration tests only"

setup:
	@tools/install.sh

demo: setup
	@$(ENV) && tools/demo.sh

test: setup
	@$(ENV) && tools/run_tests.sh

unit: setup
	@$(ENV) && python3 -m pytest -q test/unit

rostest: setup
	@$(ENV) && python3 -m pytest -q test/test_rostests.py

clean:
	rm -rf .catkin_ws/build .catkin_ws/devel
