package dev.peft4j.harness.experiment;

import dev.peft4j.api.PeftException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * One of {@code count} disjoint parts of a grid, for running a grid on several machines
 * ({@code --shard 2/4}). Runs are sorted by run id and dealt round-robin, so the shards are
 * disjoint, together cover the grid, differ in size by at most one, and do not depend on the
 * order the grid was written in.
 *
 * @param index 1-based shard number
 * @param count number of shards
 */
public record Shard(int index, int count) {

    /** The whole grid as one shard. */
    public static final Shard ALL = new Shard(1, 1);

    /** Checks that {@code 1 <= index <= count}. */
    public Shard {
        if (count < 1 || index < 1 || index > count) {
            throw new PeftException("Shard " + index + "/" + count + " is invalid: write i/n with 1 <= i <= n, "
                    + "for example 1/4.");
        }
    }

    /**
     * Parses {@code i/n}.
     *
     * @throws PeftException if the text is not of that form
     */
    public static Shard parse(String text) {
        String[] parts = text.trim().split("/", -1);
        try {
            if (parts.length == 2) {
                return new Shard(Integer.parseInt(parts[0].trim()), Integer.parseInt(parts[1].trim()));
            }
        } catch (NumberFormatException e) {
            // fall through to the message below
        }
        throw new PeftException("Shard '" + text + "' is not of the form i/n (for example 2/4).");
    }

    /** The runs of this shard, in run-id order. */
    public List<RunSpec> select(List<RunSpec> runs) {
        List<RunSpec> sorted = new ArrayList<>(runs);
        sorted.sort(Comparator.comparing(RunSpec::getRunId));
        List<RunSpec> mine = new ArrayList<>();
        for (int i = index - 1; i < sorted.size(); i += count) {
            mine.add(sorted.get(i));
        }
        return mine;
    }

    @Override
    public String toString() {
        return index + "/" + count;
    }
}
