package dev.peft4j.plugins.guice;

import dev.peft4j.api.ApiVersion;
import dev.peft4j.api.OptionSpec;
import dev.peft4j.api.Options;
import dev.peft4j.api.PromptShape;
import dev.peft4j.api.Reparameterizer;
import dev.peft4j.api.ReparameterizerPlugin;
import java.util.List;

/** A plugin under a new id that does what another plugin does. */
class ForwardingPlugin implements ReparameterizerPlugin {
    private final ReparameterizerPlugin delegate;
    private final String id;

    ForwardingPlugin(ReparameterizerPlugin delegate, String id) {
        this.delegate = delegate;
        this.id = id;
    }

    @Override
    public String getId() {
        return id;
    }

    @Override
    public String getDescription() {
        return delegate.getDescription();
    }

    @Override
    public ApiVersion getApiVersion() {
        return delegate.getApiVersion();
    }

    @Override
    public List<OptionSpec> getOptions() {
        return delegate.getOptions();
    }

    @Override
    public Reparameterizer create(PromptShape shape, Options options) {
        return delegate.create(shape, options);
    }
}
