package dev.peft4j.backbones;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import dev.peft4j.api.ShapeMismatchException;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The MLM head on the tiny random BERT, against the formula written out with NDArray operations. */
class MlmHeadTest {

    private static final int D = TinyBertFolder.HIDDEN;

    private static Map<String, NDArray> headWeights(NDManager manager) {
        Map<String, NDArray> weights = new HashMap<>();
        weights.put("cls.predictions.transform.dense.weight", manager.randomNormal(new Shape(D, D)));
        weights.put("cls.predictions.transform.dense.bias", manager.randomNormal(new Shape(D)));
        weights.put("cls.predictions.transform.LayerNorm.weight", manager.randomUniform(0.5f, 1.5f, new Shape(D)));
        weights.put("cls.predictions.transform.LayerNorm.bias", manager.randomNormal(new Shape(D)));
        weights.put("cls.predictions.bias", manager.randomNormal(new Shape(TinyBertFolder.VOCAB)));
        return weights;
    }

    @Test
    void computesTiedLogitsForAnyLeadingShape() {
        try (Backbone backbone = Backbones.load(TinyBertFolder.shared().toString(), Device.cpu());
                NDManager step = backbone.getManager().newSubManager()) {
            BertEncoder encoder = backbone.getEncoder();
            Map<String, NDArray> weights = headWeights(backbone.getManager());
            MlmHead head = new MlmHead(encoder.getConfig(), weights, encoder, backbone.getManager(), "test");
            NDArray hidden = step.randomNormal(new Shape(2, 3, D));

            NDArray logits = head.logits(new ParameterStore(step, false), hidden, false);

            NDArray t = hidden.matMul(weights.get("cls.predictions.transform.dense.weight").transpose())
                    .add(weights.get("cls.predictions.transform.dense.bias"));
            t = t.mul(t.div(Math.sqrt(2)).erf().add(1)).mul(0.5);
            NDArray mean = t.mean(new int[] {-1}, true);
            NDArray variance = t.sub(mean).square().mean(new int[] {-1}, true);
            t = t.sub(mean).div(variance.add(1e-12).sqrt())
                    .mul(weights.get("cls.predictions.transform.LayerNorm.weight"))
                    .add(weights.get("cls.predictions.transform.LayerNorm.bias"));
            NDArray expected = t.matMul(encoder.getVocabularyEmbeddings().transpose())
                    .add(weights.get("cls.predictions.bias"));
            assertThat(logits.getShape()).isEqualTo(new Shape(2, 3, TinyBertFolder.VOCAB));
            assertThat(logits.sub(expected).abs().max().getFloat()).isLessThan(1e-4f);

            // the states at one position per row, (B, d), give the same rows
            NDArray atOne = head.logits(new ParameterStore(step, false), hidden.get(":, 1, :"), false);
            assertThat(atOne.sub(logits.get(":, 1, :")).abs().max().getFloat()).isLessThan(1e-5f);
            assertThat(head.getParameters().valueAt(0).requiresGradient()).isFalse();

            assertThatThrownBy(() -> head.logits(new ParameterStore(step, false), step.zeros(new Shape(2, D + 1)),
                    false)).isInstanceOf(ShapeMismatchException.class).hasMessageContaining("(..., " + D + ")");
        }
    }

    @Test
    void missingOrMisshapenWeightsAreListed() {
        try (Backbone backbone = Backbones.load(TinyBertFolder.shared().toString(), Device.cpu())) {
            BertEncoder encoder = backbone.getEncoder();
            Map<String, NDArray> weights = headWeights(backbone.getManager());
            weights.remove("cls.predictions.bias");
            weights.put("cls.predictions.transform.dense.weight", backbone.getManager().zeros(new Shape(D, D + 1)));
            assertThatThrownBy(() -> new MlmHead(encoder.getConfig(), weights, encoder, backbone.getManager(), "w.bin"))
                    .isInstanceOf(ShapeMismatchException.class)
                    .hasMessageContaining("w.bin")
                    .hasMessageContaining("cls.predictions.bias: missing")
                    .hasMessageContaining("cls.predictions.transform.dense.weight: expected (8, 8), found (8, 9)");
        }
    }
}
