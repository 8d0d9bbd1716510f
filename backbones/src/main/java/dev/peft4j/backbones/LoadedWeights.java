package dev.peft4j.backbones;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.initializer.Initializer;
import dev.peft4j.api.ShapeMismatchException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/** Checks and hands over the weights a frozen model ({@link BertEncoder}, {@link T5Model}) loads. */
final class LoadedWeights {

    /** How many problems a message lists before "... and N more". */
    private static final int SHOWN = 20;

    private LoadedWeights() {}

    /** One line per tensor of {@code expected} that {@code weights} lacks or holds in another shape. */
    static List<String> shapeProblems(Map<String, Shape> expected, Map<String, NDArray> weights) {
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, Shape> entry : expected.entrySet()) {
            NDArray array = weights.get(entry.getKey());
            if (array == null) {
                problems.add(entry.getKey() + ": missing (expected " + entry.getValue() + ")");
            } else if (!array.getShape().equals(entry.getValue())) {
                problems.add(entry.getKey() + ": expected " + entry.getValue() + ", found " + array.getShape());
            }
        }
        return problems;
    }

    /** Appends the first problems, one per indented line, and how many more there are. */
    static StringBuilder appendProblems(StringBuilder message, List<String> problems) {
        int shown = Math.min(problems.size(), SHOWN);
        for (String problem : problems.subList(0, shown)) {
            message.append("\n  ").append(problem);
        }
        if (shown < problems.size()) {
            message.append("\n  ... and ").append(problems.size() - shown).append(" more");
        }
        return message;
    }

    /**
     * Refuses NaN or infinite weights, which would otherwise surface much later as a training run
     * that "diverged" at its first step, with advice to lower the learning rate.
     */
    static void checkFinite(Iterable<String> names, Map<String, NDArray> weights, String source) {
        List<String> problems = new ArrayList<>();
        for (String name : names) {
            NDArray array = weights.get(name);
            try (NDArray nan = array.isNaN(); NDArray infinite = array.isInfinite();
                    NDArray nanCount = nan.countNonzero(); NDArray infiniteCount = infinite.countNonzero()) {
                long nans = nanCount.getLong();
                long infinities = infiniteCount.getLong();
                if (nans > 0 || infinities > 0) {
                    problems.add(name + ": " + nans + " NaN and " + infinities + " infinite of " + array.size()
                            + " values");
                }
            }
        }
        if (!problems.isEmpty()) {
            StringBuilder message = new StringBuilder("The weights in ").append(source)
                    .append(" hold values that are not finite numbers in ").append(problems.size()).append(" tensor(s):");
            appendProblems(message, problems);
            message.append("\nThe file is corrupt or was saved from a diverged training; download or export it again.");
            throw new BackboneException(message.toString());
        }
    }

    /** Hands a loaded array to a parameter at initialization; {@code owner} names the model in errors. */
    record Preset(String owner, @Nullable NDArray value) implements Initializer {
        @Override
        public NDArray initialize(NDManager manager, Shape shape, DataType dataType) {
            if (value == null || !value.getShape().equals(shape)) {
                throw new ShapeMismatchException(owner + ": no loaded weight of shape " + shape
                        + " for a parameter; the weight map changed after checking");
            }
            return value;
        }
    }
}
