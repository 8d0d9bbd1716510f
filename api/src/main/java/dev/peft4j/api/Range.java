package dev.peft4j.api;

/**
 * A numeric interval with inclusive or exclusive ends, shown in the usual notation
 * ({@code [0, 1)}, {@code [1, inf)}).
 *
 * @param min          lower end, {@code Double.NEGATIVE_INFINITY} for none
 * @param minInclusive whether {@code min} itself is allowed
 * @param max          upper end, {@code Double.POSITIVE_INFINITY} for none
 * @param maxInclusive whether {@code max} itself is allowed
 * @since 1.0
 */
public record Range(double min, boolean minInclusive, double max, boolean maxInclusive) {

    /**
     * Validates the interval.
     *
     * @since 1.0
     */
    public Range {
        if (Double.isNaN(min) || Double.isNaN(max) || min > max) {
            throw new IllegalArgumentException("Empty or invalid range: min " + min + ", max " + max);
        }
    }

    /**
     * {@code [min, max]}.
     *
     * @since 1.0
     */
    public static Range closed(double min, double max) {
        return new Range(min, true, max, true);
    }

    /**
     * {@code [min, max)}.
     *
     * @since 1.0
     */
    public static Range closedOpen(double min, double max) {
        return new Range(min, true, max, false);
    }

    /**
     * {@code [min, inf)}.
     *
     * @since 1.0
     */
    public static Range atLeast(double min) {
        return new Range(min, true, Double.POSITIVE_INFINITY, false);
    }

    /**
     * {@code (min, inf)}.
     *
     * @since 1.0
     */
    public static Range greaterThan(double min) {
        return new Range(min, false, Double.POSITIVE_INFINITY, false);
    }

    /**
     * Whether {@code value} lies in the interval.
     *
     * @since 1.0
     */
    public boolean contains(double value) {
        if (Double.isNaN(value)) {
            return false;
        }
        boolean aboveMin = minInclusive ? value >= min : value > min;
        boolean belowMax = maxInclusive ? value <= max : value < max;
        return aboveMin && belowMax;
    }

    @Override
    public String toString() {
        return (minInclusive ? "[" : "(") + format(min) + ", " + format(max) + (maxInclusive ? "]" : ")");
    }

    private static String format(double value) {
        if (Double.isInfinite(value)) {
            return value > 0 ? "inf" : "-inf";
        }
        return value == Math.rint(value) && Math.abs(value) < 1e15
                ? Long.toString((long) value)
                : Double.toString(value);
    }
}
