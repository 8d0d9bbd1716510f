package dev.peft4j.backbones;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.ConstantInitializer;
import ai.djl.training.initializer.NormalInitializer;
import dev.peft4j.api.AbstractPromptSource;
import dev.peft4j.api.PromptInjection;
import dev.peft4j.api.PromptShape;
import dev.peft4j.api.SoftPrompt;
import dev.peft4j.api.TextEmbeddingUpdate;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A method's per-token update reaches the encoder: row {@code t} is added to the word embedding of
 * text token {@code t} ({@code [CLS]} is 0), padding gets nothing, and tokens past the update's
 * length (a text longer than the method was created for) keep their embeddings.
 */
class TextEmbeddingUpdateTest {

    private static final int D = TinyBertFolder.HIDDEN;

    private static Backbone backbone;

    @BeforeAll
    static void loadBackbone() {
        backbone = Backbones.load(TinyBertFolder.shared().toString(), Device.cpu());
    }

    @AfterAll
    static void closeBackbone() {
        backbone.close();
    }

    /** A constant prompt and a random update of {@code rows} rows, zero past them. */
    static final class Updating extends AbstractPromptSource implements TextEmbeddingUpdate {
        private final Parameter prompt;
        private final Parameter rows;

        Updating(PromptShape shape, int length) {
            super((byte) 1, shape);
            prompt = addParameter(Parameter.builder().setName("prompt").setType(Parameter.Type.WEIGHT)
                    .optShape(shape.toShape()).optInitializer(new ConstantInitializer(0.1f)).build());
            rows = addParameter(Parameter.builder().setName("rows").setType(Parameter.Type.WEIGHT)
                    .optShape(new Shape(length, shape.width())).optInitializer(new NormalInitializer(1)).build());
        }

        @Override
        protected NDArray apply(ParameterStore parameterStore, boolean training) {
            return parameterStore.getValue(prompt, prompt.getArray().getDevice(), training).mul(1);
        }

        @Override
        public int getMaxTextLength() {
            return Math.toIntExact(rows.getArray().getShape().get(0));
        }

        @Override
        public NDArray computeUpdate(ParameterStore parameterStore, int length, boolean training) {
            NDArray value = parameterStore.getValue(rows, rows.getArray().getDevice(), training);
            int max = getMaxTextLength();
            return length <= max ? value.get(new NDIndex(":{}", length))
                    : value.concat(value.getManager().zeros(new Shape(length - max, D)), 0);
        }
    }

    @ParameterizedTest(name = "update rows = {0}")
    @ValueSource(ints = {12, 5})
    void theUpdateReachesTextTokensOnly(int updateRows) {
        BertEncoder encoder = backbone.getEncoder();
        try (NDManager manager = NDManager.newBaseManager()) {
            SoftPrompt prompt = SoftPrompt.builder().setPromptSource(new Updating(new PromptShape(3, D), updateRows)).build();
            PromptClassifier classifier = PromptClassifier.builder().setEncoder(encoder).setNumClasses(2)
                    .optSoftPrompt(prompt).build();
            classifier.initialize(manager, DataType.FLOAT32, new Shape(1, 1));
            var pairs = TestData.syntheticPairs(2);
            EncodedBatch batch = backbone.getTokenizer().encodePairs(List.of(pairs.get(0).premise(), "short"),
                    List.of(pairs.get(0).hypothesis(), "text"), 12);
            NDList inputs = batch.toNDList(manager);
            ParameterStore store = new ParameterStore(manager, false);

            float[] logits = classifier.forward(store, inputs, false).singletonOrThrow().toFloatArray();

            // by hand: embeddings + update on the first updateRows positions where the mask is 1
            NDArray ids = inputs.get(0);
            NDArray mask = inputs.get(1);
            int length = Math.toIntExact(ids.getShape().get(1));
            NDArray update = ((Updating) prompt.getChildren().valueAt(0)).computeUpdate(store, length, false);
            float[] updateValues = update.toFloatArray();
            for (int i = Math.min(updateRows, length) * D; i < updateValues.length; i++) {
                assertThat(updateValues[i]).as("update past its rows").isZero();
            }
            NDArray embeddings = PromptInjection.addTextUpdate(update, encoder.embedTokens(store, ids), mask);
            NDList injected = PromptInjection.inject(prompt.computePrompt(store, false), embeddings, mask, inputs.get(2), 1);
            NDArray hidden = encoder.encode(store, injected.get(0), injected.get(1), injected.get(2), false);
            float[] expected = classifier.getHead().forward(store, new NDList(hidden.get(new NDIndex(":, 0, :"))), false)
                    .singletonOrThrow().toFloatArray();
            assertThat(logits).containsExactly(expected, within(1e-5f));

            // and it changes the result: without the update the logits differ
            NDList plain = PromptInjection.inject(prompt.computePrompt(store, false), encoder.embedTokens(store, ids), mask,
                    inputs.get(2), 1);
            float[] without = classifier.getHead().forward(store, new NDList(encoder.encode(store, plain.get(0),
                    plain.get(1), plain.get(2), false).get(new NDIndex(":, 0, :"))), false).singletonOrThrow().toFloatArray();
            assertThat(logits).isNotEqualTo(without);
        }
    }
}
