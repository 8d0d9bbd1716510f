package dev.peft4j.harness.train;

import dev.peft4j.api.InvalidOptionException;
import dev.peft4j.api.PromptPlacement;
import dev.peft4j.api.Suggestions;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Settings of one training run that are not part of the grid's axes (method, task, seed,
 * prompt length, prompt learning rate). Read from a run's shared settings by name, so that a
 * grid's JSON records every one of them; unknown names are refused with the closest match.
 *
 * @param backbone          backbone name or folder
 * @param epochs            passes over the training split
 * @param batchSize         training examples per step
 * @param evalBatchSize     examples per evaluation call
 * @param maxLength         positions per sequence including the prompt and special tokens
 * @param headLearningRate  learning rate of the classification head
 * @param weightDecay       AdamW decoupled weight decay
 * @param maxGradNorm       global gradient-norm clip, 0 for none
 * @param maxSteps          stop each epoch after this many steps, 0 for the whole split
 * @param trainSplit        split to train on ({@code train}, or {@code fewglue-train})
 * @param evalSplit         split to select and report on ({@code val})
 * @param init              prompt init: {@code vocab}, {@code uniform} or {@code text:<words>}
 * @param trainLimit        use only the first examples of the training split, 0 for all
 * @param evalLimit         use only the first examples of the evaluation split, 0 for all
 * @param bucket            group examples of similar length into batches (less padding), see
 *                          {@link TrainingRun#batches}
 * @param matmulPrecision   libtorch's float32 matmul precision: {@code float32} or
 *                          {@code bf16-matmul}, see {@link MatmulPrecision}
 * @param evalEvery         evaluate after every this many epochs and after the last one (a large
 *                          evaluation split can cost more than a small training split's epoch)
 * @param head              {@code linear} (a trained linear head on {@code [CLS]}),
 *                          {@code verbalizer} (the frozen MLM head scores label words at a
 *                          {@code [MASK]}, see {@link VerbalizerTemplate}) or {@code text-to-text}
 *                          (a T5 backbone's decoder scores label texts, see {@link TextToTextTemplate})
 * @param template          the verbalizer's or text-to-text template, blank for the task's built-in one
 * @param labelWords        the verbalizer's label words or the text-to-text label texts,
 *                          {@code label=word,...}, blank for the task's built-in ones
 * @param placement         where the prompt goes, a {@link PromptPlacement#id()}: {@code after-cls}
 *                          ({@code [CLS] P' text}, the paper's) or {@code before-input}
 *                          ({@code P' [CLS] text}, Hugging Face PEFT's, the head on position 0);
 *                          a text-to-text head (T5, no {@code [CLS]}) takes only the default, its
 *                          prompt always going before the first encoder token
 */
public record TrainingConfig(
        String backbone,
        int epochs,
        int batchSize,
        int evalBatchSize,
        int maxLength,
        double headLearningRate,
        double weightDecay,
        double maxGradNorm,
        int maxSteps,
        String trainSplit,
        String evalSplit,
        String init,
        int trainLimit,
        int evalLimit,
        boolean bucket,
        String matmulPrecision,
        int evalEvery,
        String head,
        String template,
        String labelWords,
        String placement) {

    /** The defaults: the paper's recipe scaled to a 2-core CPU (fewer epochs, length 128). */
    public static final TrainingConfig DEFAULTS = new TrainingConfig(
            "all-minilm-l6-v2", 8, 8, 32, 128, 0.01, 1e-5, 1.0, 0, "train", "val", "vocab", 0, 0, true,
            "float32", 1, "linear", "", "", PromptPlacement.AFTER_CLS.id());

    /** Name of the {@link #placement} setting, recorded only when not {@code after-cls} (see {@link #toMap}). */
    public static final String PLACEMENT = "prompt-placement";

    /** Name of the {@link #evalEvery} setting, recorded only when not 1 (see {@link #toMap}). */
    private static final String EVAL_EVERY = "eval-every";
    /** Names of the head settings, recorded only for a verbalizer or text-to-text head (see {@link #toMap}). */
    private static final String HEAD = "head";
    private static final String TEMPLATE = "template";
    private static final String LABEL_WORDS = "label-words";
    /** The head of T5 backbones. */
    public static final String TEXT_TO_TEXT = "text-to-text";

    /** Settings from before the placement could be chosen: the prompt after {@code [CLS]}. */
    public TrainingConfig(String backbone, int epochs, int batchSize, int evalBatchSize, int maxLength,
            double headLearningRate, double weightDecay, double maxGradNorm, int maxSteps, String trainSplit,
            String evalSplit, String init, int trainLimit, int evalLimit, boolean bucket, String matmulPrecision,
            int evalEvery, String head, String template, String labelWords) {
        this(backbone, epochs, batchSize, evalBatchSize, maxLength, headLearningRate, weightDecay, maxGradNorm,
                maxSteps, trainSplit, evalSplit, init, trainLimit, evalLimit, bucket, matmulPrecision, evalEvery,
                head, template, labelWords, PromptPlacement.AFTER_CLS.id());
    }

    /** Settings from before a head could be chosen, without them (old grids and tests). */
    public TrainingConfig(String backbone, int epochs, int batchSize, int evalBatchSize, int maxLength,
            double headLearningRate, double weightDecay, double maxGradNorm, int maxSteps, String trainSplit,
            String evalSplit, String init, int trainLimit, int evalLimit, boolean bucket, String matmulPrecision,
            int evalEvery) {
        this(backbone, epochs, batchSize, evalBatchSize, maxLength, headLearningRate, weightDecay, maxGradNorm,
                maxSteps, trainSplit, evalSplit, init, trainLimit, evalLimit, bucket, matmulPrecision, evalEvery,
                "linear", "", "");
    }

    /** Validates the settings. */
    public TrainingConfig {
        positive("epochs", epochs);
        positive("batch-size", batchSize);
        positive("eval-batch-size", evalBatchSize);
        positive(EVAL_EVERY, evalEvery);
        if (maxLength < 8) {
            throw new InvalidOptionException("Setting 'max-length' must be at least 8, got " + maxLength);
        }
        if (!(headLearningRate > 0) || Double.isInfinite(headLearningRate)) {
            throw new InvalidOptionException("Setting 'head-lr' must be a finite positive number, got " + headLearningRate);
        }
        notNegative("weight-decay", weightDecay);
        notNegative("max-grad-norm", maxGradNorm);
        if (maxSteps < 0 || trainLimit < 0 || evalLimit < 0) {
            throw new InvalidOptionException("Settings 'max-steps', 'train-limit' and 'eval-limit' must not be negative");
        }
        if (!init.equals("vocab") && !init.equals("uniform") && !init.startsWith("text:")) {
            throw new InvalidOptionException("Setting 'init' must be vocab, uniform or text:<words>, got '" + init + "'");
        }
        MatmulPrecision.parse(matmulPrecision);
        if (!head.equals("linear") && !head.equals("verbalizer") && !head.equals(TEXT_TO_TEXT)) {
            throw new InvalidOptionException("Setting 'head' must be linear or verbalizer, or text-to-text for a T5 "
                    + "backbone, got '" + head + "'");
        }
        if (head.equals("linear") && !(template.isBlank() && labelWords.isBlank())) {
            throw new InvalidOptionException("Settings 'template' and 'label-words' apply to the verbalizer and "
                    + "text-to-text heads; add 'head' verbalizer (--head verbalizer), text-to-text for a T5 backbone, "
                    + "or leave them out");
        }
        try {
            // one spelling per placement, so equal settings give one run id
            placement = PromptPlacement.parse(placement).id();
        } catch (InvalidOptionException e) {
            throw new InvalidOptionException("Setting '" + PLACEMENT + "': " + e.getMessage());
        }
        if (head.equals(TEXT_TO_TEXT) && !placement.equals(PromptPlacement.AFTER_CLS.id())) {
            // T5 has no [CLS]: its prompt always goes before the first encoder token, as PEFT's SEQ_2_SEQ_LM does
            throw new InvalidOptionException("Setting '" + PLACEMENT + "' " + placement + " applies to BERT encoders; "
                    + "a text-to-text head (T5) always puts the prompt before the first encoder token, so leave out "
                    + "--prompt-placement for a T5 backbone");
        }
    }

    /** Where the prompt goes. */
    public PromptPlacement promptPlacement() {
        return PromptPlacement.parse(placement);
    }

    /** Whether a T5 backbone's frozen decoder scores label texts (the prompt-tuning paper's set-up). */
    public boolean isTextToText() {
        return head.equals(TEXT_TO_TEXT);
    }

    /** Whether the frozen MLM head scores label words instead of a trained linear head. */
    public boolean isVerbalizer() {
        return head.equals("verbalizer");
    }

    /**
     * Reads settings by name over the defaults.
     *
     * @throws InvalidOptionException for an unknown name (with the closest one) or a bad value
     */
    public static TrainingConfig fromMap(Map<String, String> settings) {
        Map<String, String> merged = new LinkedHashMap<>(DEFAULTS.toMap());
        merged.put(EVAL_EVERY, Integer.toString(DEFAULTS.evalEvery()));
        merged.put(HEAD, DEFAULTS.head());
        merged.put(TEMPLATE, DEFAULTS.template());
        merged.put(LABEL_WORDS, DEFAULTS.labelWords());
        merged.put(PLACEMENT, DEFAULTS.placement());
        Set<String> known = merged.keySet();
        for (var entry : settings.entrySet()) {
            if (!known.contains(entry.getKey())) {
                String hint = Suggestions.closest(entry.getKey(), known).map(s -> " Did you mean '" + s + "'?").orElse("");
                throw new InvalidOptionException("Unknown training setting '" + entry.getKey() + "'." + hint
                        + " Known settings: " + String.join(", ", known));
            }
            merged.put(entry.getKey(), entry.getValue());
        }
        return new TrainingConfig(
                merged.get("backbone"),
                parseInt(merged, "epochs"),
                parseInt(merged, "batch-size"),
                parseInt(merged, "eval-batch-size"),
                parseInt(merged, "max-length"),
                parseDouble(merged, "head-lr"),
                parseDouble(merged, "weight-decay"),
                parseDouble(merged, "max-grad-norm"),
                parseInt(merged, "max-steps"),
                merged.get("train-split"),
                merged.get("eval-split"),
                merged.get("init"),
                parseInt(merged, "train-limit"),
                parseInt(merged, "eval-limit"),
                parseBoolean("bucket", merged.get("bucket")),
                merged.get("matmul-precision"),
                parseInt(merged, EVAL_EVERY),
                merged.get(HEAD).strip(),
                merged.get(TEMPLATE),
                merged.get(LABEL_WORDS),
                merged.get(PLACEMENT));
    }

    /**
     * The settings by name, sorted, as recorded in a run's configuration. {@code eval-every} is
     * left out when it is 1, the head settings with a linear head, and {@code prompt-placement}
     * when it is {@code after-cls}, so that runs recorded before they existed keep their run ids.
     */
    public Map<String, String> toMap() {
        Map<String, String> map = new TreeMap<>();
        map.put("backbone", backbone);
        map.put("epochs", Integer.toString(epochs));
        map.put("batch-size", Integer.toString(batchSize));
        map.put("eval-batch-size", Integer.toString(evalBatchSize));
        map.put("max-length", Integer.toString(maxLength));
        map.put("head-lr", Double.toString(headLearningRate));
        map.put("weight-decay", Double.toString(weightDecay));
        map.put("max-grad-norm", Double.toString(maxGradNorm));
        map.put("max-steps", Integer.toString(maxSteps));
        map.put("train-split", trainSplit);
        map.put("eval-split", evalSplit);
        map.put("init", init);
        map.put("train-limit", Integer.toString(trainLimit));
        map.put("eval-limit", Integer.toString(evalLimit));
        map.put("bucket", Boolean.toString(bucket));
        map.put("matmul-precision", matmulPrecision);
        if (evalEvery != 1) {
            map.put(EVAL_EVERY, Integer.toString(evalEvery));
        }
        if (isVerbalizer() || isTextToText()) {
            map.put(HEAD, head);
            map.put(TEMPLATE, template);
            map.put(LABEL_WORDS, labelWords);
        }
        if (promptPlacement() != PromptPlacement.AFTER_CLS) {
            map.put(PLACEMENT, placement);
        }
        return map;
    }

    private static boolean parseBoolean(String name, String value) {
        if (value.equalsIgnoreCase("true") || value.equalsIgnoreCase("false")) {
            return Boolean.parseBoolean(value);
        }
        throw new InvalidOptionException("Setting '" + name + "' must be true or false, got '" + value + "'");
    }

    private static int parseInt(Map<String, String> settings, String name) {
        String value = settings.get(name);
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new InvalidOptionException("Setting '" + name + "' must be an integer, got '" + value + "'");
        }
    }

    private static double parseDouble(Map<String, String> settings, String name) {
        String value = settings.get(name);
        try {
            return Double.parseDouble(value.trim());
        } catch (NumberFormatException e) {
            throw new InvalidOptionException("Setting '" + name + "' must be a number, got '" + value + "'");
        }
    }

    /** Refuses negative, NaN and infinite values (NaN passes a plain {@code < 0} test). */
    private static void notNegative(String name, double value) {
        if (!(value >= 0) || Double.isInfinite(value)) {
            throw new InvalidOptionException("Setting '" + name + "' must be a finite number, 0 or more, got " + value);
        }
    }

    private static void positive(String name, int value) {
        if (value < 1) {
            throw new InvalidOptionException("Setting '" + name + "' must be at least 1, got " + value);
        }
    }
}
