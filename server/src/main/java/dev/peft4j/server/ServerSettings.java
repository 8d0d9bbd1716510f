package dev.peft4j.server;

import dev.peft4j.api.PeftException;
import java.time.Duration;
import java.util.Objects;

/**
 * How a {@link PredictionServer} listens, batches and limits requests. Build one with
 * {@link #builder()}; every setting has a default.
 *
 * @param host          the address to listen on ({@code 127.0.0.1} by default: loopback only)
 * @param port          the port, 0 for any free one ({@code 8080} by default)
 * @param maxBatch      the most rows one predictor call takes from the queue (32, the predictor's
 *                      rows per forward pass); a single request with more rows runs alone
 * @param maxWait       how long the batcher waits for more requests after the first one before it
 *                      runs a batch that is not full (5 ms)
 * @param queueCapacity the most requests waiting for the batcher; past it requests get 503 with
 *                      {@code Retry-After} (1024)
 * @param maxBodyBytes  the largest request body accepted, else 413 (1 MiB)
 * @param maxItems      the most items in one request, else 400 (256)
 * @param batching      how requests are grouped ({@link Batching#MIXED})
 * @param drainTimeout  how long stopping waits for requests in flight (10 s)
 */
public record ServerSettings(String host, int port, int maxBatch, Duration maxWait, int queueCapacity,
        int maxBodyBytes, int maxItems, Batching batching, Duration drainTimeout) {

    /** Checks the ranges. */
    public ServerSettings {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(maxWait, "maxWait");
        Objects.requireNonNull(batching, "batching");
        Objects.requireNonNull(drainTimeout, "drainTimeout");
        check(port >= 0 && port <= 65535, "port", port, "0 (any free port) to 65535");
        check(maxBatch >= 1, "maxBatch", maxBatch, "at least 1");
        check(!maxWait.isNegative(), "maxWait", maxWait, "0 or more");
        check(queueCapacity >= 1, "queueCapacity", queueCapacity, "at least 1");
        check(maxBodyBytes >= 64, "maxBodyBytes", maxBodyBytes, "at least 64");
        check(maxItems >= 1, "maxItems", maxItems, "at least 1");
        check(!drainTimeout.isNegative(), "drainTimeout", drainTimeout, "0 or more");
    }

    private static void check(boolean ok, String name, Object value, String range) {
        if (!ok) {
            throw new PeftException("Server setting " + name + " is " + value + "; use " + range + ".");
        }
    }

    /** The default settings. */
    public static ServerSettings defaults() {
        return builder().build();
    }

    /** A builder starting from the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder starting from these settings. */
    public Builder toBuilder() {
        return new Builder().optHost(host).optPort(port).optMaxBatch(maxBatch).optMaxWait(maxWait)
                .optQueueCapacity(queueCapacity).optMaxBodyBytes(maxBodyBytes).optMaxItems(maxItems)
                .optBatching(batching).optDrainTimeout(drainTimeout);
    }

    /** Builds {@link ServerSettings}; see the record's components for each setting and its default. */
    public static final class Builder {
        private String host = "127.0.0.1";
        private int port = 8080;
        private int maxBatch = 32;
        private Duration maxWait = Duration.ofMillis(5);
        private int queueCapacity = 1024;
        private int maxBodyBytes = 1 << 20;
        private int maxItems = 256;
        private Batching batching = Batching.MIXED;
        private Duration drainTimeout = Duration.ofSeconds(10);

        private Builder() {}

        /** The address to listen on. */
        public Builder optHost(String host) {
            this.host = host;
            return this;
        }

        /** The port, 0 for any free one. */
        public Builder optPort(int port) {
            this.port = port;
            return this;
        }

        /** The most rows per predictor call. */
        public Builder optMaxBatch(int maxBatch) {
            this.maxBatch = maxBatch;
            return this;
        }

        /** How long to wait for more requests before running a batch that is not full. */
        public Builder optMaxWait(Duration maxWait) {
            this.maxWait = maxWait;
            return this;
        }

        /** The most requests waiting for the batcher. */
        public Builder optQueueCapacity(int queueCapacity) {
            this.queueCapacity = queueCapacity;
            return this;
        }

        /** The largest request body, in bytes. */
        public Builder optMaxBodyBytes(int maxBodyBytes) {
            this.maxBodyBytes = maxBodyBytes;
            return this;
        }

        /** The most items in one request. */
        public Builder optMaxItems(int maxItems) {
            this.maxItems = maxItems;
            return this;
        }

        /** How requests are grouped into batches. */
        public Builder optBatching(Batching batching) {
            this.batching = batching;
            return this;
        }

        /** How long stopping waits for requests in flight. */
        public Builder optDrainTimeout(Duration drainTimeout) {
            this.drainTimeout = drainTimeout;
            return this;
        }

        /**
         * The settings.
         *
         * @throws PeftException for a value out of range, naming it
         */
        public ServerSettings build() {
            return new ServerSettings(host, port, maxBatch, maxWait, queueCapacity, maxBodyBytes, maxItems, batching,
                    drainTimeout);
        }
    }
}
