package dev.peft4j.backbones;

import com.google.gson.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The tiny random T5 v1.0 checkpoint of the {@code t5-tiny} fixture (64 tokens, width 16) as a
 * complete Hugging Face folder: its {@code config.json} and {@code model.safetensors}, plus a
 * {@code tokenizer.json} that the fixture lacks, so text-to-text training, export and prediction
 * run end to end in seconds. Published in this module's test jar for the other modules' tests.
 *
 * <p>The tokenizer is generated test data, not T5's SentencePiece model: a lower-casing
 * word-level tokenizer (words and punctuation runs) over {@code t5-tiny-vocab.txt}, whose 64
 * entries are {@code <pad>} (0), {@code </s>} (1) and {@code <unk>} (2) as in T5, the label texts
 * and template words of the RTE and CB formats, and the most frequent words of the harness's
 * synthetic RTE and CB data; its post-processor appends {@code </s>} as T5's does.
 */
public final class TinyT5Folder {

    /** The model width. */
    public static final int HIDDEN = 16;

    private static @Nullable Path shared;

    private TinyT5Folder() {}

    /** One folder per test JVM, written on first use and deleted when the JVM exits. */
    public static synchronized Path shared() {
        if (shared == null) {
            try {
                Path temp = Files.createTempDirectory("peft4j-tiny-t5");
                temp.toFile().deleteOnExit();
                shared = write(temp);
                for (String file : new String[] {"config.json", "model.safetensors", "tokenizer.json"}) {
                    shared.resolve(file).toFile().deleteOnExit();
                }
            } catch (IOException e) {
                throw new UncheckedIOException("Cannot write the tiny T5 folder", e);
            }
        }
        return shared;
    }

    /** Writes the folder's three files into {@code folder}. */
    public static Path write(Path folder) throws IOException {
        Files.createDirectories(folder);
        for (String file : List.of("config.json", "model.safetensors")) {
            try (InputStream in = resource("t5-tiny/t5-tiny-v1/" + file)) {
                Files.write(folder.resolve(file), in.readAllBytes());
            }
        }
        Files.writeString(folder.resolve("tokenizer.json"), tokenizerJson());
        return folder;
    }

    /** The vocabulary, one token per id. */
    public static List<String> vocabulary() {
        try (InputStream in = resource("t5-tiny-vocab.txt")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static InputStream resource(String name) throws IOException {
        InputStream in = TinyT5Folder.class.getClassLoader().getResourceAsStream(name);
        if (in == null) {
            throw new IOException(name + " is not on the test class path; it belongs to the backbones test resources");
        }
        return in;
    }

    private static String tokenizerJson() {
        List<String> vocabulary = vocabulary();
        JsonObject vocab = new JsonObject();
        for (int id = 0; id < vocabulary.size(); id++) {
            vocab.addProperty(vocabulary.get(id), id);
        }
        StringBuilder added = new StringBuilder();
        for (String special : List.of("<pad>", "</s>", "<unk>")) {
            added.append(added.length() == 0 ? "" : ", ").append("""
                    {"id": %d, "content": "%s", "single_word": false, "lstrip": false, "rstrip": false, \
                    "normalized": false, "special": true}""".formatted(vocabulary.indexOf(special), special));
        }
        return """
                {"version": "1.0", "truncation": null, "padding": null,
                 "added_tokens": [%s],
                 "normalizer": {"type": "Lowercase"},
                 "pre_tokenizer": {"type": "Whitespace"},
                 "post_processor": {"type": "TemplateProcessing",
                   "single": [{"Sequence": {"id": "A", "type_id": 0}}, {"SpecialToken": {"id": "</s>", "type_id": 0}}],
                   "pair": [{"Sequence": {"id": "A", "type_id": 0}}, {"SpecialToken": {"id": "</s>", "type_id": 0}},
                            {"Sequence": {"id": "B", "type_id": 0}}, {"SpecialToken": {"id": "</s>", "type_id": 0}}],
                   "special_tokens": {"</s>": {"id": "</s>", "ids": [1], "tokens": ["</s>"]}}},
                 "decoder": null,
                 "model": {"type": "WordLevel", "unk_token": "<unk>", "vocab": %s}}
                """.formatted(added, vocab);
    }
}
