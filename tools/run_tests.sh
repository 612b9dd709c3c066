#!/usr/bin/env bash
# The whole test suite: unit tests (no master), TensorFlow tests, and every rostest
# (test/*.test, each with its own master).
#
# With no argument, two pytest runs share the machine's cores: TensorFlow tests that need none of
# the others' run-wide fixtures (ALONGSIDE: the training loop, the benchmark scripts) in the
# background, everything else in the foreground (its rostests run in a background thread meanwhile, test/rostest_runs.py). The
# background run's report is printed after the foreground's; the exit status is the worse of the two.
# With arguments (e.g. `tools/run_tests.sh -k export`), or TOD_TEST_SPLIT=0, one pytest run over test/.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
[ -n "${TOD_REPO:-}" ] || source ./setup_env.sh
ALONGSIDE=(test/tf/test_train_resume.py test/tf/test_checkpoint_steps.py test/tf/test_augment.py
           test/tf/test_train_rerun.py test/tf/test_train_finetune.py test/tf/test_bench_scripts.py)
if [ $# -gt 0 ] || [ "${TOD_TEST_SPLIT:-1}" = 0 ]; then
  exec python3 -m pytest -ra "$@" test
fi
log="$(mktemp "${TMPDIR:-/tmp}/tod_tests_alongside.XXXXXX")"
bg=""
trap '[ -z "$bg" ] || kill "$bg" 2>/dev/null || true; rm -f "$log"' EXIT
python3 -m pytest -ra "${ALONGSIDE[@]}" >"$log" 2>&1 &
bg=$!
ignore=()
for t in "${ALONGSIDE[@]}"; do ignore+=(--ignore "$t"); done
status=0
python3 -m pytest -ra "${ignore[@]}" test || status=$?
bg_status=0
wait "$bg" || bg_status=$?
echo
echo "---- the tests run alongside (${ALONGSIDE[*]##*/}) ----"
cat "$log"
[ "$status" -ne 0 ] && exit "$status"
exit "$bg_status"
