#!/usr/bin/env bash
# Runs a small grid through a real Slurm on this one machine and checks that the merged report of
# the sharded run equals the report of the same grid run in one process.
#
#   deploy/slurm/local-test.sh [DATA]        (DATA: the SuperGLUE folder, default $PEFT4J_DATA)
#
# It installs Debian's Slurm and MUNGE packages when missing (apt-get; needs root), writes a
# one-node configuration (this host on 127.0.0.1, its CPUs from slurmd -C, select/cons_tres, no
# accounting) under $PEFT4J_SLURM_STATE (default /tmp/peft4j-slurm-test), starts munged,
# slurmctld and slurmd, submits the grid with submit.sh (4 shards, one CPU each, so the tasks' and
# the one-process run's libtorch use the same thread count), waits for the report job, runs the
# grid in one process and compares: summary.json, summary.csv, summary-last-epoch.json and .csv,
# curves.csv, and every run's result without its wall time, peak memory and environment. Then it
# deletes one result, leaves a stale lock of a lost host in its place, re-submits the same array
# and checks that only that run trains again, with the same result. Exits non-zero on any difference. It stops
# the daemons it started on exit; running it again starts from clean folders.
# PEFT4J_MAX_PARALLEL caps the array tasks that run at once (default: as many as the node's CPUs).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
data="$(realpath "${1:-${PEFT4J_DATA:?give the data folder as argument or in PEFT4J_DATA}}")"
state="${PEFT4J_SLURM_STATE:-/tmp/peft4j-slurm-test}"
# shellcheck disable=SC2054 # the commas are the CLI's list separator
grid=(--methods prompt-tuning,residual-prompt --tasks cb --seeds 1,2 --prompt-lengths 4
      --epochs 1 --max-steps 3 --eval-limit 16 --data "$data")
shards=4
log() { echo "[local-test $(date -u +%H:%M:%S)] $*" >&2; }

if [ "$(id -u)" -ne 0 ]; then
  echo "Run as root: it installs packages and starts munged, slurmctld and slurmd." >&2
  exit 2
fi
if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v sbatch >/dev/null \
    || ! command -v munged >/dev/null; then
  log "installing slurmctld slurmd slurm-client munge"
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends slurmctld slurmd slurm-client munge
fi

export SLURM_CONF="$state/slurm.conf"
stop_daemons() {
  for pidfile in "$state/slurmd.pid" "$state/slurmctld.pid"; do
    if [ -f "$pidfile" ]; then
      pid="$(cat "$pidfile")"
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
      rm -f "$pidfile"
    fi
  done
  if [ -f "$state/munged.started" ] && [ -f /run/munge/munged.pid ]; then
    kill "$(cat /run/munge/munged.pid)" 2>/dev/null || true
    rm -f "$state/munged.started"
  fi
}
# a previous, interrupted run may have left its daemons
stop_daemons
rm -rf "$state"
mkdir -p "$state/ctld" "$state/spool" "$state/runs"
trap 'status=$?; log "stopping the daemons"; stop_daemons; exit $status' EXIT

host="$(hostname -s)"
node="$(slurmd -C | head -1 | sed -E 's/^NodeName=[^ ]+ //')"
cat >"$SLURM_CONF" <<CONF
# one-node test cluster: everything on 127.0.0.1, no accounting, no cgroups
ClusterName=peft4j-local
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=$state/ctld
SlurmdSpoolDir=$state/spool
SlurmctldPidFile=$state/slurmctld.pid
SlurmdPidFile=$state/slurmd.pid
SlurmctldLogFile=$state/slurmctld.log
SlurmdLogFile=$state/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
MpiDefault=none
NodeName=$host NodeAddr=127.0.0.1 $node State=UNKNOWN
PartitionName=local Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
sed -i 's/ UpTime=[^ ]*//' "$SLURM_CONF"
log "configuration: $(grep ^NodeName "$SLURM_CONF")"

if ! munge -n >/dev/null 2>&1; then
  mkdir -p /run/munge && chown munge:munge /run/munge
  [ -f /etc/munge/munge.key ] || { mungekey --create 2>/dev/null || /usr/sbin/create-munge-key; }
  runuser -u munge -- munged
  touch "$state/munged.started"
fi
munge -n | unmunge >/dev/null
log "munged answers"
slurmctld
slurmd
for _ in $(seq 1 60); do
  if sinfo -h -N -o '%T' 2>/dev/null | grep -Eq '^(idle|mixed|allocated)'; then break; fi
  sleep 1
done
sinfo -N -o '%N %T %c %m' >&2
sinfo -h -N -o '%T' | grep -Eq '^(idle|mixed|allocated)' || { log "the node did not come up"; tail -20 "$state/slurmd.log" "$state/slurmctld.log" >&2; exit 1; }

