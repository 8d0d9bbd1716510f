#!/usr/bin/env bash
# Prints the BERT-Base study's tables (docs/RESULTS.md, section 8) from the per-run JSON that run.sh
# writes: one Markdown row per task, method and learning rate, with the mean and the sample standard
# deviation over seeds of the best epoch's score (the paper's early stopping on the validation split),
# each seed's score and best epoch, the last epoch's score (no selection), its training loss and
# the wall time.
#   docs/results/bert-base/tables.sh docs/results/bert-base/main-n10 [more grid folders...]
set -euo pipefail
echo "| task | method | lr | trainable values | score, mean ± std | per seed (seed: score) | best epoch | last epoch's score (mean) | last train loss (mean) | wall time per run (mean) |"
echo "|---|---|---:|---:|---:|---|---|---:|---:|---:|"
for folder in "$@"; do find "$folder" -maxdepth 1 -name '*.json' -print0; done | xargs -0 -r cat | jq -rs '
  def f1: (. * 10 | round) as $x | "\($x / 10 | floor).\($x % 10)";
  def rank: {"residual-prompt": 0, "prompt-tuning": 1, "mlp-prompt": 2}[.] // 3;
  group_by([.taskId, (.methodId | rank), .methodId, .learningRate])[]
  | sort_by(.seed)
  | (map(.bestMetric * 100)) as $v
  | ($v | add / length) as $m
  | (if ($v | length) > 1 then ($v | map((. - $m) * (. - $m)) | add / (length - 1) | sqrt) else 0 end) as $sd
  | "| \(.[0].taskId) | `\(.[0].methodId)` | \(.[0].learningRate) | \(.[0].trainableParameters) | "
    + "\($m | f1) ± \($sd | f1) (n=\(length)) | \(map("\(.seed): \(.bestMetric * 100 | f1)") | join(", ")) | "
    + "\(map(.bestEpoch | tostring) | join(", ")) | "
    + "\(map(.metric as $k | .epochs[-1].metrics[$k] * 100) | add / length | f1) | "
    + "\(map(.epochs[-1].trainLoss) | add / length * 1000 | round / 1000) | "
    + "\(map(.wallTimeSeconds) | add / length | round) s |"'
