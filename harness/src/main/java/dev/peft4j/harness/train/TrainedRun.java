package dev.peft4j.harness.train;

import dev.peft4j.api.PromptEmbeddings;
import dev.peft4j.harness.report.RunResult;
import java.util.List;

/**
 * A finished run: its result and the best epoch's exported prompt {@code P'} and head.
 *
 * @param result     the run's result
 * @param prompt     {@code P'} of the best epoch (Φ already applied and dropped)
 * @param headWeight the head's weight of the best epoch, row-major {@code (classes, d)}
 * @param headBias   the head's bias of the best epoch
 * @param labels     the label names in head order
 */
public record TrainedRun(RunResult result, PromptEmbeddings prompt, float[] headWeight, float[] headBias,
        List<String> labels) {}
