package dev.peft4j.harness.cli;

import dev.peft4j.api.InvalidOptionException;
import dev.peft4j.harness.task.GenericClassificationTask;
import dev.peft4j.harness.task.SuperGlueTasks;
import dev.peft4j.harness.task.Task;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Option;

/**
 * A classification task on the user's own jsonl or csv files, named by the task id the command
 * is given; without {@code --train-file} task ids name SuperGLUE tasks.
 */
final class CustomTaskOptions {

    @Option(names = "--train-file", description = "Your own training data (jsonl or csv); the task id names it.")
    @Nullable Path trainFile;

    @Option(names = "--val-file", description = "Your own validation data (jsonl or csv).")
    @Nullable Path valFile;

    @Option(names = "--text-fields", split = ",", description = "One or two text fields of your data, in order.")
    List<String> textFields = new ArrayList<>();

    @Option(names = "--label-field", defaultValue = "label", description = "The label field of your data (default: ${DEFAULT-VALUE}).")
    String labelField;

    @Option(names = "--labels", split = ",", description = "Label names in order (default: sorted values of the training file).")
    List<String> labels = new ArrayList<>();

    @Option(names = "--skip-unlabelled", description = "Drop records of your data without a label, with a warning "
            + "counting them (default: such a record fails, naming its file and line).")
    boolean skipUnlabelled;

    /** Resolves task ids: the user's task under {@code customId}, else SuperGLUE tasks. */
    Function<String, Task> resolver(String customId) {
        if (trainFile == null && valFile == null) {
            return SuperGlueTasks::byId;
        }
        if (trainFile == null || valFile == null || textFields.isEmpty()) {
            throw new InvalidOptionException("Your own data needs --train-file, --val-file and --text-fields "
                    + "(and --label-field unless it is 'label')");
        }
        GenericClassificationTask.Builder builder = GenericClassificationTask.builder()
                .setId(customId)
                .setTextFields(textFields)
                .setLabelField(labelField)
                .addSplit("train", trainFile)
                .addSplit("val", valFile)
                .optSkipUnlabelled(skipUnlabelled);
        if (!labels.isEmpty()) {
            builder.optLabels(labels);
        }
        Task custom = builder.build();
        return id -> id.equals(customId) ? custom : SuperGlueTasks.byId(id);
    }
}
