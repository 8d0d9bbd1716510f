package dev.peft4j.backbones;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Embedding;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The layer's fused computation (one Q/K/V product over concatenated weights, Q scaled before the
 * score product, no mask when nothing is padded) against the textbook BERT layer written here
 * from the separate Hugging Face parameters: outputs and input gradients agree, with and without
 * padding, and the parameters still read as the loaded values.
 */
class BertLayerTest {

    @Test
    void tinyEncoderMatchesTheSeparateProjectionFormula() {
        try (Backbone backbone = Backbones.load(TinyBertFolder.shared().toString(), Device.cpu())) {
            compare(backbone, List.of("a cat sat on a mat", "hello"), true, 1e-6f, 1e-6f);
            compare(backbone, List.of("a cat sat", "a cat sat"), false, 1e-6f, 1e-6f);
        }
    }

    @Test
    void miniLmMatchesTheSeparateProjectionFormula() {
        // head size 32: scaling Q by 1/sqrt(32) rounds differently from scaling the scores (the
        // tolerance is relative to values of up to about 3)
        compare(SharedMiniLm.get(), List.of("The cat sat on the mat.", "Hello there"), true, 1e-5f, 5e-5f);
        compare(SharedMiniLm.get(), List.of("The cat sat on the mat.", "The dog sat on the rug."), false, 1e-5f, 5e-5f);
    }

    @Test
    void fusedParametersKeepTheirHuggingFaceValues() {
        try (Backbone backbone = Backbones.load(TinyBertFolder.shared().toString(), Device.cpu());
                NDManager manager = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
            NDList file = NDList.decode(manager, read(TinyBertFolder.shared().resolve("model.safetensors")));
            Map<String, Parameter> byName = backbone.getEncoder().parametersByHuggingFaceName();
            for (NDArray array : file) {
                String name = array.getName().substring("bert.".length());
                if (name.contains("attention.self.")) {
                    assertThat(byName.get(name).getArray().toFloatArray()).as(name).containsExactly(array.toFloatArray());
                }
            }
        }
    }

