#!/usr/bin/env bash
# Submits a peft4j grid as a Slurm array job of SHARDS tasks writing into one shared results
# folder, and a report job that merges them when the array has ended.
#
#   deploy/slurm/submit.sh [--gpu] SHARDS RESULTS [compare options...]
#   deploy/slurm/submit.sh 8 /shared/runs/cb --methods residual-prompt,prompt-tuning \
#       --tasks cb,rte --seeds 1,2,3 --data /shared/data
#
# Run it from the checkout (on storage the nodes share); it prints the two job ids.
# PEFT4J_SBATCH_OPTS adds sbatch options to both jobs (partition, account, time: "-p long -t 12:00:00");
# PEFT4J_MAX_PARALLEL=P runs at most P shards at a time (--array=1-N%P).
# To re-run after a failure or a lost node, submit the same command again with the same SHARDS:
# finished runs are skipped, interrupted ones resume from their checkpoints.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
script="$here/compare-array.sbatch"
if [ "${1:-}" = "--gpu" ]; then
  script="$here/compare-array-gpu.sbatch"
  shift
fi
if [ $# -lt 2 ] || ! [[ "$1" =~ ^[1-9][0-9]*$ ]]; then
  sed -n '2,13p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 2
fi
shards="$1"
results="$(realpath -m "$2")"
shift 2
mkdir -p "$results/logs"

# build once here, so that no array task builds (and none needs Maven)
"$root/peft4j" --version >/dev/null

# shellcheck disable=SC2086 # PEFT4J_SBATCH_OPTS holds several options
array=$(cd "$root" && sbatch --parsable ${PEFT4J_SBATCH_OPTS:-} --array="1-$shards${PEFT4J_MAX_PARALLEL:+%$PEFT4J_MAX_PARALLEL}" \
  --output="$results/logs/compare-%A_%a.out" --export="ALL,PEFT4J_SHARDS=$shards,PEFT4J_RESULTS=$results,PEFT4J_HOME=$root" "$script" "$@")
array="${array%%;*}"
# shellcheck disable=SC2086
report=$(cd "$root" && sbatch --parsable ${PEFT4J_SBATCH_OPTS:-} --dependency="afterany:$array" \
  --output="$results/logs/report-%j.out" --export="ALL,PEFT4J_RESULTS=$results,PEFT4J_HOME=$root" "$here/report.sbatch")
report="${report%%;*}"
echo "Submitted array job $array ($shards shards of $(basename "$script")) and report job $report;" \
  "results in $results, logs in $results/logs, report in $results/report when job $report has run." >&2
echo "$array $report"
