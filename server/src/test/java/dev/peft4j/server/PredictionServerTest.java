package dev.peft4j.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.Device;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.inject.Guice;
import com.google.inject.Injector;
import dev.peft4j.backbones.Backbone;
import dev.peft4j.backbones.Backbones;
import dev.peft4j.backbones.TinyBertFolder;
import dev.peft4j.inference.MultiTaskPredictor;
import dev.peft4j.inference.MultiTaskPredictor.Input;
import dev.peft4j.inference.Prediction;
import dev.peft4j.inference.Predictor;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The service over real HTTP on an ephemeral loopback port, on the tiny random BERT. */
class PredictionServerTest {

    private static final List<String> NLI = List.of("entailment", "contradiction", "neutral");
    private static final List<String> TEXTS = List.of("the cat sat on the mat",
            "emma saw the red ball in the park after school", "it rain",
            "ben walked to the station with his friend in the morning and then went home late at night");

    @TempDir
    static Path temp;

    private static Backbone backbone;
    private static final Map<String, Path> EXPORTS = new LinkedHashMap<>();
    private static MultiTaskPredictor predictor;
    /** One single-task predictor per export on the same backbone: the reference results. */
    private static final Map<String, Predictor> SINGLE = new LinkedHashMap<>();
    private static PredictionServer server;
    private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();

    @BeforeAll
    static void start() {
        backbone = Backbones.load(TinyBertFolder.shared().toString(), Device.cpu());
        String name = backbone.getName();
        EXPORTS.put("cb", TestExports.write(temp.resolve("cb"), name, 2, NLI, 64, 1));
        EXPORTS.put("rte", TestExports.write(temp.resolve("rte"), name, 5, List.of("yes", "no"), 40, 2));
        EXPORTS.put("boolq", TestExports.write(temp.resolve("boolq"), name, 3, List.of("true", "false"), 96, 3));
        predictor = MultiTaskPredictor.open(backbone, EXPORTS);
        EXPORTS.forEach((task, folder) -> SINGLE.put(task, Predictor.open(folder, backbone)));
        server = serve(ServerSettings.builder().optPort(0).optMaxItems(8).optMaxBodyBytes(4096).build());
    }

    /** A server on the shared predictor, bound by the host's own module as a host would. */
    private static PredictionServer serve(ServerSettings settings) {
        Injector injector = Guice.createInjector(new ServerModule(settings),
                binder -> binder.bind(MultiTaskPredictor.class).toInstance(predictor));
        return injector.getInstance(PredictionServer.class).start();
    }

    @AfterAll
    static void stop() {
        server.close();
        SINGLE.values().forEach(Predictor::close);
        predictor.close();
        backbone.close();
    }

