#!/usr/bin/env bash
# The whole test suite: unit tests (no master), TensorFlow tests, and every rostest
# (test/*.test, each with its own master) -- one pytest run, one summary line.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
[ -n "${TOD_REPO:-}" ] || source ./setup_env.sh
exec python3 -m pytest -ra "$@" test
