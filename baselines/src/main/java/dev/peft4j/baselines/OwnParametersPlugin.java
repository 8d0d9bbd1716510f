package dev.peft4j.baselines;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.Initializer;
import dev.peft4j.api.ApiVersion;
import dev.peft4j.api.OptionSpec;
import dev.peft4j.api.PromptCreationContext;
import dev.peft4j.api.PromptSource;
import dev.peft4j.api.ReparameterizerPlugin;
import java.util.List;

/**
 * Base of the baselines whose method owns its parameters (API 1.1): holds the fixed id,
 * description and options, and the small helpers their prompt sources share.
 */
abstract class OwnParametersPlugin implements ReparameterizerPlugin {

    private final String id;
    private final String description;
    private final List<OptionSpec> options;

    OwnParametersPlugin(String id, String description, List<OptionSpec> options) {
        this.id = id;
        this.description = description;
        this.options = List.copyOf(options);
    }

    @Override
    public final String getId() {
        return id;
    }

    @Override
    public final String getDescription() {
        return description;
    }

    @Override
    public final ApiVersion getApiVersion() {
        return new ApiVersion(ApiVersion.MAJOR, ApiVersion.MINOR);
    }

    @Override
    public final List<OptionSpec> getOptions() {
        return options;
    }

    @Override
    public abstract PromptSource createPrompt(PromptCreationContext context, dev.peft4j.api.Options options);

    /** A trainable weight of {@code shape} started by {@code initializer}. */
    static Parameter weight(String name, Shape shape, Initializer initializer) {
        return Parameter.builder().setName(name).setType(Parameter.Type.WEIGHT).optShape(shape)
                .optInitializer(initializer).build();
    }

    /** The value of {@code parameter} for this forward pass, on the parameter's own device. */
    static NDArray value(ParameterStore store, Parameter parameter, boolean training) {
        return store.getValue(parameter, parameter.getArray().getDevice(), training);
    }
}
