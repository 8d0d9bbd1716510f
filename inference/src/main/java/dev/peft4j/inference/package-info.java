/**
 * Inference from an exported prompt: the export folder format ({@link dev.peft4j.inference.ExportFolder})
 * that training writes, the thread-safe {@link dev.peft4j.inference.Predictor} that serves a trained
 * classifier from it, and {@link dev.peft4j.inference.PromptedEncoder} for embeddings with a bare
 * prompt adapter (a Hugging Face PEFT prompt-tuning folder without a head).
 */
@NullMarked
package dev.peft4j.inference;

import org.jspecify.annotations.NullMarked;
