package dev.peft4j.harness.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.peft4j.api.PeftException;
import dev.peft4j.backbones.EncodedBatch;
import dev.peft4j.backbones.TextTokenizer;
import dev.peft4j.backbones.Verbalizer;
import dev.peft4j.harness.task.Example;
import dev.peft4j.harness.task.Task;
import dev.peft4j.harness.task.TaskKind;
import dev.peft4j.harness.task.TextInput;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Turns a batch of examples into encoder inputs and, for training, the tensors the loss needs.
 * Classification examples give one sequence each and one logit per label; multiple-choice and
 * candidate examples give one sequence per choice, scored by a one-unit head, and a softmax over
 * each example's choices.
 */
final class BatchEncoder {

    /** The padded score index of a missing choice; its score is a large negative number. */
    private static final float MISSING_CHOICE_SCORE = -1e4f;

    private final TextTokenizer tokenizer;
    private final Task task;
    private final int maxTokens;
    private final @Nullable VerbalizerTemplate template;
    private final @Nullable Verbalizer verbalizer;
    private final @Nullable TextToTextTemplate textToText;

    BatchEncoder(TextTokenizer tokenizer, Task task, int maxTokens) {
        this(tokenizer, task, maxTokens, null, null);
    }

    /** An encoder that fills {@code textToText}'s template with each input's texts (a T5 backbone's input). */
    BatchEncoder(TextTokenizer tokenizer, Task task, int maxTokens, TextToTextTemplate textToText) {
        this.tokenizer = tokenizer;
        this.task = task;
        this.maxTokens = maxTokens;
        this.template = null;
        this.verbalizer = null;
        this.textToText = textToText;
    }

    /**
     * An encoder that fills {@code template} with each input's texts (one sequence with one
     * {@code [MASK]}) for {@code verbalizer}; both null for the linear head's plain inputs.
     */
    BatchEncoder(TextTokenizer tokenizer, Task task, int maxTokens, @Nullable VerbalizerTemplate template,
            @Nullable Verbalizer verbalizer) {
        this.tokenizer = tokenizer;
        this.task = task;
        this.maxTokens = maxTokens;
        this.template = template;
        this.verbalizer = verbalizer;
        this.textToText = null;
    }

    /** Whether each input (choice) gets one score rather than each example one logit per label. */
    static boolean scoresEachInput(Task task) {
        return task.getKind() == TaskKind.MULTIPLE_CHOICE || task.getKind() == TaskKind.CANDIDATE_SCORING;
    }

    /** The number of outputs of the classification head for {@code task}. */
    static int headUnits(Task task) {
        return scoresEachInput(task) ? 1 : task.getLabels().size();
    }

    /** Tokenizes every input of the batch, in example order. */
    EncodedBatch encode(List<Example> examples) {
        if (template != null && verbalizer != null) {
            return encodeTemplate(examples, template, verbalizer);
        }
        if (textToText != null) {
            List<String> texts = new ArrayList<>();
            for (Example example : examples) {
                example.inputs().forEach(input -> texts.add(textToText.fill(input)));
            }
            return tokenizer.encode(texts, maxTokens);
        }
        List<String> first = new ArrayList<>();
        List<String> second = new ArrayList<>();
        int pairs = 0;
        for (Example example : examples) {
            for (TextInput input : example.inputs()) {
                first.add(input.text());
                if (input.textPair() != null) {
                    second.add(input.textPair());
                    pairs++;
                }
            }
        }
        if (pairs == 0) {
            return tokenizer.encode(first, maxTokens);
        }
        if (pairs != first.size()) {
            throw new PeftException("Task '" + task.getId() + "' mixes single texts and text pairs in one batch; "
                    + "a task must render every input the same way");
        }
        return tokenizer.encodePairs(first, second, maxTokens);
    }

    private EncodedBatch encodeTemplate(List<Example> examples, VerbalizerTemplate template, Verbalizer verbalizer) {
        List<String> texts = new ArrayList<>();
        List<String> ids = new ArrayList<>();
        for (Example example : examples) {
            for (TextInput input : example.inputs()) {
                texts.add(template.fill(input));
                ids.add(example.id());
            }
        }
        EncodedBatch batch = tokenizer.encode(texts, maxTokens);
        try {
            verbalizer.checkMasks(batch);
        } catch (PeftException e) {
            int row = firstRowWithoutOneMask(batch, verbalizer.getMaskTokenId());
            throw new PeftException("Task '" + task.getId() + "', example " + ids.get(row) + " in template '"
                    + template.template() + "': " + e.getMessage(), e);
        }
        return batch;
    }