    private static HttpResponse<String> post(PredictionServer on, String path, String body) {
        return send(HttpRequest.newBuilder(on.getUri().resolve(path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build());
    }

    private static HttpResponse<String> get(String path) {
        return send(HttpRequest.newBuilder(server.getUri().resolve(path)).GET().build());
    }

    private static HttpResponse<String> send(HttpRequest request) {
        try {
            return CLIENT.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static JsonObject json(HttpResponse<String> response) {
        return JsonParser.parseString(response.body()).getAsJsonObject();
    }

    private static String item(Input input) {
        JsonObject item = new JsonObject();
        item.addProperty("task", input.task());
        item.addProperty("text", input.textA());
        if (input.textB() != null) {
            item.addProperty("text_pair", input.textB());
        }
        return item.toString();
    }

    private static void assertSame(JsonObject actual, String task, Prediction expected) {
        assertThat(actual.get("task").getAsString()).isEqualTo(task);
        assertThat(actual.get("label").getAsString()).isEqualTo(expected.label());
        assertThat(actual.get("score").getAsDouble()).isCloseTo(expected.score(), within(1e-5));
        JsonObject probabilities = actual.getAsJsonObject("probabilities");
        assertThat(probabilities.keySet()).containsExactlyElementsOf(expected.probabilities().keySet());
        expected.probabilities().forEach((label, p) ->
                assertThat(probabilities.get(label).getAsDouble()).isCloseTo(p, within(1e-5)));
    }

    /** What the task's own single-task predictor says of the row. */
    private static Prediction single(Input row) {
        Predictor alone = SINGLE.get(row.task());
        return row.textB() == null ? alone.predict(row.textA()) : alone.predict(row.textA(), row.textB());
    }

    /** Rows of every task, single texts and pairs. */
    private static List<Input> rows() {
        List<Input> rows = new ArrayList<>();
        List<String> tasks = List.copyOf(EXPORTS.keySet());
        for (int i = 0; i < 7; i++) {
            String a = TEXTS.get(i % TEXTS.size());
            rows.add(i % 2 == 0 ? new Input(tasks.get(i % 3), a) : new Input(tasks.get(i % 3), a, TEXTS.get(0)));
        }
        return rows;
    }

    @Test
    void aSingleItemAndAMixedBatchEqualEachTasksSingleTaskPredictor() {
        List<Input> rows = rows();
        for (Input row : rows) {
            HttpResponse<String> response = post(server, "/v1/predict", item(row));
            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
            assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
                    type -> assertThat(type).startsWith("application/json"));
            assertSame(json(response), row.task(), single(row));
        }
        String batch = "[" + String.join(",", rows.stream().map(PredictionServerTest::item).toList()) + "]";
        HttpResponse<String> response = post(server, "/v1/predict", batch);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        JsonArray predictions = json(response).getAsJsonArray("predictions");
        assertThat(predictions).hasSize(rows.size());
        for (int i = 0; i < rows.size(); i++) {
            Input row = rows.get(i);
            assertSame(predictions.get(i).getAsJsonObject(), row.task(), single(row));
        }
    }

    @Test
    void tasksAndHealthDescribeTheService() {
        HttpResponse<String> tasks = get("/v1/tasks");
        assertThat(tasks.statusCode()).isEqualTo(200);
        JsonObject body = json(tasks);
        assertThat(body.get("backbone").getAsString()).isEqualTo(backbone.getName());
        List<String> names = new ArrayList<>();
        for (JsonElement task : body.getAsJsonArray("tasks")) {
            names.add(task.getAsJsonObject().get("name").getAsString());
        }
        assertThat(names).containsExactly("cb", "rte", "boolq");
        JsonObject cb = body.getAsJsonArray("tasks").get(0).getAsJsonObject();
        assertThat(cb.getAsJsonArray("labels").toString()).isEqualTo("[\"entailment\",\"contradiction\",\"neutral\"]");
        assertThat(cb.get("head").getAsString()).isEqualTo("linear");
        assertThat(cb.get("max_length").getAsInt()).isEqualTo(64);

        HttpResponse<String> health = get("/health");
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(health.headers().firstValue("Server")).isEmpty();
        assertThat(json(health).get("status").getAsString()).isEqualTo("ok");
        assertThat(json(health).get("tasks").getAsInt()).isEqualTo(3);
    }

    @Test
    void metricsCountRequestsErrorsLatencyAndBatchesInPrometheusTextFormat() {
        post(server, "/v1/predict", item(new Input("cb", "a text")));
        post(server, "/v1/predict", "{\"task\": \"nope\", \"text\": \"a text\"}");
        HttpResponse<String> metrics = get("/metrics");
        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.headers().firstValue("Content-Type")).hasValueSatisfying(
                type -> assertThat(type).startsWith("text/plain; version=0.0.4"));
        assertThat(metrics.body())
                .contains("# TYPE peft4j_http_requests_total counter")
                .containsPattern("peft4j_http_requests_total\\{endpoint=\"predict\",status=\"200\"} [1-9]")
                .containsPattern("peft4j_http_errors_total\\{endpoint=\"predict\",code=\"unknown_task\"} [1-9]")
                .contains("# TYPE peft4j_http_request_duration_seconds histogram")
                .containsPattern("peft4j_http_request_duration_seconds_bucket\\{endpoint=\"predict\",le=\"\\+Inf\"} [1-9]")
                .containsPattern("peft4j_http_request_duration_seconds_count\\{endpoint=\"predict\"} [1-9]")
                .contains("# TYPE peft4j_batch_rows histogram")
                .containsPattern("peft4j_batch_rows_count [1-9]")
                .contains("peft4j_rejected_total 0");
        // every sample line is "name{labels} value" or "name value"
        for (String line : metrics.body().split("\n")) {
            if (!line.startsWith("#")) {
                assertThat(line).matches("[a-z_0-9]+(\\{[a-z_]+=\"[^\"]*\"(,[a-z_]+=\"[^\"]*\")*})? [0-9.eE+-]+");
            }
        }
    }

    /** Bodies a client might send by mistake: the status, the error code and a word of the message. */
    private static final List<List<Object>> BAD = List.of(
            List.of("{\"task\": \"cbb\", \"text\": \"a\"}", 400, "unknown_task", "did you mean 'cb'"),
            List.of("{\"task\": \"cb\", \"text\": \"   \"}", 400, "empty_text", "'text'"),
            List.of("{\"task\": \"cb\", \"text\": \"a\", \"text_pair\": \"\"}", 400, "empty_text", "'text_pair'"),
            List.of("{\"task\": \"cb\"}", 400, "missing_field", "'text'"),
            List.of("{\"task\": \"cb\", \"text\": 42}", 400, "wrong_type", "a number"),
            List.of("{\"task\": [\"cb\"], \"text\": \"a\"}", 400, "wrong_type", "'task'"),
            List.of("{\"task\": \"cb\", \"txt\": \"a\"}", 400, "unknown_field", "did you mean 'text'"),
            List.of("{\"task\": \"cb\", \"text\": \"a\"", 400, "malformed_json", "not valid JSON"),
            List.of("{task: 'cb', text: 'a'}", 400, "malformed_json", "not valid JSON"),
            List.of("{\"task\": \"cb\", \"text\": \"a\"} {}", 400, "malformed_json", "more than one"),
            List.of("", 400, "malformed_json", "empty"),
            List.of("\"cb\"", 400, "wrong_type", "a string"),
            List.of("[]", 400, "no_items", "empty array"),
            List.of("[{\"task\": \"cb\", \"text\": \"a\"}, 7]", 400, "wrong_type", "Item 1"),
            List.of("[" + String.join(",", java.util.Collections.nCopies(9, "{\"task\":\"cb\",\"text\":\"a\"}"))
                    + "]", 400, "too_many_items", "9 items"),
            List.of("{\"task\": \"cb\", \"text\": \"" + "a ".repeat(3000) + "\"}", 413, "body_too_large", "4096"));

    @Test
    void aClientsMistakeGetsA4xxJsonErrorNamingItNoErrorLogAndTheServiceGoesOn() {
        PrintStream original = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(new Tee(original, captured), true, StandardCharsets.UTF_8));
        try {
            for (List<Object> bad : BAD) {
                HttpResponse<String> response = post(server, "/v1/predict", (String) bad.get(0));
                String what = bad.get(2) + ": " + response.body();
                assertThat(response.statusCode()).as(what).isEqualTo(bad.get(1));
                JsonObject error = json(response).getAsJsonObject("error");
                assertThat(error.get("code").getAsString()).as(what).isEqualTo(bad.get(2));
                assertThat(error.get("message").getAsString()).as(what).contains((String) bad.get(3));
                // and the next request is answered
                assertThat(post(server, "/v1/predict", item(new Input("rte", "still serving"))).statusCode())
                        .isEqualTo(200);
            }
            assertThat(json(post(server, "/v1/predict", "[{\"task\": \"cb\", \"text\": \"a\"}, "
                    + "{\"task\": \"rte\", \"text\": \" \"}]")).getAsJsonObject("error").get("item").getAsInt())
                    .isEqualTo(1);
            assertThat(get("/v2/predict").statusCode()).isEqualTo(404);
            HttpResponse<String> wrongMethod = get("/v1/predict");
            assertThat(wrongMethod.statusCode()).isEqualTo(405);
            assertThat(wrongMethod.headers().firstValue("Allow")).hasValue("POST");
        } finally {
            System.setErr(original);
        }
        assertThat(captured.toString(StandardCharsets.UTF_8)).doesNotContain("ERROR").doesNotContain("WARN");
    }

    @Test
    void concurrentRequestsAreCoalescedIntoMicroBatchesWithTheSameResults() throws Exception {
        for (Batching batching : Batching.values()) {
            // a long wait, so that requests arriving together surely meet in one batch
            try (PredictionServer coalescing = serve(ServerSettings.builder().optPort(0).optBatching(batching)
                    .optMaxWait(Duration.ofMillis(500)).build())) {
                List<Input> rows = new ArrayList<>();
                for (int i = 0; i < 16; i++) {
                    rows.add(new Input(List.of("cb", "rte", "boolq").get(i % 3), TEXTS.get(i % TEXTS.size())));
                }
                ExecutorService clients = Executors.newFixedThreadPool(rows.size());
                try {
                    CountDownLatch go = new CountDownLatch(1);
                    List<Future<HttpResponse<String>>> answers = new ArrayList<>();
                    for (Input row : rows) {
                        answers.add(clients.submit(() -> {
                            go.await();
                            return post(coalescing, "/v1/predict", item(row));
                        }));
                    }
                    go.countDown();
                    for (int i = 0; i < rows.size(); i++) {
                        HttpResponse<String> response = answers.get(i).get();
                        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
                        assertSame(json(response), rows.get(i).task(), single(rows.get(i)));
                    }
                } finally {
                    clients.shutdownNow();
                }
                String metrics = send(HttpRequest.newBuilder(coalescing.getUri().resolve("/metrics")).build()).body();
                long batches = sample(metrics, "peft4j_batch_requests_count");
                long singles = sample(metrics, "peft4j_batch_requests_bucket{le=\"1\"}");
                assertThat(sample(metrics, "peft4j_batch_rows_sum")).as(batching.name()).isEqualTo(16);
                assertThat(batches).as(batching + ": some batch held more than one request").isLessThan(16);
                assertThat(singles).isLessThan(batches);
            }
        }
    }

    private static long sample(String metrics, String series) {
        for (String line : metrics.split("\n")) {
            if (line.startsWith(series + " ")) {
                return Long.parseLong(line.substring(series.length() + 1));
            }
        }
        throw new AssertionError("no " + series + " in\n" + metrics);
    }

    @Test
    void tasksModuleLoadsTheBackboneAndServesTheExports() {
        Injector injector = Guice.createInjector(new TasksModule(EXPORTS, Device.cpu()),
                new ServerModule(ServerSettings.builder().optPort(0).build()));
        MultiTaskPredictor loaded = injector.getInstance(MultiTaskPredictor.class);
        try (PredictionServer own = injector.getInstance(PredictionServer.class).start()) {
            Input row = new Input("rte", TEXTS.get(1), TEXTS.get(2));
            HttpResponse<String> response = post(own, "/v1/predict", item(row));
            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
            assertSame(json(response), "rte", single(row));
        } finally {
            loaded.close();
            injector.getInstance(Backbone.class).close();
        }
    }

    @Test
    void aClosedServerRefusesConnections() {
        PredictionServer closing = serve(ServerSettings.builder().optPort(0).build());
        URI uri = closing.getUri();
        assertThat(post(closing, "/v1/predict", item(new Input("cb", "a text"))).statusCode()).isEqualTo(200);
        closing.close();
        closing.close(); // again: nothing
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> CLIENT.send(HttpRequest.newBuilder(
                uri.resolve("/health")).build(), HttpResponse.BodyHandlers.ofString())).isInstanceOf(IOException.class);
    }

