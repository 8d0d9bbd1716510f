/**
 * Baseline prompt reparameterizations that share peft4j's machinery with Residual Prompt
 * Tuning: plain prompt tuning ({@code prompt-tuning}, Φ = identity), an MLP without skip
 * connection ({@code mlp-prompt}, the paper's ablation), P-tuning's prompt encoder
 * ({@code p-tuning}, MLP or LSTM as in Hugging Face PEFT), methods that own their parameters
 * ({@code dpt}, {@code dept}, {@code superpos}) and methods that act inside the layers instead of
 * at the input: prefix tuning ({@code prefix-tuning}), a residual reparameterization of the
 * prefix ({@code residual-prefix}) and LoRA ({@code lora}). Discovered through
 * {@link java.util.ServiceLoader}; select them by id.
 */
@NullMarked
package dev.peft4j.baselines;

import org.jspecify.annotations.NullMarked;
