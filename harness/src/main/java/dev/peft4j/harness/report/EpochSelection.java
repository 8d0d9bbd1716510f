package dev.peft4j.harness.report;

/**
 * Which epoch's validation score stands for a run in a summary. The prompt-tuning papers report
 * the best epoch: early stopping on the validation split, which is also the split reported. On
 * small validation sets (CB's 56 examples, RTE's 277) the largest of several noisy evaluations
 * is optimistic even when nothing was learned, so reports show the last epoch beside it: a score
 * that no selection on the validation split has touched.
 */
public enum EpochSelection {
    /** The best headline value over the evaluated epochs ({@link RunResult#bestMetric()}). */
    BEST("best-epoch", "summary"),
    /** The headline value of the last evaluated epoch ({@link RunResult#lastMetric()}). */
    LAST("last-epoch", "summary-last-epoch");

    private final String id;
    private final String fileStem;

    EpochSelection(String id, String fileStem) {
        this.id = id;
        this.fileStem = fileStem;
    }

    /** The id written into JSON summaries: {@code best-epoch} or {@code last-epoch}. */
    public String id() {
        return id;
    }

    /** The name of the summary files without extension: {@code summary}, {@code summary-last-epoch}. */
    public String fileStem() {
        return fileStem;
    }

    /** The score that stands for a run. */
    public double score(RunResult run) {
        return this == BEST ? run.bestMetric() : run.lastMetric();
    }
}
