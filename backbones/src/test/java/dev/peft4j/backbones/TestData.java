package dev.peft4j.backbones;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Sentence pairs for the tests: synthetic ones made here, and the real SuperGLUE data named by the
 * system property {@code peft4j.data.dir} (only for tests tagged {@code real-data}; fails loudly when absent).
 */
final class TestData {

    /** One RTE example; label 0 = entailment, 1 = not_entailment. */
    record Rte(String premise, String hypothesis, int label) {}

    private TestData() {}

    static Path dataDir() {
        String dir = System.getProperty("peft4j.data.dir");
        if (dir == null || dir.isBlank()) {
            throw new IllegalStateException("System property peft4j.data.dir is not set; run the tests through "
                    + "Maven (the parent pom sets it to ../shared/data) or pass -Dpeft4j.data.dir=/path/to/data");
        }
        Path path = Path.of(dir);
        if (!Files.isDirectory(path.resolve("superglue"))) {
            throw new IllegalStateException("peft4j.data.dir=" + path.toAbsolutePath() + " has no superglue/ folder;"
                    + " point it at the shared SuperGLUE data (see its README)");
        }
        return path;
    }

    private static final String[] NAMES = {"Anna", "Ben", "Clara", "David", "Emma", "Felix", "Grace"};
    private static final String[] VERBS = {"found", "lost", "carried", "painted", "opened"};
    private static final String[] OBJECTS = {"book", "cup", "ball", "lamp", "key", "letter", "bike", "coat"};
    private static final String[] PLACES = {"garden", "kitchen", "park", "river", "market", "school"};
    private static final String[] TAILS = {"", " after a long walk", " while the rain fell and then went home"};

    /**
     * {@code count} synthetic RTE-like pairs in the tiny BERT's vocabulary, of varied lengths; even
     * indices entail (label 0), odd ones do not.
     */
    static List<Rte> syntheticPairs(int count) {
        List<Rte> pairs = new java.util.ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            String name = NAMES[i % NAMES.length];
            String verb = VERBS[i % VERBS.length];
            String object = OBJECTS[(i / 3) % OBJECTS.length];
            String premise = name + " " + verb + " the " + object + " in the " + PLACES[i % PLACES.length]
                    + TAILS[i % TAILS.length] + ".";
            String hypothesis = i % 2 == 0
                    ? name + " " + verb + " a " + object + "."
                    : "Nobody " + verb + " the " + object + ".";
            pairs.add(new Rte(premise, hypothesis, i % 2));
        }
        return pairs;
    }

    private static final java.util.Map<String, List<Rte>> CACHE = new java.util.concurrent.ConcurrentHashMap<>();

    /** The first {@code limit} examples of an RTE split, read once per JVM. */
    static List<Rte> rte(String split, int limit) {
        List<Rte> all = CACHE.computeIfAbsent(split, TestData::readRte);
        return all.subList(0, Math.min(limit, all.size()));
    }

    private static List<Rte> readRte(String split) {
        Path file = dataDir().resolve("superglue/RTE/" + split + ".jsonl");
        try (var lines = Files.lines(file)) {
            return lines.filter(l -> !l.isBlank()).map(TestData::parse).toList();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + file, e);
        }
    }

    private static Rte parse(String line) {
        JsonObject o = JsonParser.parseString(line).getAsJsonObject();
        String label = o.get("label").getAsString();
        return new Rte(o.get("premise").getAsString(), o.get("hypothesis").getAsString(),
                label.equals("entailment") ? 0 : 1);
    }
}
