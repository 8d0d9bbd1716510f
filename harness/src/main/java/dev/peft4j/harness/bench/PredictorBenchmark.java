package dev.peft4j.harness.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import dev.peft4j.api.AdapterConfig;
import dev.peft4j.api.PeftException;
import dev.peft4j.api.PromptAdapter;
import dev.peft4j.api.PromptEmbeddings;
import dev.peft4j.api.PromptShape;
import dev.peft4j.api.ReparameterizerPlugin;
import dev.peft4j.api.SoftPrompt;
import dev.peft4j.backbones.Backbone;
import dev.peft4j.backbones.Backbones;
import dev.peft4j.backbones.EncodedBatch;
import dev.peft4j.backbones.PromptClassifier;
import dev.peft4j.inference.ExportFolder;
import dev.peft4j.inference.Predictor;
import dev.peft4j.plugins.PluginRegistry;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * The {@link Predictor} end to end (tokenize, forward, head, softmax) on CB-shaped sentence pairs:
 * an exported residual prompt against an exported plain prompt of the same length, both written as
 * export folders and opened on the one loaded backbone, and no prompt. No export holds no prompt,
 * so "no prompt" times the same path by hand: the backbone's tokenizer, a {@link PromptClassifier}
 * without prompt and a softmax. Variants are interleaved round by round so that load changes hit
 * them alike. Head weights are random: the timing does not depend on them.
 */
final class PredictorBenchmark {

    static final String RESIDUAL = "exported residual prompt";
    static final String PLAIN = "exported plain prompt (prompt-tuning)";
    static final String NONE = "no prompt (tokenizer + classifier + softmax)";

    /** The exports' max length, prompt included (CB's setting in the main job). */
    static final int MAX_LENGTH = 128;

    private static final List<String> LABELS = List.of("entailment", "contradiction", "neutral");

    // short premise/hypothesis pairs in CB's style, written for this benchmark
    private static final String[][] PAIRS = {
        {"The committee met on Tuesday and agreed to postpone the vote until the spring.",
            "The vote was postponed."},
        {"She said she had never seen the letter before it arrived on her desk that morning.",
            "She had read the letter many times."},
        {"I don't think the bridge will be finished before the end of the year.",
            "The bridge will be finished this year."},
        {"The old man walked his dog along the river every evening, rain or shine.",
            "The old man owns a dog."},
        {"Nobody at the meeting could explain why the shipment had been delayed again.",
            "The shipment arrived early."},
        {"He suspected that the price of coffee would rise after the poor harvest.",
            "The harvest was poor."},
        {"The children built a small boat out of driftwood and sailed it across the pond.",
            "The boat sank immediately."},
        {"It seemed unlikely that the museum would reopen before the new director was appointed.",
            "A new director will be appointed."},
    };

    private PredictorBenchmark() {}

    /**
     * Runs the section.
     *
     * @param calls       timed single-pair calls per variant (after {@code calls / 10 + 1} warm-up calls)
     * @param batchCalls  timed batched calls per variant
     * @param batch       pairs per batched call
     */
    static BenchmarkReport.PredictorSection run(Backbone backbone, PluginRegistry registry, String method,
            Map<String, String> methodOptions, int promptLength, int calls, int batchCalls, int batch,
            PrintWriter log) {
        int maxLength = Math.min(MAX_LENGTH, backbone.getEncoder().getMaxPositions());
        if (calls < 1 || batchCalls < 1 || batch < 1) {
            throw new PeftException("Benchmark: predictor calls, batched calls and batch must be at least 1 (got "
                    + calls + ", " + batchCalls + ", " + batch + ")");
        }
        Path temp;
        try {
            temp = Files.createTempDirectory("peft4j-bench-predictor");
        } catch (IOException e) {
            throw new PeftException("Benchmark: cannot create a temporary folder for the export folders: "
                    + e.getMessage() + ". Set java.io.tmpdir to a writable folder.", e);
        }
        try {
            return measure(backbone, registry, method, methodOptions, promptLength, maxLength, calls, batchCalls,
                    batch, temp, log);
        } finally {
            delete(temp);
        }
    }

