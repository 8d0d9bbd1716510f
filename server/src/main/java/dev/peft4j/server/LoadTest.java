package dev.peft4j.server;

import dev.peft4j.api.AdapterConfig;
import dev.peft4j.api.PeftException;
import dev.peft4j.api.PromptAdapter;
import dev.peft4j.api.PromptEmbeddings;
import dev.peft4j.api.PromptShape;
import dev.peft4j.backbones.Backbone;
import dev.peft4j.inference.ExportFolder;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A bounded load test of a {@link PredictionServer} over loopback: {@code clients} threads each
 * send one-item {@code POST /v1/predict} requests back to back, cycling through the tasks, until
 * the level's request count or time is spent. It reports throughput, latency percentiles, errors
 * (any answer but 200, and any failed exchange) and the server's mean rows per batch (from its
 * {@code /metrics}). It refuses a target that is not a loopback address.
 */
public final class LoadTest {

    /**
     * One load level's figures.
     *
     * @param batching      the server's batching, as a label
     * @param clients       concurrent clients
     * @param requests      requests answered (with any status)
     * @param errors        answers other than 200, and exchanges that failed
     * @param seconds       the level's wall time
     * @param throughput    requests per second
     * @param p50Millis     median latency, in milliseconds
     * @param p99Millis     99th-percentile latency, in milliseconds
     * @param meanBatchRows the server's rows per predictor call during the level (NaN when unknown)
     */
    public record Result(String batching, int clients, long requests, long errors, double seconds, double throughput,
            double p50Millis, double p99Millis, double meanBatchRows) {}

    private final URI target;
    private final List<String> tasks;
    private final List<String> texts;
    private final long requestsPerLevel;
    private final Duration timePerLevel;
    private final HttpClient client;

