package dev.peft4j.harness.task;

import java.util.List;

/**
 * Turns one raw record into examples: one for most tasks, one per answer option for MultiRC,
 * one per query for ReCoRD. Failures are {@link DataFormatException}s made with
 * {@link SourceRecord#fail}.
 */
@FunctionalInterface
public interface RecordConverter {

    /**
     * Converts a record.
     *
     * @param record the raw record with its file and line
     * @param task the task, for its labels ({@link Task#labelIndex})
     */
    List<Example> convert(SourceRecord record, Task task);
}
