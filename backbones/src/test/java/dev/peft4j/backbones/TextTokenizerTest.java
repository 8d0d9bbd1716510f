package dev.peft4j.backbones;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.peft4j.api.PeftException;
import java.util.List;
import org.junit.jupiter.api.Test;

class TextTokenizerTest {

    private final TextTokenizer tokenizer = SharedMiniLm.get().getTokenizer();

    @Test
    void singleTextsGetSpecialTokensAndPadToTheLongest() {
        EncodedBatch batch = tokenizer.encode(List.of("hello world", "hello"), 16);
        assertThat(batch.batchSize()).isEqualTo(2);
        assertThat(batch.length()).isEqualTo(4);
        // [CLS] hello world [SEP] / [CLS] hello [SEP] [PAD]
        assertThat(batch.tokenIds()).containsExactly(101, 7592, 2088, 102, 101, 7592, 102, 0);
        assertThat(batch.attentionMask()).containsExactly(1, 1, 1, 1, 1, 1, 1, 0);
        assertThat(batch.tokenTypeIds()).containsOnly(0);
        assertThat(tokenizer.tokenIdsOf("hello world")).containsExactly(7592, 2088);
    }

    @Test
    void pairsUseSegmentOneForTheSecondText() {
        EncodedBatch batch = tokenizer.encodePairs(List.of("hello"), List.of("world"), 16);
        assertThat(batch.tokenIds()).containsExactly(101, 7592, 102, 2088, 102);
        assertThat(batch.tokenTypeIds()).containsExactly(0, 0, 0, 1, 1);
    }

    @Test
    void longPairsAreTruncatedLongestFirstToMaxTokens() {
        String longText = "word ".repeat(300);
        EncodedBatch batch = tokenizer.encodePairs(List.of(longText), List.of("a short hypothesis"), 20);
        assertThat(batch.length()).isEqualTo(20);
        long[] ids = batch.tokenIds();
        // the long premise was cut, the short hypothesis kept whole: [CLS] 13 x word [SEP] a short hypothesis [SEP]
        assertThat(ids[0]).isEqualTo(101);
        assertThat(ids[19]).isEqualTo(102);
        long[] hypothesis = tokenizer.tokenIdsOf("a short hypothesis");
        for (int i = 0; i < hypothesis.length; i++) {
            assertThat(ids[19 - hypothesis.length + i]).isEqualTo(hypothesis[i]);
        }
    }

    @Test
    void textLongerThanTheModelIsTruncatedToLeaveRoomForThePrompt() {
        int promptLength = 10;
        String longText = "token ".repeat(2000);
        EncodedBatch batch = tokenizer.encode(List.of(longText, "short"), 512 - promptLength);
        assertThat(batch.length()).isEqualTo(502);
        assertThat(batch.tokenCount(0)).isEqualTo(502);
        assertThat(batch.tokenIds()[501]).isEqualTo(102);
    }

    @Test
    void emptyOrBlankTextIsRejectedWithItsIndex() {
        assertThatThrownBy(() -> tokenizer.encode(List.of("fine", ""), 16))
                .isInstanceOf(PeftException.class)
                .hasMessageContaining("Text 1 of texts is empty or blank");
        assertThatThrownBy(() -> tokenizer.encodePairs(List.of("fine"), List.of("   "), 16))
                .isInstanceOf(PeftException.class)
                .hasMessageContaining("Text 0 of second is empty or blank");
        assertThatThrownBy(() -> tokenizer.encode(List.of(), 16))
                .isInstanceOf(PeftException.class).hasMessageContaining("empty batch");
        assertThat(tokenizer.tokenIdsOf("")).isEmpty();
    }

    @Test
    void maxTokensOutsideTheModelIsRejected() {
        assertThatThrownBy(() -> tokenizer.encode(List.of("x"), 513))
                .isInstanceOf(PeftException.class).hasMessageContaining("maxTokens must be in [3, 512]");
        assertThatThrownBy(() -> tokenizer.encodePairs(List.of("x"), List.of("y"), 4))
                .isInstanceOf(PeftException.class).hasMessageContaining("maxTokens must be in [5, 512]");
        assertThatThrownBy(() -> tokenizer.encodePairs(List.of("x", "y"), List.of("y"), 16))
                .isInstanceOf(PeftException.class).hasMessageContaining("2 first texts but 1 second texts");
    }

    @Test
    void toNDListGivesInt64BatchByLength() {
        EncodedBatch batch = tokenizer.encode(List.of("hello world", "hello"), 16);
        try (NDManager manager = NDManager.newBaseManager(ai.djl.Device.cpu(), "PyTorch")) {
            NDList list = batch.toNDList(manager);
            assertThat(list).hasSize(3).allSatisfy(a -> {
                assertThat(a.getDataType()).isEqualTo(DataType.INT64);
                assertThat(a.getShape()).isEqualTo(new Shape(2, 4));
            });
            assertThat(list.get(0).toLongArray()).containsExactly(batch.tokenIds());
        }
    }
}
