package dev.peft4j.plugins;

import dev.peft4j.api.ApiVersion;
import dev.peft4j.api.OptionSpec;
import dev.peft4j.api.Options;
import dev.peft4j.api.PromptShape;
import dev.peft4j.api.Reparameterizer;
import dev.peft4j.api.ReparameterizerPlugin;
import java.util.List;

/** A second test plugin on the test class path, without options. */
public final class IdentityPromptPlugin implements ReparameterizerPlugin {

    @Override
    public String getId() {
        return "identity-prompt";
    }

    @Override
    public String getDescription() {
        return "Test method: the prompt unchanged";
    }

    @Override
    public ApiVersion getApiVersion() {
        return new ApiVersion(ApiVersion.MAJOR, ApiVersion.MINOR);
    }

    @Override
    public List<OptionSpec> getOptions() {
        return List.of();
    }

    @Override
    public Reparameterizer create(PromptShape shape, Options options) {
        return new ScaledPromptPlugin.Scaled(shape, 1.0);
    }
}
