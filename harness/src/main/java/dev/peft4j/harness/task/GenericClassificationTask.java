package dev.peft4j.harness.task;

import dev.peft4j.api.PeftException;
import dev.peft4j.harness.metric.Metrics;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * A classification task on the user's own jsonl or csv files: one or two text fields and a label
 * field, named by the user. One text field gives a single-text task, two give a text pair in the
 * order named. Labels are the given names or, when none are given, the distinct values of the
 * label field in the {@code train} file, sorted. Metric: accuracy, then macro-F1.
 *
 * <pre>{@code
 * Task sentiment = GenericClassificationTask.builder()
 *         .setId("reviews")
 *         .setTextFields(List.of("review"))
 *         .setLabelField("stars")
 *         .addSplit("train", Path.of("data/train.csv"))
 *         .addSplit("val", Path.of("data/val.csv"))
 *         .build();
 * }</pre>
 */
public final class GenericClassificationTask {

    private GenericClassificationTask() {}

    /** A builder. */
    public static Builder builder() {
        return new Builder();
    }

    /** Builds a {@link Task} for a user's classification files. */
    public static final class Builder {
        private @Nullable String id;
        private List<String> textFields = List.of();
        private @Nullable String labelField;
        private @Nullable String idField;
        private @Nullable List<String> labels;
        private final Map<String, Path> splits = new LinkedHashMap<>();

        private Builder() {}

        /** Sets the task id (required). */
        public Builder setId(String id) {
            this.id = id;
            return this;
        }

        /** Sets the one or two text fields, in encoding order (required). */
        public Builder setTextFields(List<String> textFields) {
            this.textFields = List.copyOf(textFields);
            return this;
        }

        /** Sets the label field (required). */
        public Builder setLabelField(String labelField) {
            this.labelField = labelField;
            return this;
        }

        /** Adds a split file (at least one required; {@code train} if labels are to be inferred). */
        public Builder addSplit(String name, Path file) {
            splits.put(name, file);
            return this;
        }

        /** Sets the label names in index order (default: inferred from the train file). */
        public Builder optLabels(List<String> labels) {
            this.labels = List.copyOf(labels);
            return this;
        }

        /** Sets the field holding a record id (default: the line number). */
        public Builder optIdField(String idField) {
            this.idField = idField;
            return this;
        }

        /**
         * Builds the task; reads the train file when the labels must be inferred.
         *
         * @throws PeftException if a required setting is missing or the labels cannot be inferred
         */
        public Task build() {
            if (id == null || labelField == null) {
                throw new PeftException("A generic classification task needs setId and setLabelField.");
            }
            if (textFields.isEmpty() || textFields.size() > 2) {
                throw new PeftException("Task '" + id + "' needs one or two text fields, got "
                        + textFields + "; name them with setTextFields.");
            }
            String label = labelField;
            List<String> names = labels != null ? labels : inferLabels(id, label);
            List<String> fields = textFields;
            String recordId = idField;
            Task.Builder builder = Task.builder()
                    .setId(id)
                    .setKind(fields.size() == 1 ? TaskKind.SINGLE_TEXT_CLASSIFICATION
                            : TaskKind.TEXT_PAIR_CLASSIFICATION)
                    .optDescription("User classification data: " + fields + " -> " + label)
                    .setLabels(names)
                    .setInputFields(fields)
                    .optConverterSettings(Map.of("labelField", label))
                    .addMetric(Metrics.accuracy())
                    .addMetric(Metrics.macroF1(Math.max(2, names.size())))
                    .setConverter((r, t) -> {
                        TextInput input = fields.size() == 1
                                ? TextInput.single(r.getString(fields.get(0)))
                                : TextInput.pair(r.getString(fields.get(0)), r.getString(fields.get(1)));
                        String exampleId = recordId != null ? r.getString(recordId) : "line" + r.getLine();
                        int index = r.has(label) && !r.getString(label).isEmpty()
                                ? t.labelIndex(r.getString(label), r) : -1;
                        return List.of(Example.classification(exampleId, input, index));
                    });
            splits.forEach((name, file) -> builder.addSplit(name, SplitSource.file(file.toString())));
            return builder.build();
        }

        private List<String> inferLabels(String taskId, String label) {
            Path train = splits.get("train");
            if (train == null) {
                throw new PeftException("Task '" + taskId + "' has no labels: give them with optLabels "
                        + "or add a 'train' split to infer them from.");
            }
            TreeSet<String> seen = new TreeSet<>();
            for (SourceRecord record : RecordReader.read(train)) {
                if (record.has(label) && !record.getString(label).isEmpty()) {
                    seen.add(record.getString(label));
                }
            }
            if (seen.size() < 2) {
                throw new PeftException("Task '" + taskId + "': the label field '" + label + "' of "
                        + train + " has " + seen.size() + " distinct values " + seen
                        + "; classification needs at least 2. Check the field name.");
            }
            return new ArrayList<>(seen);
        }
    }
}
