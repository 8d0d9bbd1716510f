/**
 * The performance benchmark behind {@code peft4j bench}: float32 GEMM peak, one training step
 * (the trainer's own path) with its FLOP count and ratio to the peak, Φ's share, inference with
 * an exported prompt, memory over many steps, backbone load time and an RTE epoch, all measured
 * in one process and written as JSON and Markdown.
 */
@NullMarked
package dev.peft4j.harness.bench;

import org.jspecify.annotations.NullMarked;
