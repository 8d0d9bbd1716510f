package dev.peft4j.backbones.internal;

import com.google.gson.JsonArray;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import dev.peft4j.backbones.BackboneException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A Hugging Face {@code tokenizer.json} for an uncased BERT WordPiece vocabulary, written in
 * memory so that DJL's tokenizers can run a model that ships only a {@code vocab.txt}: the
 * {@code BertNormalizer} (clean text, spaces around CJK ideographs, lower case, accents stripped),
 * the {@code BertPreTokenizer} (whitespace and punctuation), WordPiece with the {@code ##} prefix
 * and words of more than 100 characters as {@code [UNK]}, and the {@code [CLS] A [SEP] B [SEP]}
 * template (token type 1 from {@code B} through its {@code [SEP]}). This is what Hugging Face's
 * {@code BertTokenizerFast} saves for {@code bert-base-uncased}. No padding or truncation is set;
 * {@code TextTokenizer} sets both.
 */
public final class WordPieceTokenizerJson {

    private static final List<String> SPECIAL = List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]");

    private WordPieceTokenizerJson() {}

    /**
     * The tokenizer for {@code vocabulary} (the id of a piece is its index).
     *
     * @param source where the vocabulary came from, for messages
     * @throws BackboneException when a special token is missing or a piece occurs twice
     */
    public static byte[] build(List<String> vocabulary, String source) {
        JsonObject vocab = new JsonObject();
        Map<String, Integer> ids = new HashMap<>();
        for (int i = 0; i < vocabulary.size(); i++) {
            String piece = vocabulary.get(i);
            if (ids.putIfAbsent(piece, i) != null) {
                throw new BackboneException("The vocabulary " + source + " lists '" + piece + "' twice (lines "
                        + (ids.get(piece) + 1) + " and " + (i + 1) + "); it is corrupt.");
            }
            vocab.addProperty(piece, i);
        }
        JsonArray added = new JsonArray();
        for (String token : SPECIAL) {
            Integer id = ids.get(token);
            if (id == null) {
                throw new BackboneException("The vocabulary " + source + " has no " + token
                        + " token; it is not a BERT WordPiece vocabulary.");
            }
            JsonObject entry = new JsonObject();
            entry.addProperty("id", id);
            entry.addProperty("content", token);
            entry.addProperty("single_word", false);
            entry.addProperty("lstrip", false);
            entry.addProperty("rstrip", false);
            entry.addProperty("normalized", false);
            entry.addProperty("special", true);
            added.add(entry);
        }

        JsonObject normalizer = new JsonObject();
        normalizer.addProperty("type", "BertNormalizer");
        normalizer.addProperty("clean_text", true);
        normalizer.addProperty("handle_chinese_chars", true);
        normalizer.add("strip_accents", JsonNull.INSTANCE); // null: strip when lower-casing
        normalizer.addProperty("lowercase", true);

        JsonObject preTokenizer = new JsonObject();
        preTokenizer.addProperty("type", "BertPreTokenizer");

        JsonObject specialTokens = new JsonObject();
        specialTokens.add("[CLS]", special("[CLS]", ids.get("[CLS]")));
        specialTokens.add("[SEP]", special("[SEP]", ids.get("[SEP]")));
        JsonObject postProcessor = new JsonObject();
        postProcessor.addProperty("type", "TemplateProcessing");
        postProcessor.add("single", template(false));
        postProcessor.add("pair", template(true));
        postProcessor.add("special_tokens", specialTokens);

        JsonObject decoder = new JsonObject();
        decoder.addProperty("type", "WordPiece");
        decoder.addProperty("prefix", "##");
        decoder.addProperty("cleanup", true);

        JsonObject model = new JsonObject();
        model.addProperty("type", "WordPiece");
        model.addProperty("unk_token", "[UNK]");
        model.addProperty("continuing_subword_prefix", "##");
        model.addProperty("max_input_chars_per_word", 100);
        model.add("vocab", vocab);

        JsonObject root = new JsonObject();
        root.addProperty("version", "1.0");
        root.add("truncation", JsonNull.INSTANCE);
        root.add("padding", JsonNull.INSTANCE);
        root.add("added_tokens", added);
        root.add("normalizer", normalizer);
        root.add("pre_tokenizer", preTokenizer);
        root.add("post_processor", postProcessor);
        root.add("decoder", decoder);
        root.add("model", model);
        return root.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static JsonObject special(String token, int id) {
        JsonObject object = new JsonObject();
        object.addProperty("id", token);
        JsonArray ids = new JsonArray();
        ids.add(id);
        object.add("ids", ids);
        JsonArray tokens = new JsonArray();
        tokens.add(token);
        object.add("tokens", tokens);
        return object;
    }

    private static JsonArray template(boolean pair) {
        JsonArray pieces = new JsonArray();
        pieces.add(piece("SpecialToken", "[CLS]", 0));
        pieces.add(piece("Sequence", "A", 0));
        pieces.add(piece("SpecialToken", "[SEP]", 0));
        if (pair) {
            pieces.add(piece("Sequence", "B", 1));
            pieces.add(piece("SpecialToken", "[SEP]", 1));
        }
        return pieces;
    }

    private static JsonObject piece(String kind, String id, int typeId) {
        JsonObject inner = new JsonObject();
        inner.addProperty("id", id);
        inner.addProperty("type_id", typeId);
        JsonObject outer = new JsonObject();
        outer.add(kind, inner);
        return outer;
    }
}
