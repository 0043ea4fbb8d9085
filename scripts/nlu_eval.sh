#!/usr/bin/env bash
# NLU quality gate: intent F1 on a held-out 20% of data/nlu (fixed seed), target >= 0.90.
#
#   scripts/nlu_eval.sh            # from any directory; exits 1 when F1 < 0.90
#   RASA=/path/to/rasa scripts/nlu_eval.sh
#   NLU_EVAL_FORCE=1 scripts/nlu_eval.sh   # retrain even if nothing changed
#
# Steps: `rasa data split nlu` (80/20, seed 42) into var/nlu-eval/split, an NLU-only model
# trained on the 80% (var/nlu-eval/nlu-heldout.tar.gz), `rasa test nlu` on the 20%
# (var/nlu-eval/results/intent_report.json), then the weighted-average intent F1.
# A fingerprint (sha256 of config.yml, every file under data/nlu and this script) is kept in
# var/nlu-eval/fingerprint: when it has not changed, the stored result is printed again
# without retraining. `rasa test nlu` reverts the FallbackClassifier's nlu_fallback to the
# intent DIET ranked first, so this measures the classifier itself (a low-confidence right
# intent counts as right, although the bot would route it to the knowledge base).
set -euo pipefail

# The build fails below TARGET. Measured 0.931 on this split (two forced runs); the same data
# split with seeds 1-3 gives 0.888-0.908, so a small drop here deserves a look at the
# confusions (var/nlu-eval/results) rather than a lower target.
TARGET=0.90
SEED=42
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
SPLIT=$OUT/split
RESULTS=$OUT/results
MODEL_NAME=nlu-heldout
FINGERPRINT_FILE=$OUT/fingerprint
RESULT_FILE=$OUT/result.txt
mkdir -p "$OUT"

fingerprint() {
  {
    sha256sum config.yml "$script_path"
    find data/nlu -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum
  } | sed "s#  $ROOT/#  #" | sha256sum | cut -d' ' -f1
}

# Prints the summary of intent_report.json and writes it to $RESULT_FILE; the first line of
# the file is the F1 alone, so a later run can decide the exit code without the report.
summarise() {
  "$PYTHON" - "$RESULTS/intent_report.json" "$TARGET" "$SEED" "$RESULT_FILE" <<'PY'
import json, sys
report_path, target, seed, result_path = sys.argv[1], float(sys.argv[2]), sys.argv[3], sys.argv[4]
with open(report_path, encoding="utf-8") as f:
    report = json.load(f)
f1 = report["weighted avg"]["f1-score"]
summary = [f"NLU intent F1 (held-out 20%, seed {seed}): {f1:.3f} (target >= {target:.2f})"]
weak = sorted((v["f1-score"], k, v.get("support", 0)) for k, v in report.items()
              if isinstance(v, dict) and k not in ("macro avg", "weighted avg", "micro avg")
              and v.get("support", 0) > 0 and v["f1-score"] < 0.9)
for score, intent, support in weak:
    summary.append(f"  below 0.90: {intent:<18} f1 {score:.3f} (support {support})")
print("\n".join(summary))
with open(result_path, "w", encoding="utf-8") as f:
    f.write(f"{f1:.6f}\n" + "\n".join(summary) + "\n")
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
rm -rf "$SPLIT" "$RESULTS"
log=$OUT/run.log
: > "$log"
run() {  # quiet unless it fails
  if ! "$@" >>"$log" 2>&1; then
    echo "nlu_eval: command failed: $*" >&2
    tail -n 30 "$log" >&2
    exit 2
  fi
}

echo "splitting data/nlu ($TRAINING_FRACTION / seed $SEED) into $SPLIT"
run "$RASA" data split nlu --nlu data/nlu --training-fraction "$TRAINING_FRACTION" \
  --random-seed "$SEED" --out "$SPLIT"
echo "training the NLU model on the training part (about a minute)"
run "$RASA" train nlu --nlu "$SPLIT/training_data.yml" --config config.yml --out "$OUT" \
  --fixed-model-name "$MODEL_NAME"
echo "testing on the held-out part"
run "$RASA" test nlu --nlu "$SPLIT/test_data.yml" --model "$OUT/$MODEL_NAME.tar.gz" \
  --out "$RESULTS"

summarise
echo "$current" > "$FINGERPRINT_FILE"
verdict