    private static int firstRowWithoutOneMask(EncodedBatch batch, long maskId) {
        long[] tokens = batch.tokenIds();
        for (int row = 0; row < batch.batchSize(); row++) {
            int count = 0;
            for (int t = 0; t < batch.length(); t++) {
                count += tokens[row * batch.length() + t] == maskId ? 1 : 0;
            }
            if (count != 1) {
                return row;
            }
        }
        return 0;
    }

    /**
     * The mean cross-entropy of the batch from the head's outputs.
     *
     * @param outputs head outputs: {@code (B, C)} per example, or {@code (N, 1)} per input
     */
    NDArray loss(NDArray outputs, List<Example> examples, NDManager manager) {
        NDArray logits = scoresEachInput(task) ? choiceScores(perInput(outputs), examples, manager) : outputs;
        long classes = logits.getShape().get(1);
        long[] labels = labels(examples, (int) classes);
        float[] oneHot = new float[Math.toIntExact(examples.size() * classes)];
        for (int i = 0; i < examples.size(); i++) {
            // the target carries the 1/B of the mean: a Number operand (x.div(B)) would be a tensor over a
            // Java buffer that DJL frees at once while autograd still needs it for backward
            oneHot[(int) (i * classes + labels[i])] = 1f / examples.size();
        }
        NDArray target = manager.create(oneHot, new Shape(examples.size(), classes)).toDevice(logits.getDevice(), false);
        return logits.logSoftmax(1).mul(target).sum().neg();
    }

    /**
     * Each training example's label index.
     *
     * @throws PeftException for an example without a label in {@code [0, classes)}
     */
    long[] labels(List<Example> examples, int classes) {
        long[] labels = new long[examples.size()];
        for (int i = 0; i < examples.size(); i++) {
            int label = examples.get(i).label();
            if (label < 0 || label >= classes) {
                throw new PeftException("Training example '" + examples.get(i).id() + "' of task '" + task.getId()
                        + "' has no usable label (" + label + "); remove unlabelled examples from the training split");
            }
            labels[i] = label;
        }
        return labels;
    }

    /** Per-example score rows from the head's outputs, copied to the host once. */
    float[][] scores(NDArray outputs, List<Example> examples) {
        float[] flat = (scoresEachInput(task) ? perInput(outputs) : outputs).toFloatArray();
        float[][] rows = new float[examples.size()][];
        if (scoresEachInput(task)) {
            int offset = 0;
            for (int i = 0; i < examples.size(); i++) {
                int k = examples.get(i).inputs().size();
                rows[i] = java.util.Arrays.copyOfRange(flat, offset, offset + k);
                offset += k;
            }
        } else {
            int classes = (int) outputs.getShape().get(1);
            for (int i = 0; i < examples.size(); i++) {
                rows[i] = java.util.Arrays.copyOfRange(flat, i * classes, (i + 1) * classes);
            }
        }
        return rows;
    }

    /**
     * The {@code (N, 1)} score of each input: the head's output, or with a verbalizer the logit of
     * the {@code true} word minus that of the {@code false} word ({@link VerbalizerTemplate}).
     */
    private NDArray perInput(NDArray outputs) {
        return verbalizer == null ? outputs : outputs.get(":, 0:1").sub(outputs.get(":, 1:2"));
    }

    /** Gathers the {@code (N, 1)} per-input scores into {@code (B, K)}, padding short rows. */
    private static NDArray choiceScores(NDArray outputs, List<Example> examples, NDManager manager) {
        int total = (int) outputs.getShape().get(0);
        int widest = examples.stream().mapToInt(e -> e.inputs().size()).max().orElse(1);
        long[] index = new long[examples.size() * widest];
        int offset = 0;
        for (int i = 0; i < examples.size(); i++) {
            int k = examples.get(i).inputs().size();
            for (int j = 0; j < widest; j++) {
                index[i * widest + j] = j < k ? offset + j : total;
            }
            offset += k;
        }
        NDArray padded = outputs.reshape(total).concat(
                manager.create(new float[] {MISSING_CHOICE_SCORE}).toDevice(outputs.getDevice(), false), 0);
        NDArray gather = manager.create(index, new Shape(examples.size(), widest)).toDevice(outputs.getDevice(), false);
        return padded.get(gather.toType(DataType.INT64, false));
    }

    /** The encoder inputs of a batch on {@code manager}'s device. */
    static NDList inputs(EncodedBatch batch, NDManager manager) {
        return batch.toNDList(manager);
    }
}
