#!/usr/bin/env bash
# Issue 15: prefix-tuning, residual-prefix and lora beside the prompt methods of docs/RESULTS.md
# section 9, at that section's settings (all-MiniLM-L6-v2, linear head lr 0.01, batch 8, float32,
# CB 4 epochs of 32 steps, RTE 3 rounds of 40 steps, seeds 1 to 3), at two parameter budgets
# matched as closely as each method's shape allows (MiniLM: L = 6 layers, d = 384, inner 1536):
#   small: prompt-tuning n = 10 (3,840 prompt values), prefix-tuning m = 1 (4,608),
#          lora rank 1 on value (4,608)
#   large: residual-prompt n = 10 (309,760), residual-prefix m = 10 (354,832),
#          lora rank 8 on all six linear layers (331,776)
# The prompt methods' rows come from docs/results/own-parameters (section 9). lora ignores -n.
# Resumable: finished runs are skipped. Run from the repository root.
set -euo pipefail
R=docs/results/layer-methods
C=(./peft4j compare --data "${PEFT4J_DATA:-../shared/data}" --no-progress --workers "${WORKERS:-2}")
CB=(--tasks cb --epochs 4)
RTE=(--tasks rte --epochs 3 --max-steps 40)
PREFIX_SMALL=(--methods prefix-tuning --prompt-lengths 1)
PREFIX_LARGE=(--methods residual-prefix --prompt-lengths 10)
LORA=(--methods lora --prompt-lengths 10 --method-options 'lora:rank=1,targets=value;lora:rank=8,targets=query+key+value+attention.output+intermediate+output')

# 1. Learning rate per method: CB, seed 1. Section 9's methods use 0.3; LoRA's usual rates are
#    far smaller (Hu et al. use 4e-4 to 5e-4 for RoBERTa-base), so each gets three candidates.
"${C[@]}" --results "$R/lr-sweep" --seeds 1 "${CB[@]}" "${PREFIX_SMALL[@]}" --lrs 0.003,0.03,0.3
"${C[@]}" --results "$R/lr-sweep" --seeds 1 "${CB[@]}" "${PREFIX_LARGE[@]}" --lrs 0.003,0.03,0.3
"${C[@]}" --results "$R/lr-sweep" --seeds 1 "${CB[@]}" "${LORA[@]}" --lrs 0.0003,0.003,0.03
[ "${1:-}" = sweep ] && exit 0

# 2. Three seeds on CB and RTE at each method's best rate on CB in step 1 (see RESULTS.md section 10).
PREFIX_LR=${PREFIX_LR:?set from the sweep}
RESIDUAL_PREFIX_LR=${RESIDUAL_PREFIX_LR:?set from the sweep}
LORA_LR=${LORA_LR:?set from the sweep}
for task in CB RTE; do
    declare -n T=$task
    "${C[@]}" --results "$R/main" --seeds 1,2,3 "${T[@]}" "${PREFIX_SMALL[@]}" --lrs "$PREFIX_LR"
    "${C[@]}" --results "$R/main" --seeds 1,2,3 "${T[@]}" "${PREFIX_LARGE[@]}" --lrs "$RESIDUAL_PREFIX_LR"
    "${C[@]}" --results "$R/main" --seeds 1,2,3 "${T[@]}" "${LORA[@]}" --lrs "$LORA_LR"
done
./peft4j report --results "$R/main"
