#!/usr/bin/env bash
# NLU quality gate: mean intent F1 over held-out 20% splits of data/nlu drawn with three
# seeds, target >= 0.90 (one split's figure moved by +-0.02 with the seed: a lucky split
# must not decide the build).
#
#   scripts/nlu_eval.sh            # from any directory; exits 1 when F1 < 0.90
#   RASA=/path/to/rasa scripts/nlu_eval.sh
#   NLU_EVAL_FORCE=1 scripts/nlu_eval.sh   # retrain even if nothing changed
#
# Steps, per seed: `rasa data split nlu` (80/20) into var/nlu-eval/seed-N/split, an NLU-only
# model trained on the 80%, `rasa test nlu` on the 20% (var/nlu-eval/seed-N/results/
# intent_report.json), its weighted-average intent F1; then the mean over the seeds.
# A fingerprint (sha256 of config.yml, every file under data/nlu and this script) is kept in
# var/nlu-eval/fingerprint: when it has not changed, the stored result is printed again
# without retraining. `rasa test nlu` reverts the FallbackClassifier's nlu_fallback to the
# intent DIET ranked first, so this measures the classifier itself (a low-confidence right
# intent counts as right, although the bot would route it to the knowledge base).
set -euo pipefail

# The build fails when the mean is below TARGET; a drop deserves a look at the confusions
# (var/nlu-eval/seed-N/results) rather than a lower target.
TARGET=0.90
SEEDS=(42 1 2)
TRAINING_FRACTION=0.8

caller_dir=$(pwd)
script_path=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/$(basename "${BASH_SOURCE[0]}")
ROOT=$(cd "$(dirname "$script_path")/.." && pwd)

RASA=${RASA:-var/venv-rasa/bin/rasa}
# A relative $RASA given by the caller is relative to the caller's directory, unless it is the
# default (relative to the repository).
if [[ "$RASA" == */* && "$RASA" != /* ]]; then
  if [[ -x "$caller_dir/$RASA" ]]; then RASA="$caller_dir/$RASA"; else RASA="$ROOT/$RASA"; fi
fi
cd "$ROOT"
if ! command -v "$RASA" >/dev/null 2>&1; then
  echo "nlu_eval: Rasa not found at '$RASA' (set RASA=/path/to/rasa)" >&2
  exit 2
fi

# Python to read the JSON report: the one next to the Rasa binary, else python3.
PYTHON="$(dirname "$(command -v "$RASA")")/python"
[[ -x "$PYTHON" ]] || PYTHON=$(command -v python3)

OUT=var/nlu-eval
FINGERPRINT_FILE=$OUT/fingerprint
RESULT_FILE=$OUT/result.txt
mkdir -p "$OUT"

fingerprint() {
  {
    sha256sum config.yml "$script_path"
    find data/nlu -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum
  } | sed "s#  $ROOT/#  #" | sha256sum | cut -d' ' -f1
}

# Prints each seed's F1, the mean and the weak intents (over all seeds) and writes them to
# $RESULT_FILE; its first line is the mean alone, so a later run can decide without reports.
summarise() {
  "$PYTHON" - "$OUT" "$TARGET" "$RESULT_FILE" "${SEEDS[@]}" <<'PY'
import json, statistics, sys
out, target, result_path, seeds = sys.argv[1], float(sys.argv[2]), sys.argv[3], sys.argv[4:]
scores, weak = [], {}
for seed in seeds:
    with open(f"{out}/seed-{seed}/results/intent_report.json", encoding="utf-8") as f:
        report = json.load(f)
    scores.append(report["weighted avg"]["f1-score"])
    for k, v in report.items():
        if isinstance(v, dict) and k not in ("macro avg", "weighted avg", "micro avg") \
                and v.get("support", 0) > 0:
            weak.setdefault(k, []).append(v["f1-score"])
mean = statistics.fmean(scores)
summary = [f"NLU intent F1, mean of {len(seeds)} held-out 20% splits (seeds "
           f"{', '.join(seeds)}: {', '.join(f'{s:.3f}' for s in scores)}): {mean:.3f} "
           f"(target >= {target:.2f})"]
for intent, values in sorted(weak.items(), key=lambda kv: statistics.fmean(kv[1])):
    if statistics.fmean(values) < 0.9:
        summary.append(f"  below 0.90: {intent:<18} mean f1 {statistics.fmean(values):.3f}")
print("\n".join(summary))
with open(result_path, "w", encoding="utf-8") as f:
    f.write(f"{mean:.6f}\n" + "\n".join(summary) + "\n")
PY
}

verdict() {
  local f1
  f1=$(head -n1 "$RESULT_FILE")
  if "$PYTHON" -c "import sys; sys.exit(0 if float(sys.argv[1]) >= float(sys.argv[2]) else 1)" \
      "$f1" "$TARGET"; then
    echo "NLU quality gate: PASS (target $TARGET met)"
  else
    echo "NLU quality gate: FAIL (intent F1 below the target $TARGET)" >&2
    exit 1
  fi
}

current=$(fingerprint)
if [[ "${NLU_EVAL_FORCE:-0}" != 1 && -f "$FINGERPRINT_FILE" && -f "$RESULT_FILE" \
      && "$(cat "$FINGERPRINT_FILE")" == "$current" ]]; then
  echo "config.yml and data/nlu unchanged since the last run: stored result (NLU_EVAL_FORCE=1 to rerun)"
  tail -n +2 "$RESULT_FILE"
  verdict
  exit 0
fi

rm -f "$FINGERPRINT_FILE" "$RESULT_FILE"
log=$OUT/run.log
: > "$log"
run() {  # quiet unless it fails
  if ! "$@" >>"$log" 2>&1; then
    echo "nlu_eval: command failed: $*" >&2
    tail -n 30 "$log" >&2
    exit 2
  fi
}

for SEED in "${SEEDS[@]}"; do
  dir=$OUT/seed-$SEED
  rm -rf "$dir"
  echo "seed $SEED: splitting data/nlu ($TRAINING_FRACTION), training on the training part" \
    "(about a minute), testing on the held-out part"
  run "$RASA" data split nlu --nlu data/nlu --training-fraction "$TRAINING_FRACTION" \
    --random-seed "$SEED" --out "$dir/split"
  run "$RASA" train nlu --nlu "$dir/split/training_data.yml" --config config.yml --out "$dir" \
    --fixed-model-name nlu-heldout
  run "$RASA" test nlu --nlu "$dir/split/test_data.yml" --model "$dir/nlu-heldout.tar.gz" \
    --out "$dir/results"
done

summarise
echo "$current" > "$FINGERPRINT_FILE"
verdict
