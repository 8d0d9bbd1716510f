package dev.peft4j.inference;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import dev.peft4j.api.PeftException;
import dev.peft4j.api.PromptPlacement;
import dev.peft4j.api.Suggestions;
import dev.peft4j.backbones.Backbone;
import dev.peft4j.backbones.BertEncoder;
import dev.peft4j.backbones.EncodedBatch;
import dev.peft4j.backbones.Verbalizer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Serves many prompt-tuned tasks from one frozen backbone: each task is an export folder (its
 * prompt {@code P'} and its head), and a batch may mix rows of different tasks, which run in
 * <em>one</em> forward pass of the backbone, each row with its own prompt and head (the promise of
 * prompt tuning, Lester et al. 2021: one model, a small prompt per task).
 *
 * <pre>{@code
 * try (Backbone backbone = Backbones.load("bert-base-uncased");
 *         MultiTaskPredictor predictor = MultiTaskPredictor.open(backbone,
 *                 Map.of("cb", Path.of("exports/cb"), "rte", Path.of("exports/rte")))) {
 *     List<Prediction> out = predictor.predictAll(List.of(
 *             new MultiTaskPredictor.Input("cb", "It is raining.", "The street is wet."),
 *             new MultiTaskPredictor.Input("rte", "A man sleeps.", "A person rests.")));
 *     predictor.addTask("boolq", Path.of("exports/boolq")); // while serving
 * }
 * }</pre>
 *
 * <p><b>Results.</b> Every row's prediction equals what a {@link Predictor} opened on that row's
 * export alone gives (within float rounding, 1e-5): the same tokenization and truncation (each
 * task keeps its own {@code maxLength}), the same positions, the same head.
 *
 * <p><b>Prompts of different lengths and placements.</b> Each row is laid out as its task's export
 * says, {@code [CLS] P'(task) text [SEP]} or, for an export trained with Hugging Face PEFT's
 * placement, {@code P'(task) [CLS] text [SEP]}, followed by padding; tasks of both placements mix
 * in one batch. A row with a shorter prompt is simply a shorter sequence: the
 * positions that a longer prompt would take are padding at the row's end, masked out of attention
 * like any text padding. Zero-padding the prompts in place (after {@code [CLS]}) would shift the
 * text's position ids of short-prompt rows and change their results; grouping rows by prompt
 * length would cost one forward pass per length. The rows are gathered on the device from the
 * token embeddings and a {@code (B, n_max, d)} tensor of the rows' zero-padded prompts.
 *
 * <p><b>Prompt exports only.</b> Exports of methods that act inside the layers are refused: LoRA
 * factors change the shared backbone's linear layers, and a per-layer prefix would be applied to
 * every row of the shared forward pass; serve each with its own {@link Predictor}.
 *
 * <p><b>Heads.</b> A linear head reads its rows' states at position 0 ({@code [CLS]}, or the first
 * prompt vector before the input, as {@link Predictor} does); a verbalizer task fills its
 * template with the row's texts and scores its label words with the backbone's frozen MLM head at
 * the row's {@code [MASK]}. Multiple-choice exports are refused, as {@link Predictor} refuses them.
 *
 * <p><b>Memory.</b> A task adds its prompt ({@code n x d} floats) and head ({@code C x d + C}
 * floats; nothing for a verbalizer) to the backbone's device, see {@link #getTaskBytes(String)};
 * the backbone is shared.
 *
 * <p><b>Threads.</b> Any number of threads may predict while others add and remove tasks: the
 * tasks are a copy-on-write map, each call holds the tasks it uses, and a removed task's arrays are
 * freed when the last call using it returns. {@link #close()} waits for calls in flight and frees
 * every task; the backbone stays the caller's to close, after this predictor.
 */
public final class MultiTaskPredictor implements AutoCloseable {

    /**
     * One row of a mixed batch: the task that classifies it and its text (pair).
     *
     * @param task  the task's name, as given to {@link #addTask}
     * @param textA the text, or the first text of a pair
     * @param textB the second text of a pair, or null for a single text
     */
    public record Input(String task, String textA, @Nullable String textB) {

        /** Checks that the task and the first text are given. */
        public Input {
            Objects.requireNonNull(task, "task");
            Objects.requireNonNull(textA, "textA");
        }

        /** A single-text row. */
        public Input(String task, String text) {
            this(task, text, null);
        }
    }

    private final Backbone backbone;
    private final NDManager manager;
    private final ParameterStore parameterStore;
    private final UseGuard guard;
    private final Object writes = new Object();
    /** Replaced, never changed, under {@link #writes}: readers take a consistent snapshot without a lock. */
    private volatile Map<String, Task> tasks = Map.of();

    private MultiTaskPredictor(Backbone backbone) {
        this.backbone = backbone;
        this.guard = new UseGuard("This multi-task predictor is closed (backbone " + backbone.getName() + "); open "
                + "a new one with MultiTaskPredictor.open(...) to predict again.");
        this.manager = backbone.getManager().newSubManager();
        this.parameterStore = new ParameterStore(manager, false);
    }

    /**
     * A predictor on {@code backbone} with no task yet; add tasks with {@link #addTask}. The
     * backbone stays the caller's: close it after this predictor.
     */
    public static MultiTaskPredictor open(Backbone backbone) {
        if (Objects.requireNonNull(backbone, "backbone").isTextToText()) {
            throw new PeftException("MultiTaskPredictor serves BERT-family encoders; " + backbone.getName() + " is a "
                    + "T5, whose exports score label texts. Serve each T5 export with its own Predictor.");
        }
        return new MultiTaskPredictor(backbone);
    }

    /**
     * A predictor on {@code backbone} serving the export folders of {@code exports}, by task name.
     *
     * @throws PeftException as {@link #addTask} does; nothing stays open then
     */
    public static MultiTaskPredictor open(Backbone backbone, Map<String, Path> exports) {
        MultiTaskPredictor predictor = open(backbone);
        try {
            exports.forEach(predictor::addTask);
            return predictor;
        } catch (RuntimeException e) {
            predictor.close();
            throw e;
        }
    }

    /**
     * Reads an export folder and serves it as {@code task}, at once and without disturbing calls in
     * flight.
     *
     * @throws dev.peft4j.api.PromptFormatException when the folder or one of its files is missing or corrupt
     * @throws PeftException when the name is blank or taken, the export names another backbone, its
     *     prompt or maxLength does not fit the backbone, it is a multiple-choice export, or the
     *     predictor is closed
     */
    public void addTask(String task, Path exportFolder) {
        put(task, exportFolder, false);
    }

    /**
     * Serves the export folder as {@code task} in place of the task's current export (a retrained
     * prompt, say), in one step: no call sees the name unknown. Calls in flight finish with the
     * old export, whose arrays are freed when the last of them returns.
     *
     * @throws PeftException for an unknown task (the predictor is unchanged then), or as {@link #addTask} does
     */
    public void replaceTask(String task, Path exportFolder) {
        put(task, exportFolder, true);
    }

    private void put(String task, Path exportFolder, boolean replace) {
        Objects.requireNonNull(exportFolder, "exportFolder");
        if (task == null || task.isBlank()) {
            throw new PeftException("MultiTaskPredictor: the task name is empty or blank; name the task (e.g. "
                    + "'cb') that inputs will refer to.");
        }
        guard.use(() -> {
            ExportFolder export = Predictor.read(exportFolder);
            if (export.settings().isTextToText()) {
                throw new PeftException("MultiTaskPredictor: the export in " + exportFolder + " scores label texts "
                        + "with a T5 (text-to-text head), which it does not serve; use a Predictor for it.");
            }
            if (export.isLowRank()) {
                throw new PeftException("MultiTaskPredictor: the export in " + exportFolder + " holds LoRA factors "
                        + "(method '" + export.settings().method() + "'), which change the shared backbone's linear "
                        + "layers for every task in the batch; it serves prompt exports only. Serve it with its own "
                        + "Predictor (Predictor.open(folder) merges the factors into its own backbone).");
            }
            if (export.layerAdapter() != null) {
                throw new PeftException("MultiTaskPredictor: the export in " + exportFolder + " holds a per-layer "
                        + "prefix (method '" + export.settings().method() + "'), which every attention layer of the "
                        + "shared forward pass would apply to all rows; a mixed batch carries one prompt per row at "
                        + "the input only. Serve it with its own Predictor.");
            }
            Predictor.checkBackboneName(exportFolder, export.settings().backbone(), backbone);
            Predictor.check(exportFolder, export, backbone);
            Task added = new Task(task, exportFolder, export, backbone);
            Task existing;
            synchronized (writes) {
                existing = tasks.get(task);
                if (existing != null && !replace) {
                    added.retire();
                    throw new PeftException("The task '" + task + "' is already served (from " + existing.folder
                            + "); replace it with replaceTask, remove it with removeTask(\"" + task + "\") first, "
                            + "or choose another name.");
                }
                if (existing == null && replace) {
                    added.retire();
                    resolve(tasks, task); // throws, naming the known tasks
                }
                Map<String, Task> copy = new LinkedHashMap<>(tasks);
                copy.put(task, added);
                tasks = java.util.Collections.unmodifiableMap(copy);
            }
            if (existing != null) {
                existing.retire();
            }
            return null;
        });
    }

    /**
     * Stops serving {@code task}: later calls naming it fail as for an unknown task, calls in
     * flight finish with it, and its arrays are freed when the last of them returns.
     *
     * @return whether the task was served
     */
    public boolean removeTask(String task) {
        Task removed;
        synchronized (writes) {
            removed = tasks.get(task);
            if (removed == null) {
                return false;
            }
            Map<String, Task> copy = new LinkedHashMap<>(tasks);
            copy.remove(task);
            tasks = java.util.Collections.unmodifiableMap(copy);
        }
        removed.retire();
        return true;
    }

    /** The names of the tasks served now, in the order they were added. */
    public Set<String> getTasks() {
        return tasks.keySet();
    }

    /**
     * The label names of {@code task}, in head order.
     *
     * @throws PeftException for an unknown task
     */
    public List<String> getLabels(String task) {
        return resolve(tasks, task).labels;
    }

    /**
     * The export settings of {@code task}.
     *
     * @throws PeftException for an unknown task
     */
    public ExportFolder.Settings getSettings(String task) {
        return resolve(tasks, task).settings;
    }

    /**
     * The bytes of device memory {@code task} adds: its prompt and its head (float32), all it
     * allocates; the backbone is shared.
     *
     * @throws PeftException for an unknown task
     */
    public long getTaskBytes(String task) {
        return resolve(tasks, task).bytes();
    }

    /** The shared backbone, which this predictor never closes. */
    public Backbone getBackbone() {
        return backbone;
    }

    /** Rows per forward pass of {@link #predictAll}. */
    public int getBatchSize() {
        return Predictor.DEFAULT_BATCH_SIZE;
    }

    /** Whether {@link #close()} has been called. */
    public boolean isClosed() {
        return guard.isClosed();
    }

    /**
     * Classifies one text with {@code task}.
     *
     * @throws PeftException for an unknown task (naming the known ones), a blank text, or when closed
     */
    public Prediction predict(String task, String text) {
        return predictAll(List.of(new Input(task, text))).get(0);
    }

    /**
     * Classifies one text pair with {@code task}, encoded as {@code [CLS] textA [SEP] textB [SEP]}
     * (or the task's template filled with both, for a verbalizer task).
     *
     * @throws PeftException for an unknown task, a blank text, or when closed
     */
    public Prediction predict(String task, String textA, String textB) {
        Objects.requireNonNull(textB, "textB");
        return predictAll(List.of(new Input(task, textA, textB))).get(0);
    }

    /**
     * Classifies rows of any tasks, {@link #getBatchSize()} rows per forward pass whatever their
     * tasks; the results are in input order, each with its task's labels. An empty list gives an
     * empty list.
     *
     * @throws PeftException for an unknown task or a blank text (naming the row), a text pair for a
     *     task whose maxLength leaves no room for one, or when closed
     */
    public List<Prediction> predictAll(List<Input> inputs) {
        Objects.requireNonNull(inputs, "inputs");
        if (inputs.isEmpty()) {
            return List.of();
        }
        return guard.use(() -> {
            if (!backbone.getManager().isOpen()) {
                throw new PeftException("The backbone '" + backbone.getName() + "' was closed while the multi-task "
                        + "predictor is open. Close the predictor before its backbone.");
            }
            Map<String, Task> snapshot = tasks;
            List<Task> rowTasks = new ArrayList<>(inputs.size());
            for (int i = 0; i < inputs.size(); i++) {
                Input input = inputs.get(i);
                Objects.requireNonNull(input, "inputs contain null");
                Task task = resolve(snapshot, input.task());
                checkText(input.textA(), i, "textA");
                if (input.textB() != null) {
                    checkText(input.textB(), i, "textB");
                    if (task.maxTokens < 5) {
                        throw new PeftException("Row " + i + ": the export of task '" + task.name + "' keeps only "
                                + task.maxTokens + " tokens per input beside its prompt, fewer than the 5 a text pair "
                                + "needs ([CLS] a [SEP] b [SEP]).");
                    }
                }
                rowTasks.add(task);
            }
            List<Task> held = hold(rowTasks);
            try {
                List<Prediction> results = new ArrayList<>(inputs.size());
                int batchSize = getBatchSize();
                for (int from = 0; from < inputs.size(); from += batchSize) {
                    int to = Math.min(inputs.size(), from + batchSize);
                    results.addAll(forward(inputs.subList(from, to), rowTasks.subList(from, to)));
                }
                return results;
            } finally {
                held.forEach(Task::release);
            }
        });
    }

    /** Holds every distinct task of the rows, so none is freed during the call. */
    private List<Task> hold(List<Task> rowTasks) {
        List<Task> held = new ArrayList<>();
        Map<Task, Boolean> seen = new IdentityHashMap<>();
        for (Task task : rowTasks) {
            if (seen.put(task, Boolean.TRUE) == null) {
                if (!task.acquire()) {
                    held.forEach(Task::release);
                    throw new PeftException("The task '" + task.name + "' was removed while the call started; known "
                            + "tasks: " + tasks.keySet() + ".");
                }
                held.add(task);
            }
        }
        return held;
    }

    /** One forward pass over rows of mixed tasks. */
    private List<Prediction> forward(List<Input> inputs, List<Task> rowTasks) {
        int rows = inputs.size();
        long[][] ids = new long[rows][];
        long[][] types = new long[rows][];
        tokenize(inputs, rowTasks, ids, types);

        int textLength = 0;
        int promptMax = 0;
        int sequenceLength = 0;
        for (int r = 0; r < rows; r++) {
            textLength = Math.max(textLength, ids[r].length);
            promptMax = Math.max(promptMax, rowTasks.get(r).promptLength);
            sequenceLength = Math.max(sequenceLength, rowTasks.get(r).promptLength + ids[r].length);
        }
        // host side: padded token ids, and where each output position of a row comes from in
        // concat([CLS], prompts (B, n_max, d), text tokens): [CLS] P'(row) text or P'(row) [CLS] text, then padding
        long[] tokenIds = new long[rows * textLength];
        long[] source = new long[rows * sequenceLength];
        long[] mask = new long[rows * sequenceLength];
        long[] segments = new long[rows * sequenceLength];
        long[] readAt = new long[rows];
        for (int r = 0; r < rows; r++) {
            Task task = rowTasks.get(r);
            int n = task.promptLength;
            int insert = task.placement.insertionIndex();
            System.arraycopy(ids[r], 0, tokenIds, r * textLength, ids[r].length);
            for (int j = 0; j < n + ids[r].length; j++) {
                int at = r * sequenceLength + j;
                mask[at] = 1;
                if (j >= insert && j < insert + n) {
                    source[at] = 1 + j - insert; // the row's own prompt vector j - insert (segment 0)
                } else {
                    int token = j < insert ? j : j - n;
                    // [CLS] first, other text tokens after the n_max prompt slots
                    source[at] = token == 0 ? 0 : token + promptMax;
                    segments[at] = types[r][token];
                }
            }
            readAt[r] = task.verbalizer == null ? 0 : maskPosition(ids[r], task.verbalizer) + n;
        }

        BertEncoder encoder = backbone.getEncoder();
        int d = encoder.getHiddenSize();
        try (NDManager step = manager.newSubManager(); NDScope scope = new NDScope()) {
            NDArray embeddings = encoder.embedTokens(parameterStore, step.create(tokenIds, new Shape(rows, textLength)));
            Map<Task, NDArray> padded = new IdentityHashMap<>();
            NDList promptRows = new NDList(rows);
            int n = promptMax;
            for (Task task : rowTasks) {
                promptRows.add(padded.computeIfAbsent(task, t -> t.promptLength == n ? t.prompt
                        : t.prompt.concat(step.zeros(new Shape(n - t.promptLength, d)), 0)));
            }
            NDArray prompts = NDArrays.stack(promptRows, 0);
            NDArray laidOut = NDArrays.concat(new NDList(embeddings.get(new NDIndex(":, :1, :")), prompts,
                    embeddings.get(new NDIndex(":, 1:, :"))), 1);
            NDArray sequences = laidOut.gather(step.create(source, new Shape(rows, sequenceLength, 1))
                    .broadcast(rows, sequenceLength, d), 1);
            NDArray hidden = encoder.encode(parameterStore, sequences, step.create(mask, new Shape(rows, sequenceLength)),
                    step.create(segments, new Shape(rows, sequenceLength)), false);
            NDArray read = hidden.gather(step.create(readAt, new Shape(rows, 1, 1)).broadcast(rows, 1, d), 1)
                    .reshape(rows, d);

            // each task's head on its rows; one host copy of all logits
            Map<Task, List<Integer>> byTask = new LinkedHashMap<>();
            for (int r = 0; r < rows; r++) {
                byTask.computeIfAbsent(rowTasks.get(r), t -> new ArrayList<>()).add(r);
            }
            NDList logits = new NDList(byTask.size());
            for (var entry : byTask.entrySet()) {
                Task task = entry.getKey();
                long[] taskRows = entry.getValue().stream().mapToLong(Integer::longValue).toArray();
                NDArray states = read.gather(step.create(taskRows, new Shape(taskRows.length, 1))
                        .broadcast(taskRows.length, d), 0);
                NDArray taskLogits = task.verbalizer != null
                        ? task.verbalizer.getHead().logitsOf(parameterStore, states, task.labelTokenIds, false)
                        : states.matMul(Objects.requireNonNull(task.weightByColumn)).add(Objects.requireNonNull(task.bias));
                logits.add(taskLogits.reshape(-1));
            }
            float[] flat = (logits.size() == 1 ? logits.get(0) : NDArrays.concat(logits, 0)).toFloatArray();

            Prediction[] results = new Prediction[rows];
            int offset = 0;
            for (var entry : byTask.entrySet()) {
                Task task = entry.getKey();
                for (int r : entry.getValue()) {
                    results[r] = Prediction.fromLogits(task.labels, flat, offset);
                    offset += task.labels.size();
                }
            }
            return List.of(results);
        }
    }

    /** Tokenizes each row as its task's single-task predictor does, trimmed to its real tokens. */
    private void tokenize(List<Input> inputs, List<Task> rowTasks, long[][] ids, long[][] types) {
        // rows of one task and kind (single or pair) are encoded together: same maxTokens, same call
        Map<List<Object>, List<Integer>> groups = new LinkedHashMap<>();
        for (int r = 0; r < inputs.size(); r++) {
            Task task = rowTasks.get(r);
            boolean pair = inputs.get(r).textB() != null;
            groups.computeIfAbsent(List.of(task.name, task.serial, pair), k -> new ArrayList<>()).add(r);
        }
        for (List<Integer> group : groups.values()) {
            Task task = rowTasks.get(group.get(0));
            boolean pair = inputs.get(group.get(0)).textB() != null;
            List<String> first = new ArrayList<>();
            List<String> second = new ArrayList<>();
            for (int r : group) {
                first.add(inputs.get(r).textA());
                second.add(pair ? Objects.requireNonNull(inputs.get(r).textB()) : "");
            }
            EncodedBatch batch;
            if (task.verbalizer != null) {
                String template = Objects.requireNonNull(task.settings.template());
                List<String> filled = new ArrayList<>();
                for (int i = 0; i < first.size(); i++) {
                    filled.add(Verbalizer.fill(template, first.get(i), pair ? second.get(i) : null));
                }
                batch = backbone.getTokenizer().encode(filled, task.maxTokens);
                task.verbalizer.checkMasks(batch);
            } else if (pair) {
                batch = backbone.getTokenizer().encodePairs(first, second, task.maxTokens);
            } else {
                batch = backbone.getTokenizer().encode(first, task.maxTokens);
            }
            long[] batchIds = batch.tokenIds();
            long[] batchTypes = batch.tokenTypeIds();
            for (int i = 0; i < group.size(); i++) {
                int count = batch.tokenCount(i);
                int from = i * batch.length();
                ids[group.get(i)] = java.util.Arrays.copyOfRange(batchIds, from, from + count);
                types[group.get(i)] = java.util.Arrays.copyOfRange(batchTypes, from, from + count);
            }
        }
    }

    private static int maskPosition(long[] ids, Verbalizer verbalizer) {
        long maskId = verbalizer.getMaskTokenId();
        for (int t = 0; t < ids.length; t++) {
            if (ids[t] == maskId) {
                return t;
            }
        }
        throw new IllegalStateException("checkMasks let through a row without [MASK]");
    }

    private static void checkText(@Nullable String text, int row, String what) {
        if (text == null || text.isBlank()) {
            throw new PeftException("MultiTaskPredictor: " + what + " of row " + row + " is empty or blank; every "
                    + "input needs text (drop or fill it before predicting).");
        }
    }

    private static Task resolve(Map<String, Task> snapshot, String name) {
        Task task = snapshot.get(name);
        if (task != null) {
            return task;
        }
        String hint = Suggestions.closest(name, snapshot.keySet())
                .map(closest -> "; did you mean '" + closest + "'?").orElse(".");
        throw new PeftException("Unknown task '" + name + "'" + hint + " Known tasks: "
                + snapshot.keySet() + ". Add a task with addTask(name, exportFolder).");
    }

    /**
     * Waits for calls in flight, then frees every task's prompt and head; the backbone stays open.
     * Later calls fail with a {@link PeftException}. Calling it again does nothing.
     */
    @Override
    public void close() {
        guard.close(() -> {
            Map<String, Task> served;
            synchronized (writes) {
                served = tasks;
                tasks = Map.of();
            }
            served.values().forEach(Task::retire);
            manager.close();
        });
    }

    @Override
    public String toString() {
        return "MultiTaskPredictor(" + tasks.keySet() + ", " + backbone.getName() + ")";
    }

    /** One served export: its arrays on the backbone's device, freed when retired and unused. */
    private static final class Task {
        private static final java.util.concurrent.atomic.AtomicLong SERIALS = new java.util.concurrent.atomic.AtomicLong();

        final String name;
        final long serial = SERIALS.incrementAndGet();
        final Path folder;
        final ExportFolder.Settings settings;
        final List<String> labels;
        final int promptLength;
        final PromptPlacement placement;
        final int maxTokens;
        final NDManager arrays;
        final NDArray prompt;
        /** The linear head's weight as {@code (d, C)}, so rows multiply it directly; null for a verbalizer. */
        final @Nullable NDArray weightByColumn;
        final @Nullable NDArray bias;
        final @Nullable Verbalizer verbalizer;
        final long[] labelTokenIds;
        private int users; // guarded by this
        private boolean retired; // guarded by this

        Task(String name, Path folder, ExportFolder export, Backbone backbone) {
            this.name = name;
            this.folder = folder;
            this.settings = export.settings();
            this.labels = List.copyOf(settings.labels());
            this.promptLength = export.getPrompt().shape().length();
            this.placement = settings.promptPlacement();
            this.maxTokens = settings.maxLength() - promptLength;
            this.verbalizer = settings.isVerbalizer() ? export.newVerbalizer(backbone) : null;
            this.labelTokenIds = verbalizer != null ? verbalizer.getLabelTokenIds() : new long[0];
            this.arrays = backbone.getManager().newSubManager();
            try {
                this.prompt = export.getPrompt().toNDArray(arrays);
                if (verbalizer == null) {
                    int classes = export.headBias().length;
                    int d = export.getPrompt().shape().width();
                    float[] weight = export.headWeight();
                    float[] byColumn = new float[weight.length];
                    for (int c = 0; c < classes; c++) {
                        for (int i = 0; i < d; i++) {
                            byColumn[i * classes + c] = weight[c * d + i];
                        }
                    }
                    this.weightByColumn = arrays.create(byColumn, new Shape(d, classes));
                    this.bias = arrays.create(export.headBias());
                } else {
                    this.weightByColumn = null;
                    this.bias = null;
                }
            } catch (RuntimeException e) {
                arrays.close();
                throw e;
            }
        }

        long bytes() {
            long values = prompt.size() + (weightByColumn == null ? 0 : weightByColumn.size())
                    + (bias == null ? 0 : bias.size());
            return values * Float.BYTES;
        }

        synchronized boolean acquire() {
            if (retired) {
                return false;
            }
            users++;
            return true;
        }

        synchronized void release() {
            users--;
            if (retired && users == 0) {
                arrays.close();
            }
        }

        synchronized void retire() {
            if (retired) {
                return;
            }
            retired = true;
            if (users == 0) {
                arrays.close();
            }
        }
    }
}
