package dev.peft4j.baselines;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.ParameterStore;
import dev.peft4j.api.InvalidOptionException;
import dev.peft4j.api.LinearTarget;
import dev.peft4j.api.LowRankUpdate;
import dev.peft4j.api.PeftException;
import dev.peft4j.api.PromptCreationContext;
import dev.peft4j.api.PromptShape;
import dev.peft4j.api.ReparameterizerPlugin;
import dev.peft4j.api.SoftPrompt;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

/** Options, defaults and refusals of prefix-tuning, residual-prefix and lora. */
class LayerMethodsOptionsTest {

    private static final PromptShape SHAPE = new PromptShape(3, 8);

    private static PromptCreationContext withLayers() {
        return PromptCreationContext.builder(SHAPE).optLayers(2, 2).build();
    }

    @Test
    void theThreeAreDiscoveredAndSayWhatTheyAreWithTheirReference() {
        Map<String, String> descriptions = new java.util.HashMap<>();
        ServiceLoader.load(ReparameterizerPlugin.class).forEach(p -> descriptions.put(p.getId(), p.getDescription()));
        assertThat(descriptions.get(PrefixTuningPlugin.ID)).contains("Prefix tuning", "Li and Liang 2021", "Liu et al. 2022");
        assertThat(descriptions.get(ResidualPrefixPlugin.ID)).contains("Razdaibiedina et al. 2023");
        assertThat(descriptions.get(LoraPlugin.ID)).contains("LoRA", "Hu et al. 2022");
    }

    @Test
    void declaredDefaultsArePefts() {
        assertThat(new PrefixTuningPlugin().parseOptions(Map.of()).asStringMap()).containsExactly(
                Map.entry("projection", "false"), Map.entry("projection-hidden", "0"));
        assertThat(new ResidualPrefixPlugin().parseOptions(Map.of()).asStringMap()).containsExactly(
                Map.entry("bottleneck", "400"), Map.entry("activation", "relu"), Map.entry("layer-norm", "true"),
                Map.entry("dropout", "0.0"));
        assertThat(new LoraPlugin().parseOptions(Map.of()).asStringMap()).containsExactly(
                Map.entry("rank", "8"), Map.entry("alpha", "8.0"), Map.entry("dropout", "0.0"),
                Map.entry("targets", "query,value"));
    }

    @Test
    void loraTargetsAreParsedWithTheirIdsOrModuleNames() {
        LoraPlugin plugin = new LoraPlugin();
        assertThat(LoraPlugin.targets(plugin.parseOptions(Map.of()))).containsExactly(LinearTarget.QUERY, LinearTarget.VALUE);
        assertThat(LoraPlugin.targets(plugin.parseOptions(Map.of("targets", "output+ Attention.Output,intermediate.dense"))))
                .containsExactly(LinearTarget.ATTENTION_OUTPUT, LinearTarget.INTERMEDIATE, LinearTarget.OUTPUT);
    }

    @Test
    void aBadLoraTargetIsRefusedWhenTheOptionsAreReadNamingTheValidOnes() {
        LoraPlugin plugin = new LoraPlugin();
        assertThatThrownBy(() -> plugin.parseOptions(Map.of("targets", "query,dense")))
                .isInstanceOf(InvalidOptionException.class)
                .hasMessageContaining("'targets'").hasMessageContaining("'lora'").hasMessageContaining("'dense'")
                .hasMessageContaining("attention.output");
        assertThatThrownBy(() -> plugin.parseOptions(Map.of("targets", "value,query,value")))
                .isInstanceOf(InvalidOptionException.class).hasMessageContaining("twice");
        assertThatThrownBy(() -> plugin.parseOptions(Map.of("targets", " ,")))
                .isInstanceOf(InvalidOptionException.class).hasMessageContaining("at least one");
        for (Map<String, String> bad : List.of(Map.of("rank", "0"), Map.of("alpha", "-1"), Map.of("dropout", "1"))) {
            assertThatThrownBy(() -> plugin.parseOptions(bad)).as("%s", bad).isInstanceOf(InvalidOptionException.class)
                    .hasMessageContaining("'" + bad.keySet().iterator().next() + "'");
        }
        assertThatThrownBy(() -> new PrefixTuningPlugin().parseOptions(Map.of("projection-hidden", "-2")))
                .isInstanceOf(InvalidOptionException.class).hasMessageContaining("'projection-hidden'");
    }

    @Test
    void everyLayerMethodRefusesAContextWithoutLayers() {
        PromptCreationContext none = PromptCreationContext.builder(SHAPE).build();
        for (ReparameterizerPlugin plugin : List.of(new PrefixTuningPlugin(), new ResidualPrefixPlugin(), new LoraPlugin())) {
            assertThatThrownBy(() -> SoftPrompt.create(plugin, plugin.parseOptions(Map.of()), none))
                    .as(plugin.getId()).isInstanceOf(PeftException.class)
                    .hasMessageContaining("'" + plugin.getId() + "'").hasMessageContaining("optLayers");
        }
    }

    @Test
    void loraRefusesFeedForwardTargetsWithoutTheIntermediateSize() {
        LoraPlugin plugin = new LoraPlugin();
        for (String target : List.of("intermediate", "query,output")) {
            assertThatThrownBy(() -> SoftPrompt.create(plugin, plugin.parseOptions(Map.of("targets", target)), withLayers()))
                    .as(target).isInstanceOf(PeftException.class).hasMessageContaining("optIntermediateSize");
        }
        assertThat(SoftPrompt.create(plugin, plugin.parseOptions(Map.of("targets", "key,attention.output")), withLayers())
                .getLowRankUpdate()).as("attention targets need no intermediate size").isNotNull();
    }

    @Test
    void layerMethodsInsertNothingAndRefuseToComputeAnInputPrompt() {
        try (NDManager manager = NDManager.newBaseManager()) {
            for (ReparameterizerPlugin plugin : List.of(new PrefixTuningPlugin(), new ResidualPrefixPlugin(), new LoraPlugin())) {
                SoftPrompt prompt = SoftPrompt.create(plugin, plugin.parseOptions(Map.of()), withLayers());
                prompt.initialize(manager, DataType.FLOAT32);
                assertThat(prompt.insertsInputPrompt()).as(plugin.getId()).isFalse();
                assertThatThrownBy(() -> prompt.computePrompt(new ParameterStore(manager, false), false))
                        .as(plugin.getId()).isInstanceOf(PeftException.class).hasMessageContaining("nothing at the input");
            }
        }
    }

    @Test
    void loraRefusesFactorsOfAnUntargetedLayerOrTarget() {
        try (NDManager manager = NDManager.newBaseManager()) {
            SoftPrompt prompt = SoftPrompt.create(new LoraPlugin(), new LoraPlugin().parseOptions(Map.of()), withLayers());
            prompt.initialize(manager, DataType.FLOAT32);
            LowRankUpdate update = Objects.requireNonNull(prompt.getLowRankUpdate());
            ParameterStore store = new ParameterStore(manager, false);
            assertThatThrownBy(() -> update.computeFactors(store, 0, LinearTarget.KEY))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("query, value");
            assertThatThrownBy(() -> update.computeFactors(store, 2, LinearTarget.QUERY))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("layers 0 to 1");
        }
    }
}
