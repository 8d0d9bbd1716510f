package dev.peft4j.harness.train;

import dev.peft4j.api.AdapterConfig;
import dev.peft4j.api.PromptAdapter;
import dev.peft4j.api.PromptEmbeddings;
import dev.peft4j.backbones.Backbone;
import dev.peft4j.backbones.Backbones;
import dev.peft4j.inference.ExportFolder;
import dev.peft4j.harness.report.RunResult;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A finished run: its result and the best epoch's exported prompt {@code P'} and head (a
 * verbalizer run's export records its template and label words instead of head values, a
 * text-to-text run's its template and label texts).
 *
 * @param result     the run's result
 * @param prompt     {@code P'} of the best epoch (Φ already applied and dropped)
 * @param headWeight the head's weight of the best epoch, row-major {@code (classes, d)}
 * @param headBias   the head's bias of the best epoch
 * @param labels     the label names in head order
 * @param verbalizer the template and label words of a verbalizer head (then the head arrays are
 *                   empty: the frozen MLM head scores), null for other heads
 * @param textToText the template and label texts of a T5 run's text-to-text head (then the head
 *                   arrays are empty: the frozen decoder scores), null for other heads
 */
public record TrainedRun(RunResult result, PromptEmbeddings prompt, float[] headWeight, float[] headBias,
        List<String> labels, @Nullable VerbalizerTemplate verbalizer, @Nullable TextToTextTemplate textToText) {

    /** A run with a linear head, or with a verbalizer head when {@code verbalizer} is not null. */
    public TrainedRun(RunResult result, PromptEmbeddings prompt, float[] headWeight, float[] headBias,
            List<String> labels, @Nullable VerbalizerTemplate verbalizer) {
        this(result, prompt, headWeight, headBias, labels, verbalizer, null);
    }

    /** A T5 run with a text-to-text head. */
    public TrainedRun(RunResult result, PromptEmbeddings prompt, List<String> labels, TextToTextTemplate textToText) {
        this(result, prompt, new float[0], new float[0], labels, null, textToText);
    }

    /** A run with a linear head. */
    public TrainedRun(RunResult result, PromptEmbeddings prompt, float[] headWeight, float[] headBias,
            List<String> labels) {
        this(result, prompt, headWeight, headBias, labels, null, null);
    }

    /**
     * The export folder content of this run, for {@code backbone} at {@code maxLength} positions,
     * with the method options its result records (every option, defaults included).
     */
    public ExportFolder toExport(Backbone backbone, int maxLength) {
        return toExport(backbone, maxLength, result.methodOptions());
    }

    /** The export folder content of this run, for {@code backbone} at {@code maxLength} positions. */
    public ExportFolder toExport(Backbone backbone, int maxLength, Map<String, String> options) {
        // PEFT loads the base model by its Hub id; peft4j.json keeps peft4j's own backbone name
        String baseModel = Backbones.getHuggingFaceId(backbone.getName());
        if (textToText != null) {
            // PEFT's layout for a T5 prompt: SEQ_2_SEQ_LM, the prompt before the encoder input
            AdapterConfig config = AdapterConfig.promptTuningSeq2Seq(prompt.shape(), backbone.getNumLayers(),
                    backbone.getNumAttentionHeads(), baseModel);
            return new ExportFolder(new PromptAdapter(config, prompt), headWeight, headBias,
                    new ExportFolder.Settings(result.taskId(), labels, backbone.getName(), maxLength,
                            result.methodId(), options, result.runId(), result.metric(), result.bestMetric(),
                            TrainingConfig.TEXT_TO_TEXT, textToText.template(), textToText.labelTexts()));
        }
        AdapterConfig config = AdapterConfig.promptTuning(prompt.shape(), backbone.getNumLayers(),
                backbone.getNumAttentionHeads(), baseModel);
        return new ExportFolder(new PromptAdapter(config, prompt), headWeight, headBias,
                new ExportFolder.Settings(result.taskId(), labels, backbone.getName(), maxLength, result.methodId(),
                        options, result.runId(), result.metric(), result.bestMetric(),
                        verbalizer == null ? null : "verbalizer", verbalizer == null ? null : verbalizer.template(),
                        verbalizer == null ? null : verbalizer.labelWords()));
    }
}
