package dev.peft4j.baselines;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.UniformInitializer;
import dev.peft4j.api.AbstractPromptSource;
import dev.peft4j.api.OptionSpec;
import dev.peft4j.api.Options;
import dev.peft4j.api.PromptCreationContext;
import dev.peft4j.api.PromptInit;
import dev.peft4j.api.PromptShape;
import dev.peft4j.api.PromptSource;
import dev.peft4j.api.Range;
import ai.djl.MalformedModelException;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.List;
import java.util.Objects;
import java.util.Random;
import org.jspecify.annotations.Nullable;

/**
 * SuperPos-Prompt (Sadraei Javaheri et al., "SuperPos-Prompt: Enhancing Soft Prompt Tuning of
 * Language Models with Superposition of Multi Token Embeddings", ENLSP workshop at NeurIPS 2024):
 * each prompt vector is a learned superposition of {@code m} sampled vocabulary embeddings,
 * {@code P'_i = Σ_j W_ij E_j}, i.e. {@code P' = W·E} with {@code E} {@code (m × d)} the frozen
 * embeddings of {@code m} token ids and {@code W} {@code (n × m)} trained ({@code n·m} values). The
 * paper reports gains that plateau around {@code m = 128}, the default here.
 *
 * <p>Options: {@code embeddings} ({@code m}, int ≥ 1, default 128). The ids are drawn with the
 * run's seed from the same range as {@link PromptInit#sampledVocabulary()} (ids 1996 to 6995 of
 * BERT's vocabulary, clamped to smaller vocabularies). {@code E} stays frozen and {@code W} starts
 * uniform in {@code [-1/sqrt(m), 1/sqrt(m))}, so a prompt vector starts at about a third of a
 * vocabulary embedding's variance (this implementation's choices). {@code P'} exports as a plain
 * PEFT prompt-tuning adapter.
 */
public final class SuperPosPlugin extends OwnParametersPlugin {

    /** The plugin id. */
    public static final String ID = "superpos";

    /** Creates the plugin; ServiceLoader calls this. */
    public SuperPosPlugin() {
        super(ID, "SuperPos-Prompt: each prompt vector a learned mix of m sampled vocabulary embeddings "
                + "(Sadraei Javaheri et al. 2024)",
                List.of(OptionSpec.integer("embeddings", 128, Range.atLeast(1),
                        "Number m of sampled vocabulary embeddings each prompt vector mixes")));
    }

    @Override
    public PromptSource createPrompt(PromptCreationContext context, Options options) {
        int m = options.getInt("embeddings");
        return new Superposition(context.getPromptShape(), context.getWordEmbeddings(), sampleIds(context, m));
    }

    /** {@code m} token ids drawn with the context's seed from the sampled-vocabulary range. */
    static long[] sampleIds(PromptCreationContext context, int m) {
        PromptInit.SampledVocabulary range = (PromptInit.SampledVocabulary) PromptInit.sampledVocabulary();
        int to = Math.min(range.toId(), context.getVocabularySize());
        int from = to > range.fromId() ? range.fromId() : 0;
        Random random = new Random(context.getSeed());
        long[] ids = new long[m];
        for (int i = 0; i < m; i++) {
            ids[i] = from + random.nextInt(to - from);
        }
        return ids;
    }

    /** {@code P' = W·E} with {@code E} copied out of the word embeddings when initialized. */
    static final class Superposition extends AbstractPromptSource {
        private final NDArray wordEmbeddings;
        /** The sampled token ids; saved with the parameters, so a restored prompt mixes the same rows. */
        private long[] ids;
        private final Parameter weights;
        private @Nullable NDArray sampled;

        Superposition(PromptShape shape, NDArray wordEmbeddings, long[] ids) {
            super((byte) 1, shape);
            this.wordEmbeddings = wordEmbeddings;
            this.ids = ids.clone();
            float bound = (float) (1 / Math.sqrt(ids.length));
            this.weights = addParameter(weight("weights", new Shape(shape.length(), ids.length),
                    new UniformInitializer(bound)));
        }

        @Override
        protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
            // E is a constant, not a parameter: nothing can unfreeze it, and the ids rebuild it
            NDArray old = sampled;
            try (NDManager scratch = wordEmbeddings.getManager().newSubManager()) {
                NDArray rows = wordEmbeddings.get(new NDIndex("{}", scratch.create(ids)));
                NDArray copy = rows.toDevice(manager.getDevice(), true).toType(dataType, true);
                copy.attach(manager);
                sampled = copy;
            }
            if (old != null) {
                old.close();
            }
        }

        @Override
        protected void saveMetadata(DataOutputStream os) throws IOException {
            super.saveMetadata(os);
            os.writeInt(ids.length);
            for (long id : ids) {
                os.writeLong(id);
            }
        }

        @Override
        protected void loadMetadata(byte loadVersion, DataInputStream is) throws IOException, MalformedModelException {
            super.loadMetadata(loadVersion, is);
            int m = is.readInt();
            if (m != ids.length) {
                throw new MalformedModelException("Saved SuperPos prompt mixes " + m + " embeddings, this one "
                        + ids.length + "; create it with embeddings=" + m);
            }
            for (int i = 0; i < m; i++) {
                ids[i] = is.readLong();
            }
            NDArray current = sampled;
            if (current != null) {
                initializeChildBlocks(current.getManager(), current.getDataType());
            }
        }

        @Override
        protected NDArray apply(ParameterStore parameterStore, boolean training) {
            NDArray e = Objects.requireNonNull(sampled, "initialize the prompt before computing it");
            return value(parameterStore, weights, training).matMul(e);
        }
    }
}
