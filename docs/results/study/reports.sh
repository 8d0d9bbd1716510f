#!/usr/bin/env bash
# Rebuilds every table and plot of docs/RESULTS.md from the per-run JSON files in docs/results/.
# Run from the repository root: docs/results/study/reports.sh
set -euo pipefail
S=docs/results/study
CB_BF16=docs/results/precision-cb/bf16-matmul   # residual-prompt and prompt-tuning, CB, n=10 (same recipe)
report() { ./peft4j report "$@" > /dev/null; }

# 1. Main table: four methods, four tasks, 10 and 100 prompt tokens, and the head-only control.
report --results $S/main-n10,$CB_BF16,$S/main-n100,$S/head-only --out $S/report-main
# 2. Learning rates 0.01 to 10 on CB and RTE (lr 0.3 comes from the main grid).
report --results $S/lr,$S/main-n10,$CB_BF16 --methods residual-prompt,prompt-tuning --tasks cb,rte --out $S/report-lr
# 3. Prompt length 2, 10, 100.
report --results $S/length-n2,$S/main-n10,$CB_BF16,$S/main-n100 --methods residual-prompt,prompt-tuning \
    --out $S/report-length
# 4. Few-shot: FewGLUE's 32 training examples, full validation sets.
report --results $S/fewshot --out $S/report-fewshot
# 5. Bottleneck m = 10, 50, 100 (and the default 400 from the main grid).
report --results $S/bottleneck,$S/main-n10,$CB_BF16 --methods residual-prompt --tasks cb,rte --out $S/report-bottleneck
# 6. Convergence: validation after each epoch, with and without the skip connection.
report --results $S/main-n10,$CB_BF16,$S/head-only --methods residual-prompt,prompt-tuning,mlp-prompt \
    --out $S/report-convergence
# 7. A [CLS]-trained backbone: bge-small-en-v1.5 on CB and RTE, with its head-only control.
report --results $S/bge-small --out $S/report-bge