sharded="$state/runs/sharded"
single="$state/runs/one-process"
export PEFT4J_JAVA_OPTS="${PEFT4J_JAVA_OPTS:-}"
export PEFT4J_SBATCH_OPTS="--cpus-per-task=1 --time=30 ${PEFT4J_SBATCH_OPTS:-}"
log "submitting $shards shards"
jobs="$(cd "$root" && "$here/submit.sh" "$shards" "$sharded" "${grid[@]}")"
read -r array report <<<"$jobs"
[ -n "${report:-}" ] || { log "submit.sh printed no job ids"; exit 1; }
log "array job $array, report job $report"
while squeue -h -j "$array,$report" 2>/dev/null | grep -q .; do sleep 5; done
log "jobs ended:"
for job in "$array" "$report"; do scontrol show job "$job" 2>/dev/null; done | grep -oE '^JobId=[0-9]+( ArrayJobId=[0-9]+ ArrayTaskId=[0-9]+)?|JobState=[A-Z_]+|ExitCode=[0-9:]+' \
  | paste -d' ' - - - >&2 || true
for f in "$sharded"/logs/*.out; do echo "== $(basename "$f")"; cat "$f"; done >&2
ls "$sharded"/report/summary.json >/dev/null || { log "no merged report: see $sharded/logs"; exit 1; }
for task in $(seq 1 "$shards"); do
  grep -q "shard $task/$shards" "$sharded"/logs/compare-"${array}"_"$task".out \
    || { log "shard $task/$shards did not run"; exit 1; }
done

log "the same grid in one process"
PEFT4J_JAVA_OPTS="-Dai.djl.pytorch.num_threads=1 $PEFT4J_JAVA_OPTS" \
  "$root/peft4j" compare --results "$single" --no-progress "${grid[@]}" >"$state/one-process.out" 2>&1 \
  || { cat "$state/one-process.out" >&2; exit 1; }

log "comparing"
status=0
for f in summary.json summary.csv summary-last-epoch.json summary-last-epoch.csv curves.csv; do
  if cmp -s "$sharded/report/$f" "$single/report/$f"; then echo "same   report/$f"; else echo "DIFFERENT report/$f"; diff "$sharded/report/$f" "$single/report/$f" || true; status=1; fi
done
strip='del(.wallTimeSeconds, .peakMemoryBytes, .environment)'
runs=0
for f in "$single"/*.json; do
  name="$(basename "$f")"
  runs=$((runs + 1))
  if [ ! -f "$sharded/$name" ]; then echo "MISSING $name in the sharded results"; status=1; continue; fi
  if [ "$(jq -S "$strip" "$f")" = "$(jq -S "$strip" "$sharded/$name")" ]; then echo "same   $name"; else echo "DIFFERENT $name"; status=1; fi
done
sharded_runs=("$sharded"/*.json)
[ "${#sharded_runs[@]}" -eq "$runs" ] || { echo "the sharded folder has other runs"; status=1; }
echo "Slurm $(sinfo -V | awk '{print $2}'), $shards shards of a $runs-run grid: $([ $status -eq 0 ] && echo "merged report EQUALS the one-process report" || echo "MISMATCH")"
cat "$sharded/report/summary.md"
[ $status -eq 0 ] || exit $status

# a lost node: one run's result is gone and its lock names a process on a host that is no more
lost="$(basename "${sharded_runs[0]}" .json)"
rm "$sharded/$lost.json"
printf 'pid 999999 host lost-node token 0\n' >"$sharded/$lost.lock"
log "re-submitting after losing $lost (stale lock of host lost-node)"
jobs="$(cd "$root" && "$here/submit.sh" "$shards" "$sharded" "${grid[@]}")"
read -r array report <<<"$jobs"
while squeue -h -j "$array,$report" 2>/dev/null | grep -q .; do sleep 5; done
grep -h "^Grid:\|stale run lock" "$sharded"/logs/compare-"$array"_*.out >&2
todo="$(grep -h "^Grid:" "$sharded"/logs/compare-"$array"_*.out | sed -E 's/.*, ([0-9]+) to do.*/\1/' | awk '{ s += $1 } END { print s + 0 }')"
[ "$todo" -eq 1 ] || { echo "re-submission: $todo runs to do, expected only the lost one"; status=1; }
[ ! -e "$sharded/$lost.lock" ] || { echo "the stale lock is still there"; status=1; }
[ "$(jq -S "$strip" "$sharded/$lost.json")" = "$(jq -S "$strip" "$single/$lost.json")" ] \
  || { echo "DIFFERENT $lost.json after the re-run"; status=1; }
cmp -s "$sharded/report/summary.json" "$single/report/summary.json" || { echo "DIFFERENT report after the re-run"; status=1; }
echo "re-submission after a lost node: $([ $status -eq 0 ] && echo "only $lost re-ran, stale lock taken over, report unchanged" || echo "FAILED")"
exit $status
