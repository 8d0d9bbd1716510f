package dev.peft4j.backbones;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Adam;
import ai.djl.training.tracker.Tracker;
import dev.peft4j.api.PromptInit;
import dev.peft4j.api.PromptShape;
import dev.peft4j.api.SoftPrompt;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/** A DJL model, trainer and Adam around a PromptClassifier, with one training step per call. */
final class Steps implements AutoCloseable {

    final Model model;
    final Trainer trainer;
    final PromptClassifier classifier;

    Steps(Backbone backbone, int promptLength, float learningRate) {
        this(backbone, promptLength > 0 ? SoftPrompt.builder()
                .setReparameterizer(new IdentityReparameterizer(
                        new PromptShape(promptLength, backbone.getEncoder().getHiddenSize())))
                .optInit(PromptInit.sampledVocabulary())
                .optEncoder(backbone.getEncoder())
                .optSeed(42)
                .build() : null, learningRate);
    }

    /** With {@code prompt} (none when {@code null}). */
    Steps(Backbone backbone, @Nullable SoftPrompt prompt, float learningRate) {
        BertEncoder encoder = backbone.getEncoder();
        PromptClassifier.Builder builder = PromptClassifier.builder().setEncoder(encoder).setNumClasses(2);
        if (prompt != null) {
            builder.optSoftPrompt(prompt);
        }
        classifier = builder.build();
        model = Model.newInstance("prompt-classifier", backbone.getDevice(), "PyTorch");
        model.getNDManager().getEngine().setRandomSeed(42);
        model.setBlock(classifier);
        trainer = model.newTrainer(new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
                .optOptimizer(Adam.builder().optLearningRateTracker(Tracker.fixed(learningRate)).build())
                .optDevices(new Device[] {backbone.getDevice()}));
        Shape ids = new Shape(1, 8);
        trainer.initialize(ids, ids, ids);
    }

    /**
     * One step in its own sub-manager: forward, loss, backward, then {@code afterBackward} (before
     * the optimizer zeroes gradients), then the update. Returns the loss, the one host copy per step.
     */
    float step(EncodedBatch batch, long[] labels, Consumer<NDManager> afterBackward) {
        float loss;
        try (NDManager step = trainer.getManager().newSubManager()) {
            NDList inputs = batch.toNDList(step);
            NDArray y = step.create(labels);
            try (GradientCollector collector = trainer.newGradientCollector()) {
                NDArray logits = trainer.forward(inputs).head();
                NDArray value = trainer.getLoss().evaluate(new NDList(y), new NDList(logits));
                collector.backward(value);
                loss = value.getFloat();
            }
            afterBackward.accept(step);
            trainer.step();
        }
        return loss;
    }

    float step(EncodedBatch batch, long[] labels) {
        return step(batch, labels, m -> { });
    }

    @Override
    public void close() {
        trainer.close();
        model.close();
    }
}
