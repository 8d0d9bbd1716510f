package dev.peft4j.harness.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import dev.peft4j.backbones.Backbone;
import dev.peft4j.backbones.Backbones;
import dev.peft4j.backbones.TinyBertFolder;
import dev.peft4j.inference.MultiTaskPredictor;
import dev.peft4j.inference.Prediction;
import dev.peft4j.server.LoadTest;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code peft4j serve} and {@code peft4j bench-serve} on the tiny random BERT, over loopback. */
class ServeCommandTest {

    @TempDir
    Path temp;

    @Test
    void serveAnswersPredictionsForSeveralTasksFromOneBackboneUntilInterrupted() throws Exception {
        Map<String, Path> exports;
        Map<String, Prediction> expected = new java.util.LinkedHashMap<>();
        try (Backbone backbone = Backbones.load(TinyBertFolder.shared().toString(), Device.cpu())) {
            exports = LoadTest.writeSyntheticExports(backbone, 2, 3, 32, temp);
            try (MultiTaskPredictor predictor = MultiTaskPredictor.open(backbone, exports)) {
                expected.put("task1", predictor.predict("task1", "the cat sat on the mat"));
                expected.put("second", predictor.predict("task2", "the cat sat on the mat"));
            }
        }
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        ExecutorService thread = Executors.newSingleThreadExecutor();
        try {
            Future<Integer> status = thread.submit(() -> Peft4jCommand.execute(new PrintWriter(out, true),
                    new PrintWriter(err, true), "serve", "--port", "0", "--prompts",
                    exports.get("task1") + ",second=" + exports.get("task2")));
            URI uri = awaitUri(out, err, status);
            HttpClient client = HttpClient.newHttpClient();
            for (var entry : expected.entrySet()) {
                HttpResponse<String> response = client.send(HttpRequest.newBuilder(uri.resolve("/v1/predict"))
                        .POST(HttpRequest.BodyPublishers.ofString("{\"task\": \"" + entry.getKey()
                                + "\", \"text\": \"the cat sat on the mat\"}")).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
                assertThat(response.body()).contains("\"label\":\"" + entry.getValue().label() + "\"");
            }
            assertThat(client.send(HttpRequest.newBuilder(uri.resolve("/v1/tasks")).build(),
                    HttpResponse.BodyHandlers.ofString()).body()).contains("\"task1\"", "\"second\"");
            status.cancel(true); // interrupts the command, which stops the server
            thread.shutdown();
            assertThat(thread.awaitTermination(60, TimeUnit.SECONDS)).isTrue();
        } finally {
            thread.shutdownNow();
        }
    }

    private static URI awaitUri(StringWriter out, StringWriter err, Future<Integer> status) throws Exception {
        Pattern serving = Pattern.compile("on (http://\\S+) \\(Ctrl-C");
        for (int i = 0; i < 1200; i++) {
            Matcher matcher = serving.matcher(out.toString());
            if (matcher.find()) {
                return URI.create(matcher.group(1));
            }
            if (status.isDone()) {
                throw new AssertionError("serve ended with " + status.get() + ": " + out + err);
            }
            Thread.sleep(50);
        }
        throw new AssertionError("serve did not start: " + out + err);
    }

    @Test
    void serveRefusesTwoExportsUnderOneName() {
        Path folder = temp.resolve("cb");
        Path other = temp.resolve("other").resolve("cb");
        folder.toFile().mkdirs();
        other.toFile().mkdirs();
        CommandRun run = CommandRun.of("serve", "--prompts", folder + "," + other);
        assertThat(run.status()).isEqualTo(2);
        assertThat(run.err()).contains("two exports would serve the task 'cb'", "NAME=DIR");
    }

    @Test
    void benchServeWritesATableOfEveryLevelAndModeWithoutErrors() throws Exception {
        Path out = temp.resolve("bench");
        CommandRun run = CommandRun.of("bench-serve", "--backbone", TinyBertFolder.shared().toString(),
                "--synthetic-tasks", "3", "--prompt-length", "3", "--max-length", "32", "--clients", "1,4",
                "--requests", "12", "--seconds", "60", "--warmup", "1", "--out", out.toString());
        assertThat(run.status()).as(run.out() + run.err()).isZero();
        String table = Files.readString(out.resolve("serve-load.md"));
        List<String> rows = table.lines().skip(2).toList();
        assertThat(rows).hasSize(4);
        assertThat(rows).anyMatch(row -> row.startsWith("| mixed | 4 | 12 | 0 |"))
                .anyMatch(row -> row.startsWith("| per-task | 4 | 12 | 0 |"));
        assertThat(Files.readString(out.resolve("serve-load.json"))).contains("\"results\"", "\"p99Millis\"");
    }
}