    /**
     * A load test of the server at {@code target} (its base address, e.g. {@code http://127.0.0.1:8080}).
     *
     * @param tasks            the tasks to cycle through, request by request
     * @param texts            the texts to cycle through
     * @param requestsPerLevel the most requests one level sends
     * @param timePerLevel     the most time one level runs (requests in flight then are finished)
     * @throws PeftException when {@code target} is not a loopback address, or a bound is not positive
     */
    public LoadTest(URI target, List<String> tasks, List<String> texts, long requestsPerLevel, Duration timePerLevel) {
        this.target = checkLoopback(target);
        if (tasks.isEmpty() || texts.isEmpty() || requestsPerLevel < 1 || timePerLevel.isNegative()
                || timePerLevel.isZero()) {
            throw new PeftException("A load test needs at least one task and one text, and a positive request "
                    + "count and time per level.");
        }
        this.tasks = List.copyOf(tasks);
        this.texts = List.copyOf(texts);
        this.requestsPerLevel = requestsPerLevel;
        this.timePerLevel = timePerLevel;
        this.client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10)).build();
    }

    private static URI checkLoopback(URI target) {
        Objects.requireNonNull(target, "target");
        try {
            if (target.getHost() == null || !InetAddress.getByName(target.getHost()).isLoopbackAddress()) {
                throw new PeftException("The load test only targets this machine's loopback address (127.0.0.1, "
                        + "::1, localhost), not " + target + ".");
            }
        } catch (UnknownHostException e) {
            throw new PeftException("Unknown load test host in " + target + ".", e);
        }
        return target;
    }

    /** Sends {@code count} requests from one client, so the server's first batches are not measured. */
    public void warmUp(int count) {
        for (int i = 0; i < count; i++) {
            send(i);
        }
    }

    /**
     * Runs one level: {@code clients} concurrent clients until the request count or the time is spent.
     *
     * @param batching the label of the server's batching, copied into the result
     */
    public Result run(String batching, int clients) {
        if (clients < 1) {
            throw new PeftException("A load level needs at least one client, not " + clients + ".");
        }
        double[] before = batchRows();
        AtomicLong issued = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        long start = System.nanoTime();
        long deadline = start + timePerLevel.toNanos();
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        List<Future<long[]>> latencies = new ArrayList<>();
        try {
            for (int c = 0; c < clients; c++) {
                latencies.add(pool.submit(() -> {
                    long[] times = new long[16];
                    int n = 0;
                    long i;
                    while ((i = issued.getAndIncrement()) < requestsPerLevel && System.nanoTime() < deadline) {
                        long sent = System.nanoTime();
                        if (!send(i)) {
                            errors.incrementAndGet();
                        }
                        if (n == times.length) {
                            times = Arrays.copyOf(times, n * 2);
                        }
                        times[n++] = System.nanoTime() - sent;
                    }
                    return Arrays.copyOf(times, n);
                }));
            }
            List<long[]> all = new ArrayList<>();
            for (Future<long[]> future : latencies) {
                all.add(future.get());
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            long[] merged = all.stream().flatMapToLong(Arrays::stream).sorted().toArray();
            double[] after = batchRows();
            double rows = after[1] > before[1] ? (after[0] - before[0]) / (after[1] - before[1]) : Double.NaN;
            return new Result(batching, clients, merged.length, errors.get(), seconds, merged.length / seconds,
                    percentile(merged, 0.50) / 1e6, percentile(merged, 0.99) / 1e6, rows);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PeftException("The load test was interrupted.", e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new PeftException("A load test client failed: " + e.getCause(), e.getCause());
        } finally {
            pool.shutdownNow();
            try {
                pool.awaitTermination(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Nearest-rank percentile of sorted values. */
    static double percentile(long[] sorted, double q) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int rank = (int) Math.ceil(q * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    /** Sends request {@code i}; whether it was answered 200. */
    private boolean send(long i) {
        String task = tasks.get((int) (i % tasks.size()));
        String text = texts.get((int) ((i / tasks.size()) % texts.size()));
        String body = "{\"task\":" + quote(task) + ",\"text\":" + quote(text) + "}";
        HttpRequest request = HttpRequest.newBuilder(target.resolve("/v1/predict"))
                .timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        try {
            return client.send(request, HttpResponse.BodyHandlers.ofString()).statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static String quote(String text) {
        return new com.google.gson.JsonPrimitive(text).toString();
    }

    /** The server's {@code peft4j_batch_rows} sum and count, or zeros when unreadable. */
    private double[] batchRows() {
        try {
            String metrics = client.send(HttpRequest.newBuilder(target.resolve("/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            double sum = 0;
            double count = 0;
            for (String line : metrics.split("\n")) {
                if (line.startsWith("peft4j_batch_rows_sum ")) {
                    sum = Double.parseDouble(line.substring(line.indexOf(' ') + 1));
                } else if (line.startsWith("peft4j_batch_rows_count ")) {
                    count = Double.parseDouble(line.substring(line.indexOf(' ') + 1));
                }
            }
            return new double[] {sum, count};
        } catch (IOException | NumberFormatException e) {
            return new double[] {0, 0};
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new double[] {0, 0};
        }
    }

    /** The results as a Markdown table. */
    public static String markdown(List<Result> results) {
        StringBuilder out = new StringBuilder();
        out.append("| batching | clients | requests | errors | throughput (req/s) | p50 (ms) | p99 (ms) | rows per batch |\n");
        out.append("|---|---:|---:|---:|---:|---:|---:|---:|\n");
        for (Result r : results) {
            out.append(String.format(Locale.ROOT, "| %s | %d | %d | %d | %.1f | %.1f | %.1f | %.1f |%n", r.batching(),
                    r.clients(), r.requests(), r.errors(), r.throughput(), r.p50Millis(), r.p99Millis(),
                    r.meanBatchRows()));
        }
        return out.toString();
    }

    /**
     * Deterministic English-like texts of 6 to 40 words, for loads that need no data set.
     *
     * @param seed the random seed
     */
    public static List<String> sampleTexts(int count, long seed) {
        String[] words = ("the a cat dog man woman child city river house street car train book letter music "
                + "game school teacher doctor friend morning evening night rain sun wind walked saw found "
                + "said wrote read played sat ran went quickly slowly never always because although after "
                + "before red green old new small large happy tired").split(" ");
        Random random = new Random(seed);
        List<String> texts = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            int length = 6 + random.nextInt(35);
            StringBuilder text = new StringBuilder();
            for (int w = 0; w < length; w++) {
                text.append(w == 0 ? "" : " ").append(words[random.nextInt(words.length)]);
            }
            texts.add(text.append('.').toString());
        }
        return texts;
    }

    /**
     * Writes {@code count} exports with random prompts and heads for {@code backbone} into
     * sub-folders {@code task1..taskN} of {@code folder}: they cost what trained exports of the same
     * prompt length cost to serve, for capacity planning before any training. Their predictions
     * mean nothing.
     *
     * @return the export folders by task name
     */
    public static Map<String, Path> writeSyntheticExports(Backbone backbone, int count, int promptLength,
            int maxLength, Path folder) {
        int width = backbone.getEncoder().getHiddenSize();
        Map<String, Path> exports = new LinkedHashMap<>();
        List<String> labels = List.of("entailment", "contradiction", "neutral");
        for (int t = 1; t <= count; t++) {
            Random random = new Random(t);
            PromptShape shape = new PromptShape(promptLength, width);
            PromptAdapter adapter = new PromptAdapter(AdapterConfig.promptTuning(shape, backbone.getNumLayers(),
                    backbone.getNumAttentionHeads(), backbone.getName()),
                    new PromptEmbeddings(shape, gaussian(random, promptLength * width, 0.5f)));
            Path export = folder.resolve("task" + t);
            new ExportFolder(adapter, gaussian(random, labels.size() * width, 0.05f),
                    gaussian(random, labels.size(), 0.1f), new ExportFolder.Settings("synthetic", labels,
                            backbone.getName(), maxLength, "prompt-tuning", Map.of(), "synthetic-" + t, "acc", 0))
                    .write(export);
            exports.put("task" + t, export);
        }
        return exports;
    }

    private static float[] gaussian(Random random, int size, float scale) {
        float[] values = new float[size];
        for (int i = 0; i < size; i++) {
            values[i] = (float) random.nextGaussian() * scale;
        }
        return values;
    }
}
