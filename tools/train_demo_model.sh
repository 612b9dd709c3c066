#!/usr/bin/env bash
# Reproduces models/demo: the whole measured pipeline of bench/quality (docs/quality.md):
#   tod synth (1000 images, seed $SEED) -> tod convert -> tod train --config pretrain_synthetic
#   -> 3 rotating splits of the 12 real photos: tod train --config finetune_real on 8 -> export -> eval on 4
#   -> final model: the same fine-tuning on all 12 real photos -> tod export (SavedModel + TFLite)
# then checks the new model (tod detect --sorted on ergo_cubes_212_1.png, model.tflite present) and
# swaps it in place of models/demo (written to models/demo.new first; models/demo is replaced by renames).
# Needs ../shared/data/real_cubes. About 25 min on an idle 2-core machine (docs/quality.md).
# Env: SEED (synthetic data seed, default 3), WORK (kept working folder, default: a temporary one),
#      QUALITY_ARGS (extra bench/quality options, e.g. "--pretrained DIR" to reuse a pre-trained model).
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"
if [ -z "${TOD_REPO:-}" ]; then
  # shellcheck disable=SC1091
  source ./setup_env.sh
fi
REAL="$REPO/../shared/data/real_cubes"
[ -d "$REAL" ] || { echo "train_demo_model: $REAL not found (the 12 annotated real photos)" >&2; exit 2; }
WORK="${WORK:-$(mktemp -d -t tod_demo_model.XXXXXX)}"
NEW="$REPO/models/demo.new"
rm -rf "$NEW"

# shellcheck disable=SC2086
python3 bench/quality --count 1000 --seed "${SEED:-3}" --pre-config pretrain_synthetic --ft-config finetune_real \
  --work "$WORK" --final "$NEW" ${QUALITY_ARGS:-}

test -s "$NEW/model.tflite" || { echo "train_demo_model: no $NEW/model.tflite" >&2; exit 1; }
test -f "$NEW/saved_model/saved_model.pb" || { echo "train_demo_model: no SavedModel in $NEW" >&2; exit 1; }
echo "check: tod detect --sorted on ergo_cubes_212_1.png (expected: two one two)"
tod detect --model "$NEW" -i "$REAL/ergo_cubes_212_1.png" --sorted -n 4 -t 50 --out "$WORK/check" \
  --json "$WORK/check.json"
tod detect --model "$NEW" -i "$REAL/ergo_cubes_212_1.png" --sorted -n 4 -t 50 --backend tflite \
  --out "$WORK/check_tflite" --json "$WORK/check_tflite.json"

OLD="$REPO/models/demo.old.$$"
if [ -d "$REPO/models/demo" ]; then mv "$REPO/models/demo" "$OLD"; fi
mv "$NEW" "$REPO/models/demo"
rm -rf "$OLD"
echo "models/demo replaced ($(du -sh "$REPO/models/demo" | cut -f1)); figures in models/demo/quality.json"
