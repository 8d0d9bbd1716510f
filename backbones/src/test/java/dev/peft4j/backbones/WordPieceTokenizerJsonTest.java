package dev.peft4j.backbones;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.peft4j.backbones.internal.WordPieceTokenizerJson;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** The tokenizer generated from a bare vocab.txt behaves as BERT's uncased WordPiece tokenizer. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WordPieceTokenizerJsonTest {

    private static final List<String> VOCAB = List.of(
            "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", // 0-4
            "cafe", "un", "##aff", "##able", ",", // 5-9
            "!", "$", "中", "文", "hello", // 10-14
            "world", "a", "##a", "naive"); // 15-18

    private TextTokenizer tokenizer;

    @BeforeAll
    void build() {
        tokenizer = new TextTokenizer(WordPieceTokenizerJson.build(VOCAB, "vocab.txt"), "vocab.txt", 64);
    }

    @AfterAll
    void close() {
        tokenizer.close();
    }

    @Test
    void lowerCasesStripsAccentsAndSplitsPunctuation() {
        assertThat(tokenizer.tokenIdsOf("Hello, WORLD! Café naïve $")).containsExactly(14, 9, 15, 10, 5, 18, 11);
    }

    @Test
    void splitsWordsIntoGreedyLongestPiecesWithTheContinuationPrefix() {
        assertThat(tokenizer.tokenIdsOf("unaffable")).containsExactly(6, 7, 8);
    }

    @Test
    void aWordWithAnUnmatchedPieceIsOneUnknown() {
        assertThat(tokenizer.tokenIdsOf("unaffablez hello")).containsExactly(1, 14);
    }

    @Test
    void aWordOfMoreThanOneHundredCharactersIsUnknown() {
        assertThat(tokenizer.tokenIdsOf("a".repeat(100))).hasSize(100).startsWith(16, 17);
        assertThat(tokenizer.tokenIdsOf("a".repeat(101))).containsExactly(1);
    }

    @Test
    void cjkIdeographsAreWordsOfTheirOwnAndMaskIsSpecial() {
        assertThat(tokenizer.tokenIdsOf("hello中文world")).containsExactly(14, 12, 13, 15);
        assertThat(tokenizer.tokenIdsOf("HELLO [MASK] world")).containsExactly(14, 4, 15);
    }

    @Test
    void pairsGetClsSepAndSegmentOneThroughTheLastSep() {
        EncodedBatch batch = tokenizer.encodePairs(List.of("hello"), List.of("world !"), 64);
        assertThat(batch.tokenIds()).containsExactly(2, 14, 3, 15, 10, 3);
        assertThat(batch.tokenTypeIds()).containsExactly(0, 0, 0, 1, 1, 1);
    }

    @Test
    void aVocabularyWithoutSpecialTokensOrWithDuplicatesIsRefused() {
        assertThatThrownBy(() -> WordPieceTokenizerJson.build(List.of("[PAD]", "[UNK]", "hello"), "v.txt"))
                .isInstanceOf(BackboneException.class).hasMessageContaining("v.txt").hasMessageContaining("[CLS]");
        assertThatThrownBy(() -> WordPieceTokenizerJson.build(List.of("[PAD]", "a", "a"), "v.txt"))
                .isInstanceOf(BackboneException.class).hasMessageContaining("'a' twice (lines 2 and 3)");
    }
}
