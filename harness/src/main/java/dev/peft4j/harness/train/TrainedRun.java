package dev.peft4j.harness.train;

import dev.peft4j.api.AdapterConfig;
import dev.peft4j.api.InvalidOptionException;
import dev.peft4j.api.PeftException;
import dev.peft4j.api.PromptAdapter;
import dev.peft4j.api.PromptEmbeddings;
import dev.peft4j.api.PromptPlacement;
import dev.peft4j.backbones.Backbone;
import dev.peft4j.backbones.Backbones;
import dev.peft4j.inference.ExportFolder;
import dev.peft4j.inference.LayerAdapter;
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
 * @param prompt     {@code P'} of the best epoch (Φ already applied and dropped), null for a
 *                   zero-shot run (prompt length 0)
 * @param headWeight the head's weight of the best epoch, row-major {@code (classes, d)}
 * @param headBias   the head's bias of the best epoch
 * @param labels     the label names in head order
 * @param verbalizer the template and label words of a verbalizer head (then the head arrays are
 *                   empty: the frozen MLM head scores), null for other heads
 * @param textToText the template and label texts of a T5 run's text-to-text head (then the head
 *                   arrays are empty: the frozen decoder scores), null for other heads
 * @param placement  where the prompt went in training, recorded in the export ({@code after-cls}
 *                   for a T5 run, whose prompt always goes before the encoder input and whose
 *                   export records no placement)
 * @param updatesText whether the method also updates the text's input embeddings (DePT): then
 *                   {@code P'} alone is not the trained model, and the run cannot be exported as a
 *                   prompt-tuning adapter
 * @param layers     for a method that acts only inside the layers (prefix tuning, LoRA; then
 *                   {@code prompt} is null): the best epoch's PEFT adapter content, without its base
 *                   model (set on export); null for other methods
 */
public record TrainedRun(RunResult result, @Nullable PromptEmbeddings prompt, float[] headWeight, float[] headBias,
        List<String> labels, @Nullable VerbalizerTemplate verbalizer, @Nullable TextToTextTemplate textToText,
        PromptPlacement placement, boolean updatesText, @Nullable LayerAdapter layers) {

    /** A run whose method places a prompt at the input (or none, zero-shot). */
    public TrainedRun(RunResult result, @Nullable PromptEmbeddings prompt, float[] headWeight, float[] headBias,
            List<String> labels, @Nullable VerbalizerTemplate verbalizer, @Nullable TextToTextTemplate textToText,
            PromptPlacement placement, boolean updatesText) {
        this(result, prompt, headWeight, headBias, labels, verbalizer, textToText, placement, updatesText, null);
    }

    /** A BERT run: a linear head, or a verbalizer head when {@code verbalizer} is not null. */
    public TrainedRun(RunResult result, @Nullable PromptEmbeddings prompt, float[] headWeight, float[] headBias,
            List<String> labels, @Nullable VerbalizerTemplate verbalizer, PromptPlacement placement,
            boolean updatesText) {
        this(result, prompt, headWeight, headBias, labels, verbalizer, null, placement, updatesText);
    }

    /** A T5 run with a text-to-text head; {@code prompt} is null for a zero-shot run. */
    public TrainedRun(RunResult result, @Nullable PromptEmbeddings prompt, List<String> labels,
            TextToTextTemplate textToText) {
        this(result, prompt, new float[0], new float[0], labels, null, textToText, PromptPlacement.AFTER_CLS, false);
    }

    /** A run with a linear head. */
    public TrainedRun(RunResult result, PromptEmbeddings prompt, float[] headWeight, float[] headBias,
            List<String> labels) {
        this(result, prompt, headWeight, headBias, labels, null, PromptPlacement.AFTER_CLS, false);
    }

    /** A run whose method only prepends {@code P'}, placed after {@code [CLS]}. */
    public TrainedRun(RunResult result, PromptEmbeddings prompt, float[] headWeight, float[] headBias,
            List<String> labels, @Nullable VerbalizerTemplate verbalizer) {
        this(result, prompt, headWeight, headBias, labels, verbalizer, PromptPlacement.AFTER_CLS, false);
    }

    /**
     * The export folder content of this run, for {@code backbone} at {@code maxLength} positions,
     * with the method options its result records (every option, defaults included).
     */
    public ExportFolder toExport(Backbone backbone, int maxLength) {
        return toExport(backbone, maxLength, result.methodOptions());
    }

    /**
     * The export folder content of this run, for {@code backbone} at {@code maxLength} positions.
     *
     * @throws PeftException         for a method that also updates the text's input embeddings
     *                                (DePT): a PEFT prompt-tuning adapter would hold {@code P'} alone
     *                                and silently drop the update
     * @throws InvalidOptionException for a zero-shot run, or a verbalizer run that cannot be
     *                                exported (see {@link VerbalizerTemplate#checkExportable})
     */
    public ExportFolder toExport(Backbone backbone, int maxLength, Map<String, String> options) {
        if (updatesText) {
            throw new PeftException("Method '" + result.methodId() + "' of run " + result.runId() + " also adds a "
                    + "trained update to the text's input embeddings; a prompt-tuning adapter holds only P', so "
                    + "PEFT and peft4j's predictor would silently run without the update. Exporting such methods "
                    + "is not supported yet: evaluate them with 'peft4j train' or 'peft4j compare'.");
        }
        if (verbalizer != null) {
            verbalizer.checkExportable();
        }
        if (prompt == null && layers == null) {
            throw new InvalidOptionException("Run " + result.runId() + " is zero-shot (prompt length 0): it has no "
                    + "prompt to export; its result JSON holds its scores.");
        }
        // PEFT loads the base model by its Hub id; peft4j.json keeps peft4j's own backbone name
        String baseModel = Backbones.getHuggingFaceId(backbone.getName());
        if (layers != null) {
            // a PEFT PREFIX_TUNING or LORA adapter; the T5 path refused layer-only methods before training
            return new ExportFolder(layers.withBaseModel(baseModel), headWeight, headBias,
                    new ExportFolder.Settings(result.taskId(), labels, backbone.getName(), maxLength, result.methodId(),
                            options, result.runId(), result.metric(), result.bestMetric(),
                            verbalizer == null ? null : "verbalizer", verbalizer == null ? null : verbalizer.template(),
                            verbalizer == null ? null : verbalizer.labelWords(), placement.id()));
        }
        PromptEmbeddings prompt = java.util.Objects.requireNonNull(this.prompt);
        if (textToText != null) {
            // PEFT's layout for a T5 prompt: SEQ_2_SEQ_LM, the prompt before the encoder input; T5 has no
            // [CLS], so the export records no placement
            AdapterConfig config = AdapterConfig.promptTuningSeq2Seq(prompt.shape(), backbone.getNumLayers(),
                    backbone.getNumAttentionHeads(), baseModel);
            return new ExportFolder(new PromptAdapter(config, prompt), headWeight, headBias,
                    new ExportFolder.Settings(result.taskId(), labels, backbone.getName(), maxLength,
                            result.methodId(), options, result.runId(), result.metric(), result.bestMetric(),
                            TrainingConfig.TEXT_TO_TEXT, textToText.template(), textToText.labelTexts(), null));
        }
        AdapterConfig config = AdapterConfig.promptTuning(prompt.shape(), backbone.getNumLayers(),
                backbone.getNumAttentionHeads(), baseModel);
        return new ExportFolder(new PromptAdapter(config, prompt), headWeight, headBias,
                new ExportFolder.Settings(result.taskId(), labels, backbone.getName(), maxLength, result.methodId(),
                        options, result.runId(), result.metric(), result.bestMetric(),
                        verbalizer == null ? null : "verbalizer", verbalizer == null ? null : verbalizer.template(),
                        verbalizer == null ? null : verbalizer.labelWords(), placement.id()));
    }
}