    private static byte[] read(java.nio.file.Path path) {
        try {
            return java.nio.file.Files.readAllBytes(path);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /**
     * Outputs within {@code tolerance} relative to each value (at least 1), input gradients within
     * {@code gradientTolerance} relative to the largest gradient: rounding differences grow through
     * the layers on the way back.
     */
    private static void compare(Backbone backbone, List<String> texts, boolean padded, float tolerance,
            float gradientTolerance) {
        BertEncoder encoder = backbone.getEncoder();
        EncodedBatch batch = backbone.getTokenizer().encode(texts, 16);
        assertThat(batch.tokenCount(1) < batch.length()).as("second row padded").isEqualTo(padded);
        float[][] actual = run(backbone, batch, false);
        float[][] expected = run(backbone, batch, true);
        float largestGradient = 0;
        for (float g : expected[1]) {
            largestGradient = Math.max(largestGradient, Math.abs(g));
        }
        assertThat(largestGradient).isPositive();
        for (int part = 0; part < 2; part++) {
            assertThat(actual[part]).hasSameSizeAs(expected[part]);
            for (int i = 0; i < actual[part].length; i++) {
                float bound = part == 0 ? tolerance * Math.max(1f, Math.abs(expected[0][i]))
                        : gradientTolerance * Math.max(1f, largestGradient);
                assertThat(actual[part][i]).as("%s %d of %s", part == 0 ? "output" : "input gradient", i, encoder)
                        .isCloseTo(expected[part][i], within(bound));
            }
        }
    }

    /** The last hidden state and the gradient of a weighted sum of it with respect to the input embeddings. */
    private static float[][] run(Backbone backbone, EncodedBatch batch, boolean reference) {
        BertEncoder encoder = backbone.getEncoder();
        try (NDManager step = backbone.getManager().newSubManager()) {
            ParameterStore ps = new ParameterStore(step, false);
            NDList inputs = batch.toNDList(step);
            NDArray embeddings = encoder.embedTokens(ps, inputs.get(0)).duplicate();
            embeddings.setRequiresGradient(true);
            Shape shape = embeddings.getShape();
            float[] weights = new float[(int) shape.size()];
            Random random = new Random(5);
            for (int i = 0; i < weights.length; i++) {
                weights[i] = random.nextFloat() - 0.5f;
            }
            NDArray hidden;
            try (GradientCollector collector = Engine.getEngine("PyTorch").newGradientCollector()) {
                hidden = reference ? referenceEncode(encoder, embeddings, inputs.get(1), inputs.get(2))
                        : encoder.encode(ps, embeddings, inputs.get(1), inputs.get(2), true);
                collector.backward(hidden.mul(step.create(weights, shape)).sum());
            }
            return new float[][] {hidden.toFloatArray(), embeddings.getGradient().toFloatArray()};
        }
    }

    /** Hugging Face's BertModel, written out with separate Q, K, V products and a mask on every layer. */
    private static NDArray referenceEncode(BertEncoder encoder, NDArray embeddings, NDArray mask, NDArray types) {
        Map<String, Parameter> p = encoder.parametersByHuggingFaceName();
        BertConfig config = encoder.getConfig();
        long batch = embeddings.getShape().get(0);
        long length = embeddings.getShape().get(1);
        int heads = config.numHeads();
        int headSize = config.headSize();
        NDManager m = embeddings.getManager();
        NDArray positions = m.arange(0, (int) length, 1, DataType.INT64);
        NDArray x = embeddings.add(lookup(p, "embeddings.position_embeddings.weight", positions))
                .add(lookup(p, "embeddings.token_type_embeddings.weight", types));
        x = norm(p, "embeddings.LayerNorm", x, config);
        NDArray additive = mask.toType(DataType.FLOAT32, false).neg().add(1f).mul(-Float.MAX_VALUE)
                .reshape(batch, 1, 1, length);
        NDArray divisor = m.full(new Shape(), (float) Math.sqrt(headSize), DataType.FLOAT32, m.getDevice());
        for (int i = 0; i < config.numLayers(); i++) {
            String l = "encoder.layer." + i + ".";
            NDArray q = split(linear(p, l + "attention.self.query", x), batch, length, heads, headSize);
            NDArray k = split(linear(p, l + "attention.self.key", x), batch, length, heads, headSize);
            NDArray v = split(linear(p, l + "attention.self.value", x), batch, length, heads, headSize);
            NDArray scores = q.matMul(k.transpose(0, 1, 3, 2)).div(divisor).add(additive);
            NDArray context = scores.softmax(-1).matMul(v).transpose(0, 2, 1, 3)
                    .reshape(batch, length, config.hiddenSize());
            NDArray attended = norm(p, l + "attention.output.LayerNorm",
                    linear(p, l + "attention.output.dense", context).add(x), config);
            NDArray inner = Activation.gelu(linear(p, l + "intermediate.dense", attended));
            x = norm(p, l + "output.LayerNorm", linear(p, l + "output.dense", inner).add(attended), config);
        }
        return x;
    }

    private static NDArray value(Map<String, Parameter> p, String name) {
        return p.get(name).getArray();
    }

    private static NDArray lookup(Map<String, Parameter> p, String name, NDArray ids) {
        return Embedding.embedding(ids, value(p, name), SparseFormat.DENSE).singletonOrThrow();
    }

    private static NDArray linear(Map<String, Parameter> p, String prefix, NDArray x) {
        return x.matMul(value(p, prefix + ".weight").transpose()).add(value(p, prefix + ".bias"));
    }

    private static NDArray norm(Map<String, Parameter> p, String prefix, NDArray x, BertConfig config) {
        return x.getNDArrayInternal().layerNorm(x, new Shape(config.hiddenSize()), value(p, prefix + ".weight"),
                value(p, prefix + ".bias"), config.layerNormEps()).head();
    }

    private static NDArray split(NDArray x, long batch, long length, int heads, int headSize) {
        return x.reshape(batch, length, heads, headSize).transpose(0, 2, 1, 3);
    }
}
