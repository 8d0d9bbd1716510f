package dev.peft4j.server;

/** How the micro-batcher groups queued requests into one call of the predictor. */
public enum Batching {

    /** Any requests together, whatever their tasks: one forward pass serves them all (the default). */
    MIXED,

    /**
     * Only requests of one task together, the way one single-task model per task would batch;
     * a request whose items span several tasks forms a batch of its own. For comparison with
     * {@link #MIXED} under the same load.
     */
    PER_TASK
}
