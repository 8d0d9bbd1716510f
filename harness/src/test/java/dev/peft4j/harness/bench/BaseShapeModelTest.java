package dev.peft4j.harness.bench;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.ParameterStore;
import dev.peft4j.backbones.Backbone;
import dev.peft4j.backbones.Backbones;
import dev.peft4j.backbones.BertConfig;
import dev.peft4j.backbones.EncodedBatch;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class BaseShapeModelTest {

    @Test
    void writesALoadableRandomModelWithTheBundledVocabularyAndDeletesIt() {
        // BERT-Base's vocabulary and tokenizer with a small body, so the test stays fast
        BertConfig small = new BertConfig(BaseShapeModel.CONFIG.vocabSize(), 16, 2, 2, 32, 64, 2, 1e-12f);
        try (NDManager manager = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
            Path folder = BaseShapeModel.write(manager, small);
            try (Backbone backbone = Backbones.load(folder.toString(), Device.cpu());
                    NDManager step = backbone.getManager().newSubManager()) {
                assertThat(backbone.getEncoder().getConfig()).isEqualTo(small);
                EncodedBatch batch = backbone.getTokenizer().encode(List.of("a quick brown fox"), 16);
                var inputs = batch.toNDList(step);
                NDArray hidden = backbone.getEncoder().forward(new ParameterStore(step, false), inputs, false)
                        .singletonOrThrow();
                assertThat(hidden.getShape().get(2)).isEqualTo(16);
                assertThat(hidden.isNaN().any().getBoolean()).isFalse();
            } finally {
                BaseShapeModel.delete(folder);
            }
            assertThat(Files.exists(folder)).isFalse();
        }
    }
}