    @Test
    void aFullQueueAnswers503WithRetryAfterAndCloseStillAnswersTheWaitingRequest() throws Exception {
        // one request may wait; the batcher holds the first one a minute hoping for more rows
        PredictionServer small = serve(ServerSettings.builder().optPort(0).optQueueCapacity(1).optMaxBatch(64)
                .optMaxWait(Duration.ofMinutes(1)).build());
        try {
            Input row = new Input("cb", TEXTS.get(1));
            var first = CLIENT.sendAsync(HttpRequest.newBuilder(small.getUri().resolve("/v1/predict"))
                    .POST(HttpRequest.BodyPublishers.ofString(item(row))).build(), HttpResponse.BodyHandlers.ofString());
            HttpRequest health = HttpRequest.newBuilder(small.getUri().resolve("/health")).build();
            while (JsonParser.parseString(send(health).body()).getAsJsonObject().get("queued").getAsInt() == 0) {
                Thread.sleep(5);
            }
            HttpResponse<String> second = post(small, "/v1/predict", item(row));
            assertThat(second.statusCode()).as(second.body()).isEqualTo(503);
            assertThat(second.headers().firstValue("Retry-After")).hasValue("1");
            assertThat(json(second).getAsJsonObject("error").get("code").getAsString()).isEqualTo("overloaded");
            assertThat(send(HttpRequest.newBuilder(small.getUri().resolve("/metrics")).build()).body())
                    .contains("peft4j_rejected_total 1");
            assertThat(first).isNotDone();
            // stopping runs the waiting batch at once and answers it before the server goes
            small.close();
            assertThat(first.get().statusCode()).isEqualTo(200);
            assertSame(json(first.get()), "cb", single(row));
        } finally {
            small.close();
        }
    }