    private static BenchmarkReport.PredictorSection measure(Backbone backbone, PluginRegistry registry,
            String method, Map<String, String> methodOptions, int promptLength, int maxLength, int calls,
            int batchCalls, int batch, Path temp, PrintWriter log) {
        int width = backbone.getEncoder().getHiddenSize();
        PromptShape shape = new PromptShape(promptLength, width);
        Path residualDir = temp.resolve("residual");
        Path plainDir = temp.resolve("plain");
        ReparameterizerPlugin residualPlugin = registry.get(method);
        export(backbone, residualPlugin.create(shape, residualPlugin.parseOptions(methodOptions)), method,
                methodOptions, maxLength).write(residualDir);
        export(backbone, registry.get("prompt-tuning").create(shape), "prompt-tuning", Map.of(), maxLength)
                .write(plainDir);

        List<String> first = new ArrayList<>();
        List<String> second = new ArrayList<>();
        for (int i = 0; i < batch; i++) {
            first.add(PAIRS[i % PAIRS.length][0]);
            second.add(PAIRS[i % PAIRS.length][1]);
        }
        try (Predictor residual = Predictor.open(residualDir, backbone);
                Predictor plain = Predictor.open(plainDir, backbone);
                NDManager manager = backbone.getManager().newSubManager()) {
            PromptClassifier bare = PromptClassifier.builder().setEncoder(backbone.getEncoder())
                    .setNumClasses(LABELS.size()).build();
            bare.initialize(manager, DataType.FLOAT32, new Shape(1, 1));
            ParameterStore store = new ParameterStore(manager, false);

            Map<String, Variant> variants = new LinkedHashMap<>();
            variants.put(RESIDUAL, new Variant(promptLength,
                    (a, b) -> residual.predictPairs(a, b).size()));
            variants.put(PLAIN, new Variant(promptLength, (a, b) -> plain.predictPairs(a, b).size()));
            variants.put(NONE, new Variant(0, (a, b) -> noPrompt(backbone, bare, store, manager, a, b, maxLength)));

            int warmup = calls / 10 + 1;
            int rounds = Math.min(30, Math.min(calls, batchCalls));
            Map<String, List<Double>> single = new LinkedHashMap<>();
            Map<String, List<Double>> batched = new LinkedHashMap<>();
            for (var entry : variants.entrySet()) {
                single.put(entry.getKey(), new ArrayList<>());
                batched.put(entry.getKey(), new ArrayList<>());
                for (int i = 0; i < warmup; i++) {
                    entry.getValue().call(List.of(first.get(i % PAIRS.length)), List.of(second.get(i % PAIRS.length)));
                }
                entry.getValue().call(first, second);
            }
            for (int round = 0; round < rounds; round++) {
                int from = calls * round / rounds;
                int to = calls * (round + 1) / rounds;
                int batchFrom = batchCalls * round / rounds;
                int batchTo = batchCalls * (round + 1) / rounds;
                // a different variant goes first each round, so that no variant always follows the same one
                List<String> order = new ArrayList<>(variants.keySet());
                Collections.rotate(order, -round);
                for (String name : order) {
                    Variant v = variants.get(name);
                    for (int i = from; i < to; i++) {
                        String[] pair = PAIRS[i % PAIRS.length];
                        single.get(name).add(time(() -> v.call(List.of(pair[0]), List.of(pair[1]))));
                    }
                    for (int i = batchFrom; i < batchTo; i++) {
                        batched.get(name).add(time(() -> v.call(first, second)));
                    }
                }
            }
            int longest = backbone.getTokenizer().encodePairs(first, second, maxLength).length();
            List<BenchmarkReport.PredictorRow> rows = new ArrayList<>();
            for (var entry : variants.entrySet()) {
                Stats latency = Stats.of(single.get(entry.getKey()));
                Stats batchSeconds = Stats.of(batched.get(entry.getKey()));
                int prompt = entry.getValue().promptLength();
                rows.add(new BenchmarkReport.PredictorRow(entry.getKey(), prompt, longest + prompt, latency,
                        batchSeconds, batch / batchSeconds.median()));
                log.printf("predictor %s: single pair %.2f ms median, %.2f ms p90; batch of %d %.1f pairs/s%n",
                        entry.getKey(), latency.median() * 1e3, latency.p90() * 1e3, batch,
                        batch / batchSeconds.median());
                log.flush();
            }
            double ratioSingle = rows.get(0).latencySeconds().median() / rows.get(1).latencySeconds().median();
            double ratioBatch = rows.get(1).batchSeconds().median() / rows.get(0).batchSeconds().median();
            return new BenchmarkReport.PredictorSection(backbone.getName(), maxLength, batch, PAIRS.length, warmup,
                    rounds, rows, ratioSingle, ratioBatch);
        }
    }

