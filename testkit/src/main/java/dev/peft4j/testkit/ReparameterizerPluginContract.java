package dev.peft4j.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import dev.peft4j.api.AdapterConfig;
import dev.peft4j.api.ApiVersion;
import dev.peft4j.api.InvalidOptionException;
import dev.peft4j.api.LayerPrefix;
import dev.peft4j.api.LinearTarget;
import dev.peft4j.api.LowRankUpdate;
import dev.peft4j.api.OptionSpec;
import dev.peft4j.api.Options;
import dev.peft4j.api.PeftException;
import dev.peft4j.api.PromptAdapter;
import dev.peft4j.api.PromptAdapterFiles;
import dev.peft4j.api.PromptCreationContext;
import dev.peft4j.api.PromptEmbeddings;
import dev.peft4j.api.PromptShape;
import dev.peft4j.api.Reparameterizer;
import dev.peft4j.api.ReparameterizerPlugin;
import dev.peft4j.api.ShapeMismatchException;
import dev.peft4j.api.SoftPrompt;
import dev.peft4j.api.TextEmbeddingUpdate;
import dev.peft4j.nn.AdamW;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The contract every {@link ReparameterizerPlugin} must meet. Extend it in a test of your plugin
 * and implement {@link #plugin()}; JUnit runs the inherited checks:
 *
 * <ul>
 *   <li>the id is lower-case kebab, the description is not blank, the API version runs here;
 *   <li>every declared default parses back to itself; unknown option names fail naming the
 *       plugin; the values of {@link #invalidOptions()} are rejected naming the option;
 *   <li>the prompt keeps the shape {@code (n, d)} for several shapes; a Φ rejects other input shapes;
 *   <li>gradients reach every trainable parameter ({@code P} and Φ's, or those of a method that
 *       owns its parameters, text update included) and agree with central finite differences
 *       computed in double precision;
 *   <li>a {@link TextEmbeddingUpdate} has one row per token position, independent of the batch
 *       length, and zero rows past its length;
 *   <li>the same seed gives bit-identical prompts;
 *   <li>{@link SoftPrompt#export()} equals the evaluation-mode forward pass bit for bit, and the
 *       exported adapter folder holds exactly {@code P'} and reads back equal;
 *   <li>saving {@code P}, Φ and AdamW moments, restoring them into a fresh soft prompt and taking
 *       one more step gives the same {@code P'} bit for bit as never stopping.
 * </ul>
 *
 * <p>A method that acts inside the layers ({@link LayerPrefix}, {@link LowRankUpdate}) is checked
 * on what it computes there, next to {@code P'} when it also inserts one: the prefix
 * ({@code (L, 2, n, d)}, {@code n} the prompt length) and, for every layer and target, the factors
 * ({@code (r, in)}, {@code (out, r)}), the weight change ({@code (out, in)}) and the update of a
 * fixed input of 3 rows. These enter the losses of the gradient, finite-difference, seed and
 * resume checks; all must be finite. A method that inserts nothing at the input
 * ({@link dev.peft4j.api.PromptSource#insertsInputPrompt()} false) has no {@code P'}: its
 * {@link SoftPrompt#export()} must refuse, and the other checks compare its layer outputs instead.
 *
 * <pre>{@code
 * class MyPluginTest extends ReparameterizerPluginContract {
 *     protected ReparameterizerPlugin plugin() { return new MyPlugin(); }
 *     protected List<Map<String, ?>> invalidOptions() { return List.of(Map.of("width", "0")); }
 * }
 * }</pre>
 *
 * <p>Every prompt is created the way the framework creates it, {@link SoftPrompt#create} with a
 * {@link PromptCreationContext} holding a small random word-embedding matrix ({@value #VOCABULARY}
 * rows), {@value #LAYERS} layers, 2 heads, a feed-forward width of {@value #INTERMEDIATE_FACTOR} times
 * the prompt width and texts of at most {@value #TEXT_LENGTH} tokens; the framework, not
 * the plugin, refuses options parsed for another plugin.
 *
 * <p>The checks run on DJL's default engine (the kit brings PyTorch) on CPU and take a few
 * seconds for a small method. Override {@link #optionsForTest()} to run them with smaller settings.
 */
public abstract class ReparameterizerPluginContract {

    private static final List<PromptShape> SHAPES =
            List.of(new PromptShape(1, 8), new PromptShape(5, 16), new PromptShape(10, 32));
    private static final PromptShape SMALL = new PromptShape(5, 16);
    /** Rows of the word-embedding matrix the checks give a method. */
    static final int VOCABULARY = 40;
    /** The longest text, in tokens, the checks' creation contexts announce. */
    static final int TEXT_LENGTH = 6;
    /** The number of layers the checks' creation contexts announce. */
    static final int LAYERS = 2;
    /** The feed-forward width the checks' creation contexts announce, in multiples of the prompt width. */
    static final int INTERMEDIATE_FACTOR = 3;
    /** Rows of the fixed input a low-rank update is applied to. */
    private static final int UPDATE_ROWS = 3;

    private @org.jspecify.annotations.Nullable NDManager manager;

    /** The plugin under test, a fresh instance each call or a shared one. */
    protected abstract ReparameterizerPlugin plugin();

    /**
     * Options the checks create Φ with; default none (every option at its default). Keep Φ small
     * here (a few thousand parameters) so the gradient checks stay fast.
     */
    protected Map<String, ?> optionsForTest() {
        return Map.of();
    }

    /**
     * Option maps that must each be rejected with an {@link InvalidOptionException} whose message
     * names the (first) option of the map; default none.
     */
    protected List<Map<String, ?>> invalidOptions() {
        return List.of();
    }

    /** Opens the manager the checks allocate on. */
    @BeforeEach
    void openManager() {
        manager = NDManager.newBaseManager();
    }

    /** Frees everything the check allocated. */
    @AfterEach
    void closeManager() {
        if (manager != null) {
            manager.close();
        }
    }

    private NDManager manager() {
        if (manager == null) {
            throw new IllegalStateException("The manager is opened before each check");
        }
        return manager;
    }

    /** The id is lower-case kebab and the description says something. */
    @Test
    void idIsLowerCaseKebabAndDescriptionIsNotBlank() {
        ReparameterizerPlugin plugin = plugin();
        assertThat(plugin.getId()).as("plugin id").matches("[a-z][a-z0-9]*(-[a-z0-9]+)*");
        assertThat(plugin.getDescription()).as("description of '%s'", plugin.getId()).isNotBlank();
    }

    /** The plugin was built for an API version that runs on the API on the class path. */
    @Test
    void apiVersionRunsOnCurrentApi() {
        ApiVersion version = plugin().getApiVersion();
        assertThat(ApiVersion.CURRENT.canRun(version))
                .as("plugin built for API %s runs on API %s", version, ApiVersion.CURRENT)
                .isTrue();
    }

    /** Every declared default, written as text, parses back to itself; names are unique. */
    @Test
    void declaredDefaultsParse() {
        ReparameterizerPlugin plugin = plugin();
        Set<String> names = new HashSet<>();
        for (OptionSpec spec : plugin.getOptions()) {
            assertThat(names.add(spec.name())).as("option '%s' declared once", spec.name()).isTrue();
            assertThat(spec.help()).as("help of option '%s'", spec.name()).isNotBlank();
            assertThat(spec.convert(plugin.getId(), String.valueOf(spec.defaultValue())))
                    .as("default of option '%s' parsed from text", spec.name())
                    .isEqualTo(spec.defaultValue());
        }
        Options defaults = plugin.parseOptions(Map.of());
        assertThat(defaults).isEqualTo(Options.defaults(plugin.getId(), plugin.getOptions()));
        SoftPrompt prompt = SoftPrompt.create(plugin, defaults, context(new PromptShape(2, 8), 1));
        assertThat(prompt.getPromptShape()).isEqualTo(new PromptShape(2, 8));
    }

    /** An unknown option name fails with a message naming the option and the plugin. */
    @Test
    void unknownOptionFailsNamingThePlugin() {
        ReparameterizerPlugin plugin = plugin();
        assertThatThrownBy(() -> plugin.parseOptions(Map.of("no-such-option", "1")))
                .isInstanceOf(InvalidOptionException.class)
                .hasMessageContaining("no-such-option")
                .hasMessageContaining(plugin.getId());
    }

    /** Each of {@link #invalidOptions()} is rejected naming its option. */
    @Test
    void invalidOptionsAreRejectedNamingTheOption() {
        ReparameterizerPlugin plugin = plugin();
        for (Map<String, ?> values : invalidOptions()) {
            String name = values.keySet().iterator().next();
            assertThatThrownBy(() -> plugin.parseOptions(values))
                    .as("options %s", values)
                    .isInstanceOf(InvalidOptionException.class)
                    .hasMessageContaining("'" + name + "'")
                    .hasMessageContaining(plugin.getId());
        }
    }

    /** The prompt is {@code (n, d)} in training and evaluation mode, for several shapes. */
    @Test
    void keepsTheShapeOfThePrompt() {
        for (PromptShape shape : SHAPES) {
            SoftPrompt prompt = newPrompt(shape, 1, DataType.FLOAT32);
            ParameterStore store = new ParameterStore(manager(), false);
            checkLayerOutputShapes(prompt, shape, store);
            if (!prompt.insertsInputPrompt()) {
                continue;
            }
            assertThat(prompt.computePrompt(store, false).getShape()).as("eval output for %s", shape)
                    .isEqualTo(shape.toShape());
            assertThat(prompt.computePrompt(store, true).getShape()).as("training output for %s", shape)
                    .isEqualTo(shape.toShape());
            if (prompt.hasPromptParameter()) {
                assertThat(prompt.getReparameterizer().getOutputShapes(new Shape[] {shape.toShape()}))
                        .containsExactly(shape.toShape());
            }
        }
    }

    /** An input of another shape than Φ was created for fails with a shape mismatch (methods with a Φ only). */
    @Test
    void rejectsInputsOfAnotherShape() {
        SoftPrompt prompt = newPrompt(SMALL, 1, DataType.FLOAT32);
        Assumptions.assumeTrue(prompt.hasPromptParameter(), "the method owns its parameters and has no Φ");
        Reparameterizer phi = prompt.getReparameterizer();
        ParameterStore store = new ParameterStore(manager(), false);
        for (Shape wrong : List.of(new Shape(SMALL.length() + 1, SMALL.width()),
                new Shape(SMALL.length(), SMALL.width() + 1), new Shape(1, SMALL.length(), SMALL.width()))) {
            NDArray input = manager().zeros(wrong);
            assertThatThrownBy(() -> phi.reparameterize(store, input, false))
                    .as("input of shape %s", wrong)
                    .isInstanceOf(ShapeMismatchException.class)
                    .hasMessageContaining(SMALL.toString());
        }
    }

    /**
     * After one training step, gradients of a scalar loss of {@code P'} (and of the text update,
     * if any) reach every trainable parameter: {@code P} and Φ's, or all of a method's own.
     */
    @Test
    void gradientsReachThePromptAndEveryParameter() {
        SoftPrompt prompt = newPrompt(SMALL, 3, DataType.FLOAT32);
        // one step first: a factor that starts at zero (LoRA-style) blocks its partner's gradient at init only
        trainBriefly(prompt, newOptimizer(prompt), 0, 1);
        NDArray weights = manager().create(ParameterValues.uniformFloats(11, (int) SMALL.size(), 1), SMALL.toShape());
        NDArray updateWeights = manager().create(
                ParameterValues.uniformFloats(12, TEXT_LENGTH * SMALL.width(), 1), new Shape(TEXT_LENGTH, SMALL.width()));
        try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
            collector.backward(weightedLoss(prompt, new ParameterStore(manager(), false), true, weights, updateWeights));
        }
        int trainable = 0;
        for (Pair<String, Parameter> entry : prompt.getParameters()) {
            if (!entry.getValue().requiresGradient()) {
                continue;
            }
            trainable++;
            double[] gradient = ParameterValues.read(entry.getValue().getArray().getGradient());
            assertThat(java.util.Arrays.stream(gradient)).as("gradient of %s", entry.getKey()).allMatch(Double::isFinite);
            assertThat(maxAbs(gradient)).as("largest gradient of %s", entry.getKey()).isGreaterThan(0);
        }
        assertThat(trainable).as("trainable parameters").isGreaterThanOrEqualTo(1);
        if (prompt.hasPromptParameter()) {
            assertThat(prompt.getPromptParameter().requiresGradient()).as("P is trainable").isTrue();
        }
    }

    /**
     * Autograd gradients of {@code sum(P' * R)} (plus {@code sum(U * S)} for a text update
     * {@code U}) for every trainable parameter agree with central finite differences, all in
     * double precision (evaluation mode, so dropout is off).
     */
    @Test
    void gradientsAgreeWithFiniteDifferences() {
        SoftPrompt prompt = newPrompt(SMALL, 5, DataType.FLOAT64);
        NDArray weights = manager().create(ParameterValues.uniform(13, (int) SMALL.size(), 1), SMALL.toShape());
        NDArray updateWeights = manager().create(
                ParameterValues.uniform(14, TEXT_LENGTH * SMALL.width(), 1), new Shape(TEXT_LENGTH, SMALL.width()));
        ParameterStore store = new ParameterStore(manager(), false);
        try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
            collector.backward(weightedLoss(prompt, store, false, weights, updateWeights));
        }
        Random random = new Random(17);
        double step = 1e-6;
        for (Pair<String, Parameter> entry : prompt.getParameters()) {
            if (!entry.getValue().requiresGradient()) {
                continue;
            }
            NDArray array = entry.getValue().getArray();
            double[] gradient = ParameterValues.read(array.getGradient());
            double[] values = ParameterValues.read(array);
            List<Integer> probes = probes(gradient, random);
            for (int i : probes) {
                double original = values[i];
                values[i] = original + step;
                ParameterValues.overwrite(array, values);
                double plus = loss(prompt, store, weights, updateWeights);
                values[i] = original - step;
                ParameterValues.overwrite(array, values);
                double minus = loss(prompt, store, weights, updateWeights);
                values[i] = original;
                ParameterValues.overwrite(array, values);
                double numeric = (plus - minus) / (2 * step);
                assertThat(gradient[i])
                        .as("d loss / d %s[%d]: autograd %s, finite difference %s", entry.getKey(), i, gradient[i],
                                numeric)
                        .isCloseTo(numeric, org.assertj.core.data.Offset.offset(1e-6 + 1e-5 * Math.abs(numeric)));
            }
        }
    }

    /** The same seed (engine and prompt init) gives bit-identical initial prompts and text updates. */
    @Test
    void sameSeedGivesIdenticalPrompts() {
        SoftPrompt first = newPrompt(SMALL, 21, DataType.FLOAT32);
        SoftPrompt second = newPrompt(SMALL, 21, DataType.FLOAT32);
        assertThat(floatBits(snapshot(second))).as("outputs of two prompts from one seed, bit for bit")
                .containsExactly(floatBits(snapshot(first)));
        assertThat(parameterBytes(second)).as("every parameter, byte for byte").isEqualTo(parameterBytes(first));
    }

    /**
     * A text update has {@code (T, d)} rows for a batch of length {@code T}; row {@code t} does not
     * depend on {@code T}; rows past {@link TextEmbeddingUpdate#getMaxTextLength()} are zero; the
     * length is the context's. Methods without a text update pass trivially.
     */
    @Test
    void textEmbeddingUpdateIsPerTokenAndStopsAtItsLength() {
        SoftPrompt prompt = newPrompt(SMALL, 25, DataType.FLOAT32);
        TextEmbeddingUpdate update = prompt.getTextEmbeddingUpdate();
        if (update == null) {
            return;
        }
        trainBriefly(prompt, newOptimizer(prompt), 0, 2);
        ParameterStore store = new ParameterStore(manager(), false);
        assertThat(update.getMaxTextLength()).as("rows of the update, from the creation context").isEqualTo(TEXT_LENGTH);
        int longer = TEXT_LENGTH + 3;
        float[] full = update.computeUpdate(store, longer, false).toFloatArray();
        assertThat(full).as("values of an update of %d rows", longer).hasSize(longer * SMALL.width());
        int rows = TEXT_LENGTH * SMALL.width();
        assertThat(java.util.Arrays.copyOfRange(full, rows, full.length)).as("rows past the update's length")
                .containsOnly(0f);
        assertThat(maxAbs(toDoubles(java.util.Arrays.copyOfRange(full, 0, rows)))).as("the trained rows")
                .isGreaterThan(0);
        for (int length : List.of(1, TEXT_LENGTH - 1, TEXT_LENGTH)) {
            NDArray part = update.computeUpdate(store, length, false);
            assertThat(part.getShape()).isEqualTo(new Shape(length, SMALL.width()));
            assertThat(floatBits(part.toFloatArray())).as("an update of %d rows vs. the first rows of a longer one", length)
                    .containsExactly(floatBits(java.util.Arrays.copyOfRange(full, 0, length * SMALL.width())));
        }
    }

    /**
     * {@link SoftPrompt#export()} equals the evaluation-mode forward pass bit for bit, and the
     * adapter folder holds exactly one tensor of {@code n × d} values that reads back equal.
     */
    @Test
    void exportEqualsEvalForwardAndRoundTripsThroughFiles(@TempDir Path folder) throws IOException {
        SoftPrompt prompt = newPrompt(SMALL, 23, DataType.FLOAT32);
        trainBriefly(prompt, newOptimizer(prompt), 0, 2);
        if (!prompt.insertsInputPrompt()) {
            assertThatThrownBy(prompt::export).as("export of a method that inserts nothing at the input")
                    .isInstanceOf(PeftException.class);
            return;
        }
        PromptEmbeddings exported = prompt.export();
        float[] forward = prompt.computePrompt(new ParameterStore(manager(), false), false).toFloatArray();
        assertThat(exported.shape()).isEqualTo(SMALL);
        assertThat(floatBits(exported.values())).as("export vs. eval forward, bit for bit")
                .containsExactly(floatBits(forward));

        PromptAdapterFiles.write(folder, new PromptAdapter(AdapterConfig.promptTuning(SMALL, 6, 12, null), exported));
        try (Stream<Path> files = Files.list(folder)) {
            assertThat(files.map(p -> p.getFileName().toString()))
                    .containsExactlyInAnyOrder(PromptAdapterFiles.CONFIG_FILE, PromptAdapterFiles.WEIGHTS_FILE);
        }
        try (InputStream in = Files.newInputStream(folder.resolve(PromptAdapterFiles.WEIGHTS_FILE));
                NDManager scratch = manager().newSubManager()) {
            NDList tensors = NDList.decode(scratch, in);
            assertThat(tensors).as("tensors in the exported file").hasSize(1);
            assertThat(tensors.get(0).getName()).isEqualTo(PromptAdapterFiles.PROMPT_KEY);
            assertThat(tensors.get(0).getShape()).isEqualTo(SMALL.toShape());
            assertThat(tensors.get(0).getDataType()).isEqualTo(DataType.FLOAT32);
        }
        PromptAdapter read = PromptAdapterFiles.read(folder);
        assertThat(read.embeddings()).isEqualTo(exported);
        assertThat(read.config().promptShape()).isEqualTo(SMALL);
    }

    /**
     * Saving {@code P}, Φ and the AdamW moments after three steps, restoring them into a fresh
     * soft prompt (built from another seed) and taking the fourth step gives the same {@code P'},
     * bit for bit, as taking four steps without stopping.
     */
    @Test
    void resumingFromSavedStateIsExact() throws Exception {
        SoftPrompt original = newPrompt(SMALL, 31, DataType.FLOAT32);
        AdamW optimizer = newOptimizer(original);
        trainBriefly(original, optimizer, 0, 3);
        byte[] parameters = saveParameters(original);
        byte[] moments = encode(optimizer.state());
        long steps = optimizer.getStep();
        trainBriefly(original, optimizer, 3, 1);
        float[] uninterrupted = snapshot(original);

        SoftPrompt resumed = newPrompt(SMALL, 32, DataType.FLOAT32);
        assertThat(floatBits(snapshot(resumed))).as("a fresh prompt from another seed starts elsewhere")
                .isNotEqualTo(floatBits(uninterrupted));
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(parameters))) {
            resumed.loadParameters(manager(), in);
        }
        for (Pair<String, Parameter> entry : resumed.getParameters()) {
            if (entry.getValue().requiresGradient()) {
                entry.getValue().getArray().setRequiresGradient(true);
            }
        }
        assertThat(saveParameters(resumed)).as("parameters after load, byte for byte").isEqualTo(parameters);
        AdamW restored = newOptimizer(resumed);
        try (NDManager scratch = manager().newSubManager()) {
            restored.restore(NDList.decode(scratch, moments), steps);
        }
        trainBriefly(resumed, restored, 3, 1);
        float[] afterResume = snapshot(resumed);

        assertThat(floatBits(afterResume)).as("P' (or the layer outputs) after resuming vs. never stopping, bit for bit")
                .containsExactly(floatBits(uninterrupted));
    }

    /** Options parsed from {@link #optionsForTest()}. */
    protected final Options options() {
        return plugin().parseOptions(optionsForTest());
    }

    /**
     * The creation context the checks give a method: {@code shape}, a word-embedding matrix of
     * {@value #VOCABULARY} rows of values in [-1, 1), {@value #LAYERS} layers, 2 heads, a
     * feed-forward width of {@value #INTERMEDIATE_FACTOR}{@code ·d}, texts of at most
     * {@value #TEXT_LENGTH} tokens, uniform init, and {@code seed}.
     */
    protected final PromptCreationContext context(PromptShape shape, long seed) {
        NDArray vocabulary = manager().create(
                ParameterValues.uniformFloats(7, VOCABULARY * shape.width(), 1), new Shape(VOCABULARY, shape.width()));
        return PromptCreationContext.builder(shape).optWordEmbeddings(vocabulary).optLayers(LAYERS, 2)
                .optIntermediateSize(INTERMEDIATE_FACTOR * shape.width())
                .optMaxTextLength(TEXT_LENGTH).optSeed(seed).build();
    }

    private SoftPrompt newPrompt(PromptShape shape, int seed, DataType dataType) {
        Engine.getInstance().setRandomSeed(seed);
        SoftPrompt prompt = SoftPrompt.create(plugin(), options(), context(shape, seed));
        prompt.initialize(manager(), dataType);
        return prompt;
    }

    /** {@code sum(P' * weights)}, plus {@code sum(U * updateWeights)} for a text update {@code U} of {@value #TEXT_LENGTH} rows. */
    private NDArray weightedLoss(SoftPrompt prompt, ParameterStore store, boolean training, NDArray weights,
            NDArray updateWeights) {
        NDArray loss = prompt.insertsInputPrompt() ? prompt.computePrompt(store, training).mul(weights).sum()
                : manager().zeros(new Shape(), weights.getDataType());
        List<NDArray> layerOutputs = layerOutputs(prompt, store, training);
        for (int k = 0; k < layerOutputs.size(); k++) {
            loss = loss.add(layerOutputs.get(k).mul(fixedValues(60 + k, layerOutputs.get(k))).sum());
        }
        TextEmbeddingUpdate update = prompt.getTextEmbeddingUpdate();
        if (update != null) {
            loss = loss.add(update.computeUpdate(store, TEXT_LENGTH, training).mul(updateWeights).sum());
        }
        return loss;
    }

    /** Steps {@code from .. from+count-1} of AdamW on {@code sum((P' - T)^2)}, each with its own engine seed. */
    private void trainBriefly(SoftPrompt prompt, AdamW optimizer, int from, int count) {
        PromptShape shape = prompt.getPromptShape();
        NDArray target = manager().create(ParameterValues.uniformFloats(41, (int) shape.size(), 1), shape.toShape());
        NDArray updateTarget = manager().create(ParameterValues.uniformFloats(42, TEXT_LENGTH * shape.width(), 1),
                new Shape(TEXT_LENGTH, shape.width()));
        @Nullable TextEmbeddingUpdate update = prompt.getTextEmbeddingUpdate();
        for (int step = from; step < from + count; step++) {
            // Seeding every step makes dropout masks a function of the step, as a resumable trainer must.
            Engine.getInstance().setRandomSeed(1000 + step);
            try (NDScope scope = new NDScope()) {
                try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                    ParameterStore store = new ParameterStore(manager(), false);
                    NDArray loss = prompt.insertsInputPrompt() ? prompt.computePrompt(store, true).sub(target).square().sum()
                            : manager().zeros(new Shape());
                    List<NDArray> layerOutputs = layerOutputs(prompt, store, true);
                    for (int k = 0; k < layerOutputs.size(); k++) {
                        loss = loss.add(layerOutputs.get(k).sub(fixedValues(70 + k, layerOutputs.get(k))).square().sum());
                    }
                    if (update != null) {
                        loss = loss.add(update.computeUpdate(store, TEXT_LENGTH, true).sub(updateTarget).square().sum());
                    }
                    collector.backward(loss);
                }
            }
            optimizer.update();
        }
    }

    /** AdamW (lr 0.05, weight decay 1e-5) over the prompt's trainable parameters, as a trainer would run it. */
    private AdamW newOptimizer(SoftPrompt prompt) {
        Map<String, Parameter> trainable = new LinkedHashMap<>();
        for (Pair<String, Parameter> entry : prompt.getParameters()) {
            if (entry.getValue().requiresGradient()) {
                trainable.put(entry.getKey(), entry.getValue());
            }
        }
        return new AdamW(manager(), List.of(new AdamW.Group("prompt", trainable, 0.05f)), 0.9f, 0.999f, 1e-8f, 1e-5f);
    }

    /**
     * What a method computes inside the layers, in a fixed order: its prefix {@code (L, 2, n, d)},
     * then for every layer and target the update of a fixed input of {@value #UPDATE_ROWS} rows.
     * Empty for a method that acts only at the input.
     */
    private List<NDArray> layerOutputs(SoftPrompt prompt, ParameterStore store, boolean training) {
        List<NDArray> outputs = new ArrayList<>();
        LayerPrefix prefix = prompt.getLayerPrefix();
        if (prefix != null) {
            outputs.add(prefix.computePrefix(store, training));
        }
        LowRankUpdate update = prompt.getLowRankUpdate();
        if (update != null) {
            int d = prompt.getPromptShape().width();
            DataType dataType = prompt.getParameters().valueAt(0).getArray().getDataType();
            for (int layer = 0; layer < LAYERS; layer++) {
                for (LinearTarget target : update.getTargets()) {
                    int in = target.inFeatures(d, INTERMEDIATE_FACTOR * d);
                    NDArray input = manager().create(ParameterValues.uniform(50 + target.ordinal(), UPDATE_ROWS * in, 1),
                            new Shape(UPDATE_ROWS, in)).toType(dataType, false);
                    outputs.add(update.computeDelta(store, layer, target, input, training));
                }
            }
        }
        return outputs;
    }

    /** Values in [-1, 1) drawn from {@code seed}, of {@code like}'s shape and type. */
    private NDArray fixedValues(long seed, NDArray like) {
        return manager().create(ParameterValues.uniform(seed, Math.toIntExact(like.size()), 1), like.getShape())
                .toType(like.getDataType(), false);
    }

    /** The shapes of the prefix, factors, weight changes and updates; all values finite. */
    private void checkLayerOutputShapes(SoftPrompt prompt, PromptShape shape, ParameterStore store) {
        int d = shape.width();
        int inner = INTERMEDIATE_FACTOR * d;
        LayerPrefix prefix = prompt.getLayerPrefix();
        if (prefix != null) {
            assertThat(prefix.getPrefixLength()).as("prefix length for %s", shape).isEqualTo(shape.length());
            for (boolean training : new boolean[] {false, true}) {
                NDArray value = prefix.computePrefix(store, training);
                assertThat(value.getShape()).as("prefix for %s (training %s)", shape, training)
                        .isEqualTo(new Shape(LAYERS, 2, shape.length(), d));
                assertThat(java.util.Arrays.stream(ParameterValues.read(value))).as("prefix values").allMatch(Double::isFinite);
            }
        }
        LowRankUpdate update = prompt.getLowRankUpdate();
        if (update != null) {
            assertThat(update.getTargets()).as("targets of the low-rank update").isNotEmpty();
            assertThat(Double.isFinite(update.getScale())).as("scale %s is finite", update.getScale()).isTrue();
            for (int layer = 0; layer < LAYERS; layer++) {
                for (LinearTarget target : update.getTargets()) {
                    int in = target.inFeatures(d, inner);
                    int out = target.outFeatures(d, inner);
                    NDList factors = update.computeFactors(store, layer, target);
                    assertThat(factors).as("factors of layer %d, %s", layer, target.id()).hasSize(2);
                    long rank = factors.get(0).getShape().get(0);
                    assertThat(factors.get(0).getShape()).as("A of layer %d, %s", layer, target.id())
                            .isEqualTo(new Shape(rank, in));
                    assertThat(factors.get(1).getShape()).as("B of layer %d, %s", layer, target.id())
                            .isEqualTo(new Shape(out, rank));
                    assertThat(update.computeWeightDelta(store, layer, target).getShape())
                            .as("weight change of layer %d, %s", layer, target.id()).isEqualTo(new Shape(out, in));
                    NDArray input = manager().ones(new Shape(UPDATE_ROWS, in));
                    for (boolean training : new boolean[] {false, true}) {
                        NDArray delta = update.computeDelta(store, layer, target, input, training);
                        assertThat(delta.getShape()).as("update of layer %d, %s", layer, target.id())
                                .isEqualTo(new Shape(UPDATE_ROWS, out));
                        assertThat(java.util.Arrays.stream(ParameterValues.read(delta))).as("update values")
                                .allMatch(Double::isFinite);
                    }
                }
            }
        }
    }

    /** {@code P'} from {@link SoftPrompt#export()}, then every layer output in evaluation mode, as floats. */
    private float[] snapshot(SoftPrompt prompt) {
        List<float[]> parts = new ArrayList<>();
        if (prompt.insertsInputPrompt()) {
            parts.add(prompt.export().values());
        }
        try (NDScope scope = new NDScope()) {
            for (NDArray output : layerOutputs(prompt, new ParameterStore(manager(), false), false)) {
                parts.add(output.toType(DataType.FLOAT32, false).toFloatArray());
            }
        }
        int size = parts.stream().mapToInt(p -> p.length).sum();
        float[] all = new float[size];
        int at = 0;
        for (float[] part : parts) {
            System.arraycopy(part, 0, all, at, part.length);
            at += part.length;
        }
        return all;
    }

    private static byte[] encode(NDList arrays) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        arrays.encode(bytes, NDList.Encoding.SAFETENSORS);
        return bytes.toByteArray();
    }

    private static byte[] saveParameters(SoftPrompt prompt) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            prompt.saveParameters(out);
        }
        return bytes.toByteArray();
    }

    private double loss(SoftPrompt prompt, ParameterStore store, NDArray weights, NDArray updateWeights) {
        // A scope, not close(): an identity Φ returns a view of P, which must survive.
        try (NDScope scope = new NDScope()) {
            return weightedLoss(prompt, store, false, weights, updateWeights).toDoubleArray()[0];
        }
    }

    private static byte[] parameterBytes(SoftPrompt prompt) {
        try {
            return saveParameters(prompt);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static double[] toDoubles(float[] values) {
        double[] doubles = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            doubles[i] = values[i];
        }
        return doubles;
    }

    /** Up to eight indices: the largest gradient and random others. */
    private static List<Integer> probes(double[] gradient, Random random) {
        List<Integer> probes = new ArrayList<>();
        int largest = 0;
        for (int i = 1; i < gradient.length; i++) {
            if (Math.abs(gradient[i]) > Math.abs(gradient[largest])) {
                largest = i;
            }
        }
        probes.add(largest);
        for (int k = 0; k < Math.min(7, gradient.length - 1); k++) {
            probes.add(random.nextInt(gradient.length));
        }
        return probes;
    }

    private static double maxAbs(double[] values) {
        double max = 0;
        for (double v : values) {
            max = Math.max(max, Math.abs(v));
        }
        return max;
    }

    private static int[] floatBits(float[] values) {
        int[] bits = new int[values.length];
        for (int i = 0; i < values.length; i++) {
            bits[i] = Float.floatToRawIntBits(values[i]);
        }
        return bits;
    }

}
