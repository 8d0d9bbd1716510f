package dev.peft4j.harness.task;

import dev.peft4j.api.PeftException;
import dev.peft4j.harness.metric.Metric;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A declarative benchmark task: its id and version, where its splits live, its labels and input
 * fields, its kind, how a raw record becomes {@link Example}s, and the metrics that judge it (the
 * first is the headline). The SuperGLUE tasks are in {@link SuperGlueTasks}; a user's own
 * classification data is described with {@link GenericClassificationTask}.
 *
 * <p>Bump {@link #getVersion()} whenever the text rendering or the metrics change, so results
 * of different renderings are never compared.
 */
public final class Task {

    private static final Logger LOG = LoggerFactory.getLogger(Task.class);

    private final String id;
    private final int version;
    private final String description;
    private final TaskKind kind;
    private final String directoryName;
    private final Map<String, SplitSource> splits;
    private final List<String> labels;
    private final List<String> inputFields;
    private final Map<String, String> converterSettings;
    private final Map<String, String> templateFields;
    private final List<Metric> metrics;
    private final RecordConverter converter;

    private Task(Builder builder) {
        this.id = Objects.requireNonNull(builder.id, "setId is required");
        this.version = builder.version;
        this.description = builder.description;
        this.kind = Objects.requireNonNull(builder.kind, "setKind is required");
        this.directoryName = builder.directoryName == null ? id : builder.directoryName;
        this.splits = Map.copyOf(builder.splits);
        this.labels = List.copyOf(builder.labels);
        this.inputFields = List.copyOf(builder.inputFields);
        this.converterSettings = Map.copyOf(builder.converterSettings);
        this.templateFields = Collections.unmodifiableMap(new LinkedHashMap<>(builder.templateFields));
        this.metrics = List.copyOf(builder.metrics);
        this.converter = Objects.requireNonNull(builder.converter, "setConverter is required");
        if (metrics.isEmpty()) {
            throw new PeftException("Task '" + id + "' has no metrics; add at least one with addMetric.");
        }
        if (splits.isEmpty()) {
            throw new PeftException("Task '" + id + "' has no splits; add at least one with addSplit.");
        }
        boolean classification = kind == TaskKind.SINGLE_TEXT_CLASSIFICATION
                || kind == TaskKind.TEXT_PAIR_CLASSIFICATION || kind == TaskKind.GROUPED_BINARY;
        if (classification && labels.size() < 2) {
            throw new PeftException("Task '" + id + "' is a classification task but has "
                    + labels.size() + " labels; give at least 2 with setLabels.");
        }
    }

    /** A builder: {@code set*} settings are required, {@code opt*} and {@code add*} optional. */
    public static Builder builder() {
        return new Builder();
    }

    /** The task id, lower-case (for example {@code cb}). */
    public String getId() {
        return id;
    }

    /** The rendering and metric version; results of different versions are not comparable. */
    public int getVersion() {
        return version;
    }

    /** A one-line description. */
    public String getDescription() {
        return description;
    }

    /** How examples are shaped and scored. */
    public TaskKind getKind() {
        return kind;
    }

    /** The task's folder name inside a collection (for example {@code CB}). */
    public String getDirectoryName() {
        return directoryName;
    }

    /** Split name to source, for example {@code val -> superglue/val.jsonl}. */
    public Map<String, SplitSource> getSplits() {
        return splits;
    }

    /**
     * The source of one split.
     *
     * @throws PeftException naming the task's splits when the split is unknown
     */
    public SplitSource getSplit(String split) {
        SplitSource source = splits.get(split);
        if (source == null) {
            throw new PeftException("Task '" + id + "' has no split '" + split + "'. Splits: "
                    + new ArrayList<>(new java.util.TreeSet<>(splits.keySet())) + ".");
        }
        return source;
    }

    /** Class names in index order; for multiple choice the choice names; empty for ReCoRD. */
    public List<String> getLabels() {
        return labels;
    }

    /** The record fields the rendering reads, for documentation and messages. */
    public List<String> getInputFields() {
        return inputFields;
    }

    /**
     * Settings of the record conversion that the id and version do not capture, such as the
     * label field of a user's data; part of the data's fingerprint. Empty for SuperGLUE tasks.
     */
    public Map<String, String> getConverterSettings() {
        return converterSettings;
    }

    /**
     * The named fields each input carries ({@link TextInput#fields()}), for verbalizer templates:
     * field name to the text that holds it ({@code text_a} or {@code text_b}), or an empty string
     * for a field that is in neither (a COPA connective) or only marked in one (WSC's spans). A
     * template that leaves out {@code {text_a}} must use every field {@code text_a} holds instead.
     * Empty for tasks without named fields.
     */
    public Map<String, String> getTemplateFields() {
        return templateFields;
    }

    /** The metrics, headline first. */
    public List<Metric> getMetrics() {
        return metrics;
    }

    /** The headline metric: the first of {@link #getMetrics()}. */
    public Metric getHeadlineMetric() {
        return metrics.get(0);
    }

    /**
     * The index of a raw label value.
     *
     * @throws DataFormatException naming the record and the task's label set when unknown
     */
    public int labelIndex(String raw, SourceRecord record) {
        int index = labels.indexOf(raw);
        if (index < 0) {
            throw record.fail("unknown label '" + raw + "' for task '" + id + "'; its labels are "
                    + labels, null);
        }
        return index;
    }

    /** Converts one raw record into examples. */
    public List<Example> convert(SourceRecord record) {
        return converter.convert(record, this);
    }

    /**
     * Reads a file of this task's records and converts them.
     *
     * @param split the split's name, for messages
     * @param file a jsonl or csv file
     * @throws DataFormatException if the file is malformed or holds no records
     */
    public List<Example> load(String split, Path file) {
        List<SourceRecord> records = RecordReader.read(file);
        if (records.isEmpty()) {
            throw new DataFormatException("Split '" + split + "' of task '" + id + "' is empty: "
                    + file + " holds no records. Check the file or point the data folder elsewhere.");
        }
        List<Example> examples = new ArrayList<>();
        int skipped = 0;
        int firstSkipped = 0;
        for (SourceRecord record : records) {
            List<Example> converted = convert(record);
            if (converted.isEmpty() && skipped++ == 0) {
                firstSkipped = record.getLine();
            }
            examples.addAll(converted);
        }
        if (skipped > 0) {
            LOG.warn("{}: {} of {} records of split '{}' of task '{}' yield no example and are skipped (the first at "
                    + "line {})", file, skipped, records.size(), split, id, firstSkipped);
        }
        if (examples.isEmpty()) {
            throw new DataFormatException("Split '" + split + "' of task '" + id + "' is empty: the "
                    + records.size() + " records of " + file + " yield no examples.");
        }
        return examples;
    }

    @Override
    public String toString() {
        return id + " v" + version + " (" + kind + ")";
    }

    /** Builds a {@link Task}. */
    public static final class Builder {
        private @Nullable String id;
        private int version = 1;
        private String description = "";
        private @Nullable TaskKind kind;
        private @Nullable String directoryName;
        private final Map<String, SplitSource> splits = new LinkedHashMap<>();
        private List<String> labels = List.of();
        private List<String> inputFields = List.of();
        private Map<String, String> converterSettings = Map.of();
        private Map<String, String> templateFields = Map.of();
        private final List<Metric> metrics = new ArrayList<>();
        private @Nullable RecordConverter converter;

        private Builder() {}

        /** Sets the lower-case task id (required). */
        public Builder setId(String id) {
            this.id = id;
            return this;
        }

        /** Sets the task kind (required). */
        public Builder setKind(TaskKind kind) {
            this.kind = kind;
            return this;
        }

        /** Sets the class or choice names in index order (required for classification). */
        public Builder setLabels(List<String> labels) {
            this.labels = labels;
            return this;
        }

        /** Sets the record fields the rendering reads. */
        public Builder setInputFields(List<String> inputFields) {
            this.inputFields = inputFields;
            return this;
        }

        /** Adds a split. */
        public Builder addSplit(String name, SplitSource source) {
            splits.put(name, source);
            return this;
        }

        /** Adds a metric; the first added is the headline (required: at least one). */
        public Builder addMetric(Metric metric) {
            metrics.add(metric);
            return this;
        }

        /** Sets the record converter (required). */
        public Builder setConverter(RecordConverter converter) {
            this.converter = converter;
            return this;
        }

        /** Sets the conversion settings the id and version do not capture (default none). */
        public Builder optConverterSettings(Map<String, String> converterSettings) {
            this.converterSettings = converterSettings;
            return this;
        }

        /**
         * Sets the named fields of the inputs, name to the text that holds it (see
         * {@link Task#getTemplateFields()}); default none.
         */
        public Builder optTemplateFields(Map<String, String> templateFields) {
            this.templateFields = templateFields;
            return this;
        }

        /** Sets the version (default 1). */
        public Builder optVersion(int version) {
            this.version = version;
            return this;
        }

        /** Sets the description. */
        public Builder optDescription(String description) {
            this.description = description;
            return this;
        }

        /** Sets the folder name inside a collection (default: the id). */
        public Builder optDirectoryName(String directoryName) {
            this.directoryName = directoryName;
            return this;
        }

        /** Builds the task. */
        public Task build() {
            return new Task(this);
        }
    }
}