    /** A CB-like export with a freshly initialized prompt and a random head. */
    private static ExportFolder export(Backbone backbone, dev.peft4j.api.Reparameterizer phi, String method,
            Map<String, String> options, int maxLength) {
        PromptEmbeddings prompt;
        try (NDManager manager = backbone.getManager().newSubManager()) {
            SoftPrompt soft = SoftPrompt.builder().setReparameterizer(phi).optEncoder(backbone.getEncoder())
                    .optSeed(1).build();
            soft.initialize(manager, DataType.FLOAT32);
            prompt = soft.export();
        }
        int width = backbone.getEncoder().getHiddenSize();
        Random random = new Random(7);
        float[] weight = new float[LABELS.size() * width];
        for (int i = 0; i < weight.length; i++) {
            weight[i] = (float) (random.nextGaussian() * 0.02);
        }
        float[] bias = new float[LABELS.size()];
        AdapterConfig config = AdapterConfig.promptTuning(prompt.shape(), backbone.getNumLayers(),
                backbone.getNumAttentionHeads(), Backbones.getHuggingFaceId(backbone.getName()));
        return new ExportFolder(new PromptAdapter(config, prompt), weight, bias, new ExportFolder.Settings("cb",
                LABELS, backbone.getName(), maxLength, method, Map.copyOf(options), "bench", "accuracy", 0));
    }

    /** What {@link Predictor#predictPairs} does, without a prompt: tokenize, forward, softmax per row. */
    private static int noPrompt(Backbone backbone, PromptClassifier classifier, ParameterStore store,
            NDManager manager, List<String> first, List<String> second, int maxLength) {
        EncodedBatch encoded = backbone.getTokenizer().encodePairs(first, second, maxLength);
        float[] logits;
        try (NDManager step = manager.newSubManager(); NDScope scope = new NDScope()) {
            NDArray out = classifier.forward(store, encoded.toNDList(step), false).singletonOrThrow();
            logits = out.toFloatArray();
        }
        int classes = LABELS.size();
        int rows = logits.length / classes;
        List<Map<String, Double>> probabilities = new ArrayList<>(rows);
        for (int r = 0; r < rows; r++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < classes; c++) {
                max = Math.max(max, logits[r * classes + c]);
            }
            double[] exp = new double[classes];
            double sum = 0;
            for (int c = 0; c < classes; c++) {
                exp[c] = Math.exp(logits[r * classes + c] - max);
                sum += exp[c];
            }
            Map<String, Double> p = new LinkedHashMap<>();
            for (int c = 0; c < classes; c++) {
                p.put(LABELS.get(c), exp[c] / sum);
            }
            probabilities.add(p);
        }
        return probabilities.size();
    }

    private static double time(Supplier<Integer> call) {
        long t = System.nanoTime();
        call.get();
        return (System.nanoTime() - t) / 1e9;
    }

    private static void delete(Path folder) {
        try (Stream<Path> paths = Files.walk(folder)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new PeftException("Benchmark: cannot delete the temporary folder " + folder + " ("
                    + e.getMessage() + "); delete it by hand.", e);
        }
    }

    /** One way to classify pairs: its prompt length and a call that returns how many predictions it made. */
    private record Variant(int promptLength, Call call) {
        int call(List<String> first, List<String> second) {
            return call.apply(first, second);
        }
    }

    @FunctionalInterface
    private interface Call {
        int apply(List<String> first, List<String> second);
    }
}
