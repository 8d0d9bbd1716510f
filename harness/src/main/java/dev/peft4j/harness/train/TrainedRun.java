package dev.peft4j.harness.train;

import dev.peft4j.api.AdapterConfig;
import dev.peft4j.api.InvalidOptionException;
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
 * verbalizer run's export records its template and label words instead of head values).
 *
 * @param result     the run's result
 * @param prompt     {@code P'} of the best epoch (Φ already applied and dropped), null for a
 *                   zero-shot run (prompt length 0)
 * @param headWeight the head's weight of the best epoch, row-major {@code (classes, d)}
 * @param headBias   the head's bias of the best epoch
 * @param labels     the label names in head order
 * @param verbalizer the template and label words of a verbalizer head (then the head arrays are
 *                   empty: the frozen MLM head scores), null for a linear head
 */
public record TrainedRun(RunResult result, @Nullable PromptEmbeddings prompt, float[] headWeight, float[] headBias,
        List<String> labels, @Nullable VerbalizerTemplate verbalizer) {

    /** A run with a linear head. */
    public TrainedRun(RunResult result, PromptEmbeddings prompt, float[] headWeight, float[] headBias,
            List<String> labels) {
        this(result, prompt, headWeight, headBias, labels, null);
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
     * @throws InvalidOptionException for a zero-shot run, or a verbalizer run that cannot be
     *                                exported (see {@link VerbalizerTemplate#checkExportable})
     */
    public ExportFolder toExport(Backbone backbone, int maxLength, Map<String, String> options) {
        if (verbalizer != null) {
            verbalizer.checkExportable();
        }
        if (prompt == null) {
            throw new InvalidOptionException("Run " + result.runId() + " is zero-shot (prompt length 0): it has no "
                    + "prompt to export; its result JSON holds its scores.");
        }
        // PEFT loads the base model by its Hub id; peft4j.json keeps peft4j's own backbone name
        AdapterConfig config = AdapterConfig.promptTuning(prompt.shape(), backbone.getNumLayers(),
                backbone.getNumAttentionHeads(), Backbones.getHuggingFaceId(backbone.getName()));
        return new ExportFolder(new PromptAdapter(config, prompt), headWeight, headBias,
                new ExportFolder.Settings(result.taskId(), labels, backbone.getName(), maxLength, result.methodId(),
                        options, result.runId(), result.metric(), result.bestMetric(),
                        verbalizer == null ? null : "verbalizer", verbalizer == null ? null : verbalizer.template(),
                        verbalizer == null ? null : verbalizer.labelWords()));
    }
}
