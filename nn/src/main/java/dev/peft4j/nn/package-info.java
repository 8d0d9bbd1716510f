/**
 * Building blocks that methods, the trainer and the test kit share, one copy each: parameters
 * initialized as PyTorch initializes them, activations and LayerNorm ({@link dev.peft4j.nn.Layers}),
 * the bottleneck MLP that residual prompts and their ablation use ({@link dev.peft4j.nn.BottleneckMlp}),
 * and AdamW whose state resumes bit for bit ({@link dev.peft4j.nn.AdamW}).
 *
 * <p>Method modules may depend on this module; they never depend on each other.
 */
@NullMarked
package dev.peft4j.nn;

import org.jspecify.annotations.NullMarked;
