package dev.peft4j.server;

import dev.peft4j.api.PeftException;
import dev.peft4j.inference.MultiTaskPredictor;
import dev.peft4j.inference.MultiTaskPredictor.Input;
import dev.peft4j.inference.Prediction;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Coalesces concurrent requests into micro-batches: one thread takes the oldest request, waits up
 * to {@code maxWait} for more until {@code maxBatch} rows are gathered, calls the predictor once
 * for all of them and completes each request's future with its own rows. While a batch runs, the
 * next one queues up, so under load batches fill without waiting.
 *
 * <p>A batch that fails for one request's sake (a task removed after the request was checked)
 * is retried one request at a time, so only that request fails.
 */
@Singleton
final class MicroBatcher implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(MicroBatcher.class);
    private static final long SLICE_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

    /** Thrown (in the future) when the queue is full: the client should retry later. */
    static final class Overloaded extends PeftException {
        Overloaded(String message) {
            super(message);
        }
    }

    /** One request waiting: its rows and the future of their predictions. */
    private record Pending(List<Input> rows, CompletableFuture<List<Prediction>> result, @Nullable String task) {}

    private final MultiTaskPredictor predictor;
    private final ServerMetrics metrics;
    private final int maxBatch;
    private final long maxWaitNanos;
    private final int capacity;
    private final boolean perTask;
    private final long drainMillis;
    private final BlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
    /** Requests taken from the queue but left for a later batch; the batcher thread's alone. */
    private final Deque<Pending> backlog = new ArrayDeque<>();
    /** Requests submitted and not yet run: the queue's and the backlog's. */
    private final AtomicInteger waiting = new AtomicInteger();
    private final Thread thread;
    private boolean closing; // guarded by this
    /** Set when stopping begins: batches run with what is there instead of waiting for more rows. */
    private volatile boolean hurry;

    @Inject
    MicroBatcher(MultiTaskPredictor predictor, ServerSettings settings, ServerMetrics metrics) {
        this.predictor = predictor;
        this.metrics = metrics;
        this.maxBatch = settings.maxBatch();
        this.maxWaitNanos = settings.maxWait().toNanos();
        this.capacity = settings.queueCapacity();
        this.perTask = settings.batching() == Batching.PER_TASK;
        this.drainMillis = settings.drainTimeout().toMillis();
        this.thread = new Thread(this::run, "peft4j-batcher");
        thread.setDaemon(true);
        thread.start();
    }

    /**
     * Queues the rows for the next batch. The future fails with {@link Overloaded} when the queue is
     * full or the batcher is stopping, or with the predictor's exception.
     */
    CompletableFuture<List<Prediction>> submit(List<Input> rows) {
        CompletableFuture<List<Prediction>> result = new CompletableFuture<>();
        // under the lock the batcher takes to decide it is done, so no request is queued after that
        synchronized (this) {
            if (closing) {
                result.completeExceptionally(new Overloaded("The server is stopping; send the request to another "
                        + "replica or retry once it is back."));
                return result;
            }
            if (waiting.get() >= capacity) {
                metrics.rejected();
                result.completeExceptionally(new Overloaded("The server's queue is full (" + capacity + " requests "
                        + "waiting); retry in a moment, or raise the queue capacity."));
                return result;
            }
            waiting.incrementAndGet();
            queue.add(new Pending(List.copyOf(rows), result, singleTask(rows)));
        }
        return result;
    }

    /** Requests waiting now. */
    int getWaiting() {
        return waiting.get();
    }

    private static @Nullable String singleTask(List<Input> rows) {
        String task = rows.get(0).task();
        for (Input row : rows) {
            if (!row.task().equals(task)) {
                return null;
            }
        }
        return task;
    }

    /** Whether {@code next} may join a batch begun by {@code first}. */
    private boolean fits(Pending first, Pending next) {
        return !perTask || (first.task() != null && first.task().equals(next.task()));
    }

    private void run() {
        try {
            while (!done()) {
                Pending first = backlog.pollFirst();
                if (first == null) {
                    first = queue.poll(50, TimeUnit.MILLISECONDS);
                    if (first == null) {
                        continue;
                    }
                }
                execute(collect(first));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            failWaiting();
        }
    }

    /** Whether stopping was asked and nothing waits; from then on nothing is queued. */
    private synchronized boolean done() {
        return closing && waiting.get() == 0;
    }

    private List<Pending> collect(Pending first) throws InterruptedException {
        List<Pending> batch = new ArrayList<>();
        batch.add(first);
        int rows = first.rows().size();
        if (perTask) {
            for (Iterator<Pending> it = backlog.iterator(); it.hasNext() && rows < maxBatch; ) {
                Pending next = it.next();
                if (fits(first, next) && rows + next.rows().size() <= maxBatch) {
                    it.remove();
                    batch.add(next);
                    rows += next.rows().size();
                }
            }
        }
        long deadline = System.nanoTime() + maxWaitNanos;
        while (rows < maxBatch) {
            long left = hurry ? 0 : deadline - System.nanoTime();
            // past the deadline, still take what is queued already, without waiting; wait in slices
            // so that a stop does not wait out a long maxWait
            Pending next = left > 0 ? queue.poll(Math.min(left, SLICE_NANOS), TimeUnit.NANOSECONDS) : queue.poll();
            if (next == null) {
                if (left > SLICE_NANOS) {
                    continue;
                }
                break;
            }
            if (!fits(first, next)) {
                backlog.addLast(next);
            } else if (rows + next.rows().size() > maxBatch) {
                // the oldest request left over: first in the next batch
                if (perTask) {
                    backlog.addLast(next);
                } else {
                    backlog.addFirst(next);
                }
                break;
            } else {
                batch.add(next);
                rows += next.rows().size();
            }
        }
        return batch;
    }

    private void execute(List<Pending> batch) {
        waiting.addAndGet(-batch.size());
        List<Input> rows = new ArrayList<>();
        batch.forEach(pending -> rows.addAll(pending.rows()));
        metrics.batch(rows.size(), batch.size());
        try {
            List<Prediction> predictions = predictor.predictAll(rows);
            int from = 0;
            for (Pending pending : batch) {
                int to = from + pending.rows().size();
                pending.result().complete(List.copyOf(predictions.subList(from, to)));
                from = to;
            }
        } catch (PeftException e) {
            if (batch.size() == 1) {
                batch.get(0).result().completeExceptionally(e);
                return;
            }
            LOG.debug("A batch of {} requests failed ({}); running them one at a time", batch.size(), e.getMessage());
            for (Pending pending : batch) {
                try {
                    pending.result().complete(predictor.predictAll(pending.rows()));
                } catch (RuntimeException single) {
                    pending.result().completeExceptionally(single);
                }
            }
        } catch (RuntimeException e) {
            batch.forEach(pending -> pending.result().completeExceptionally(e));
        }
    }

    private void failWaiting() {
        List<Pending> left = new ArrayList<>(backlog);
        backlog.clear();
        queue.drainTo(left);
        for (Pending pending : left) {
            waiting.decrementAndGet();
            pending.result().completeExceptionally(new Overloaded("The server stopped before this request ran; "
                    + "retry it."));
        }
    }

    /** From now on, runs each batch with the requests already there instead of waiting {@code maxWait} for more. */
    void hurry() {
        hurry = true;
    }

    /**
     * Stops taking requests, runs those already queued, and returns when they are done or after
     * {@code timeoutMillis}; requests still waiting then fail with {@link Overloaded}.
     */
    void drain(long timeoutMillis) {
        hurry = true;
        synchronized (this) {
            closing = true;
        }
        try {
            thread.join(Math.max(1, timeoutMillis));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive()) {
            thread.interrupt();
        }
    }

    /** Stops as {@link #drain} does, waiting the settings' drain timeout. */
    @Override
    public void close() {
        drain(drainMillis);
    }
}
