package dev.peft4j.harness.cli;

import dev.peft4j.backbones.Backbones;
import dev.peft4j.harness.train.TrainingConfig;
import java.util.Map;
import java.util.TreeMap;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Training settings shared by {@code train} and {@code compare}; defaults from {@link TrainingConfig#DEFAULTS}. */
final class TrainingOptions {

    @Option(names = "--backbone", description = "Backbone name or Hugging Face folder (default: ${DEFAULT-VALUE}).")
    String backbone = TrainingConfig.DEFAULTS.backbone();

    @Option(names = "--epochs", description = "Epochs (default: ${DEFAULT-VALUE}).")
    int epochs = TrainingConfig.DEFAULTS.epochs();

    @Option(names = "--batch-size", description = "Training examples per step (default: ${DEFAULT-VALUE}).")
    int batchSize = TrainingConfig.DEFAULTS.batchSize();

    @Option(names = "--eval-batch-size", description = "Examples per evaluation batch (default: ${DEFAULT-VALUE}).")
    int evalBatchSize = TrainingConfig.DEFAULTS.evalBatchSize();

    @Option(names = "--max-length", description = "Positions per sequence incl. prompt (default: ${DEFAULT-VALUE}).")
    int maxLength = TrainingConfig.DEFAULTS.maxLength();

    @Option(names = "--head-lr", description = "Learning rate of the classification head (default: ${DEFAULT-VALUE}).")
    double headLearningRate = TrainingConfig.DEFAULTS.headLearningRate();

    @Option(names = "--weight-decay", description = "AdamW weight decay (default: ${DEFAULT-VALUE}).")
    double weightDecay = TrainingConfig.DEFAULTS.weightDecay();

    @Option(names = "--max-grad-norm", description = "Gradient-norm clip, 0 for none (default: ${DEFAULT-VALUE}).")
    double maxGradNorm = TrainingConfig.DEFAULTS.maxGradNorm();

    @Option(names = "--max-steps", description = "Steps per epoch at most, 0 for all (default: ${DEFAULT-VALUE}).")
    int maxSteps = TrainingConfig.DEFAULTS.maxSteps();

    @Option(names = "--eval-every", description = "Evaluate after every N epochs and after the last "
            + "(default: ${DEFAULT-VALUE}); for a large evaluation split and many short epochs.")
    int evalEvery = TrainingConfig.DEFAULTS.evalEvery();

    @Option(names = "--train-split", description = "Split to train on: train or fewglue-train (default: ${DEFAULT-VALUE}).")
    String trainSplit = TrainingConfig.DEFAULTS.trainSplit();

    @Option(names = "--eval-split", description = "Split to select on and report (default: ${DEFAULT-VALUE}).")
    String evalSplit = TrainingConfig.DEFAULTS.evalSplit();

    @Option(names = "--init", description = "Prompt init: vocab, uniform or text:<words> (default: ${DEFAULT-VALUE}).")
    String init = TrainingConfig.DEFAULTS.init();

    @Option(names = "--train-limit", description = "Use the first N training examples, 0 for all (default: ${DEFAULT-VALUE}).")
    int trainLimit = TrainingConfig.DEFAULTS.trainLimit();

    @Option(names = "--eval-limit", description = "Use the first N evaluation examples, 0 for all (default: ${DEFAULT-VALUE}).")
    int evalLimit = TrainingConfig.DEFAULTS.evalLimit();

    @Option(names = "--bucket", negatable = true, fallbackValue = "true",
            description = "Batch examples of similar length together to cut padding (default: ${DEFAULT-VALUE}).")
    boolean bucket = TrainingConfig.DEFAULTS.bucket();

    @Option(names = "--precision", description = "float32, or bf16-matmul: libtorch computes float32 matrix products "
            + "with bfloat16 inputs (AMX/AVX512-BF16; falls back to float32 with a warning) (default: ${DEFAULT-VALUE}).")
    String matmulPrecision = TrainingConfig.DEFAULTS.matmulPrecision();

    @Option(names = "--head", description = "linear: a trained linear head on [CLS]; verbalizer: the frozen "
            + "masked-LM head scores one label word per label at a [MASK] of a cloze template, so the prompt is the "
            + "only learner (needs a backbone with an MLM head, e.g. bert-base-uncased); text-to-text: a T5 "
            + "backbone's frozen decoder scores one label text per label (default: linear, text-to-text for a T5 "
            + "folder).")
    String head = "";

    @Option(names = "--template", description = "Verbalizer template with one [MASK] and placeholders {text_a}, "
            + "{text_b} or the task's named fields (peft4j list shows them), e.g. \"{text_a} ? [MASK] , {text_b}\" "
            + "(default: built in for every SuperGLUE task but record; {name:no-final-punctuation} fills a text "
            + "without its final punctuation); for text-to-text the T5 input, e.g. "
            + "\"rte sentence1: {text_a} sentence2: {text_b}\" (default: built in for cb, rte, boolq, wic, multirc).")
    String template = TrainingConfig.DEFAULTS.template();

    @Option(names = "--label-words", description = "Verbalizer label words, one word piece per label, e.g. "
            + "positive=great,negative=terrible; for copa true=yes,false=no (default: built in with the template); "
            + "for text-to-text the label texts (default: the T5 paper's for cb, rte, boolq, wic, multirc, else the "
            + "label names).")
    String labelWords = TrainingConfig.DEFAULTS.labelWords();

    @Option(names = "--prompt-placement", description = "after-cls: [CLS] P' text, the paper's BERT recipe; "
            + "before-input: P' [CLS] text, as Hugging Face PEFT's forward places a prompt, with the linear head on "
            + "position 0 (the first prompt vector) as PEFT's sequence classifier reads it, so the export behaves the "
            + "same in PEFT; leave it out for a T5 backbone, whose prompt always goes before the encoder input "
            + "(default: ${DEFAULT-VALUE}).")
    String placement = TrainingConfig.DEFAULTS.placement();

    @Mixin
    DeviceOptions where = new DeviceOptions();

    @Option(names = "--no-progress", description = "One line per epoch and no progress bar, even on a terminal "
            + "(without a terminal there is never a bar).")
    boolean noProgress;

    /** The validated settings. */
    TrainingConfig toConfig() {
        // a T5 folder classifies text to text; every other backbone defaults to the linear head
        String kind = !head.isBlank() ? head
                : Backbones.isT5Folder(backbone) ? TrainingConfig.TEXT_TO_TEXT : TrainingConfig.DEFAULTS.head();
        return new TrainingConfig(backbone, epochs, batchSize, evalBatchSize, maxLength, headLearningRate,
                weightDecay, maxGradNorm, maxSteps, trainSplit, evalSplit, init, trainLimit, evalLimit, bucket, matmulPrecision,
                evalEvery, kind, template, labelWords, placement);
    }

    /** The settings as a run's shared configuration. */
    Map<String, String> toShared() {
        return new TreeMap<>(toConfig().toMap());
    }
}