    @Test
    void aLoadTestOfSyntheticExportsCountsEveryRequestAndNoError() {
        Map<String, Path> synthetic = LoadTest.writeSyntheticExports(backbone, 2, 3, 32, temp.resolve("synthetic"));
        assertThat(synthetic.keySet()).containsExactly("task1", "task2");
        try (MultiTaskPredictor served = MultiTaskPredictor.open(backbone, synthetic);
                PredictionServer target = Guice.createInjector(new ServerModule(ServerSettings.builder().optPort(0)
                        .build()), binder -> binder.bind(MultiTaskPredictor.class).toInstance(served))
                        .getInstance(PredictionServer.class).start()) {
            LoadTest load = new LoadTest(target.getUri(), List.copyOf(synthetic.keySet()),
                    LoadTest.sampleTexts(10, 1), 24, Duration.ofMinutes(1));
            load.warmUp(2);
            List<LoadTest.Result> results = List.of(load.run("mixed", 1), load.run("mixed", 4));
            for (LoadTest.Result result : results) {
                assertThat(result.requests()).isEqualTo(24);
                assertThat(result.errors()).isZero();
                assertThat(result.p99Millis()).isGreaterThanOrEqualTo(result.p50Millis());
                assertThat(result.meanBatchRows()).isGreaterThanOrEqualTo(1);
            }
            assertThat(LoadTest.markdown(results)).contains("| mixed | 4 | 24 | 0 |");
        }
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new LoadTest(URI.create("http://192.0.2.1:8080"),
                List.of("cb"), List.of("a"), 1, Duration.ofSeconds(1))).hasMessageContaining("loopback");
    }

    /** Writes to two streams. */
    private static final class Tee extends OutputStream {
        private final OutputStream first;
        private final OutputStream second;

        Tee(OutputStream first, OutputStream second) {
            this.first = first;
            this.second = second;
        }

        @Override
        public synchronized void write(int b) throws IOException {
            first.write(b);
            second.write(b);
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) throws IOException {
            first.write(b, off, len);
            second.write(b, off, len);
        }
    }
}
