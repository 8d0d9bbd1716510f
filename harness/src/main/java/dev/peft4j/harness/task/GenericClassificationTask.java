package dev.peft4j.harness.task;

import com.google.gson.JsonElement;
import com.google.gson.JsonPrimitive;
import dev.peft4j.api.PeftException;
import dev.peft4j.harness.metric.Metrics;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * A classification task on the user's own jsonl or csv files: one or two text fields and a label
 * field, named by the user. One text field gives a single-text task, two give a text pair in the
 * order named. Labels are the given names or, when none are given, the distinct values of the
 * label field in the {@code train} file, sorted. Metric: accuracy, then macro-F1.
 *
 * <p>Labels are strict, since a lenient reading silently trains another problem: every label of
 * the task must have the same JSON type (all strings, all numbers or all booleans, as the
 * {@code train} file has them; csv fields are all strings), or {@code true}, {@code "true"} and
 * {@code 1} would be three classes; numbers are compared by value ({@code 1} and {@code 1.0} are
 * the label {@code 1}). A record without a label (field missing, null or empty) fails naming its
 * file and line, unless {@link Builder#optSkipUnlabelled} drops such records with a warning.
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
        private boolean skipUnlabelled;
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

        /**
         * Whether records without a label are dropped, with a warning that counts them (default
         * false: such a record fails, naming its file and line).
         */
        public Builder optSkipUnlabelled(boolean skipUnlabelled) {
            this.skipUnlabelled = skipUnlabelled;
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
            Path train = splits.get("train");
            @Nullable LabelScan scan = train == null ? null : LabelScan.of(train, label);
            List<String> names = labels != null ? labels : inferLabels(id, label, scan);
            List<String> fields = textFields;
            String recordId = idField;
            boolean skip = skipUnlabelled;
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
                        @Nullable JsonPrimitive value = labelValue(r, label);
                        if (value == null) {
                            if (skip) {
                                return List.of();
                            }
                            throw r.fail("no label: field '" + label + "' is missing, null or empty (fields here: "
                                    + r.getFields().keySet() + "). Every record of your data needs a label: fill it "
                                    + "in or remove the record, or drop such records with --skip-unlabelled "
                                    + "(optSkipUnlabelled)", null);
                        }
                        if (scan != null && !scan.type().equals(jsonType(value))) {
                            throw r.fail("the label " + value + " is " + jsonType(value) + ", but the training labels are "
                                    + scan.type() + " (the first at " + scan.first().getLocation() + "); write every "
                                    + "label as one JSON type, or true, \"true\" and 1 would be different classes", null);
                        }
                        return List.of(Example.classification(exampleId, input, t.labelIndex(text(value), r)));
                    });
            splits.forEach((name, file) -> builder.addSplit(name, SplitSource.file(file.toString())));
            return builder.build();
        }

        private List<String> inferLabels(String taskId, String label, @Nullable LabelScan scan) {
            Path train = splits.get("train");
            if (train == null) {
                throw new PeftException("Task '" + taskId + "' has no labels: give them with optLabels "
                        + "or add a 'train' split to infer them from.");
            }
            Set<String> seen = scan == null ? Set.of() : scan.values();
            if (seen.size() < 2) {
                throw new PeftException("Task '" + taskId + "': the label field '" + label + "' of "
                        + train + " has " + seen.size() + " distinct values " + seen
                        + "; classification needs at least 2. Check the field name.");
            }
            return new ArrayList<>(seen);
        }
    }

    /** A label value, or null when the record has none (missing, null or an empty string). */
    private static @Nullable JsonPrimitive labelValue(SourceRecord record, String field) {
        JsonElement value = record.getFields().get(field);
        if (value == null || value.isJsonNull()) {
            return null;
        }
        if (!value.isJsonPrimitive()) {
            throw record.fail("the label field '" + field + "' should be a string, number or boolean but is "
                    + value, null);
        }
        JsonPrimitive primitive = value.getAsJsonPrimitive();
        return primitive.isString() && primitive.getAsString().isEmpty() ? null : primitive;
    }

    private static String jsonType(JsonPrimitive value) {
        return value.isBoolean() ? "a boolean" : value.isNumber() ? "a number" : "a string";
    }

    /** The label's name: numbers by value, so 1 and 1.0 are one label. */
    private static String text(JsonPrimitive value) {
        if (value.isNumber()) {
            try {
                return new BigDecimal(value.getAsString()).stripTrailingZeros().toPlainString();
            } catch (NumberFormatException e) {
                return value.getAsString();
            }
        }
        return value.getAsString();
    }

    /**
     * The labels of a training file: their JSON type (one for all, else the file is refused), the
     * first labelled record, and the distinct label names, sorted.
     */
    private record LabelScan(String type, SourceRecord first, TreeSet<String> values) {

        static @Nullable LabelScan of(Path train, String field) {
            @Nullable SourceRecord first = null;
            @Nullable JsonPrimitive firstValue = null;
            TreeSet<String> values = new TreeSet<>();
            for (SourceRecord record : RecordReader.read(train)) {
                JsonPrimitive value = labelValue(record, field);
                if (value == null) {
                    continue;
                }
                if (first == null || firstValue == null) {
                    first = record;
                    firstValue = value;
                } else if (!jsonType(value).equals(jsonType(firstValue))) {
                    throw record.fail("the label " + value + " is " + jsonType(value) + ", but " + first.getLocation()
                            + " has " + jsonType(firstValue) + " (" + firstValue + "); write every label as one JSON type, "
                            + "or true, \"true\" and 1 would be different classes", null);
                }
                values.add(text(value));
            }
            return first == null || firstValue == null ? null : new LabelScan(jsonType(firstValue), first, values);
        }
    }
}
