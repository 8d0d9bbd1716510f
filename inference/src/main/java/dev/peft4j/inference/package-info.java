/**
 * Inference from an exported prompt: the export folder format ({@link dev.peft4j.inference.ExportFolder})
 * that training writes and host applications read.
 */
@NullMarked
package dev.peft4j.inference;

import org.jspecify.annotations.NullMarked;
