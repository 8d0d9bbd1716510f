package dev.peft4j.inference;

import dev.peft4j.api.AdapterConfig;
import dev.peft4j.api.PeftException;
import dev.peft4j.api.ShapeMismatchException;
import dev.peft4j.backbones.Backbone;
import java.nio.file.Path;

/** Checks that a prompt adapter was made for a backbone, before any array is built. */
final class Compatibility {

    private Compatibility() {}

    /**
     * @param config    the adapter config read from {@code source}
     * @param backbone  the backbone the prompt is to be used with
     * @param source    the adapter folder, for messages
     * @param minTokens the fewest text tokens a sequence must keep beside the prompt
     * @throws ShapeMismatchException when {@code token_dim} is not the backbone's width or the prompt
     *     leaves no room for text
     * @throws PeftException when the config names another number of layers or attention heads
     */
    static void check(AdapterConfig config, Backbone backbone, Path source, int minTokens) {
        var encoder = backbone.getPromptableEncoder();
        int width = encoder.getHiddenSize();
        if (config.tokenDim() != width) {
            throw new ShapeMismatchException("The prompt in " + source + " has token_dim " + config.tokenDim()
                    + " but the backbone '" + backbone.getName() + "' has width " + width
                    + ". The prompt was trained for another model; use it with a " + config.tokenDim()
                    + "-wide backbone" + base(config) + ", or train a prompt for this one.");
        }
        if (config.numLayers() > 0 && config.numLayers() != backbone.getNumLayers()) {
            throw new PeftException("The prompt in " + source + " was made for a model with num_layers "
                    + config.numLayers() + " but the backbone '" + backbone.getName() + "' has "
                    + backbone.getNumLayers() + " layers. Use the backbone it was trained on" + base(config) + ".");
        }
        if (config.numAttentionHeads() > 0 && config.numAttentionHeads() != backbone.getNumAttentionHeads()) {
            throw new PeftException("The prompt in " + source + " was made for a model with num_attention_heads "
                    + config.numAttentionHeads() + " but the backbone '" + backbone.getName() + "' has "
                    + backbone.getNumAttentionHeads() + ". Use the backbone it was trained on" + base(config) + ".");
        }
        int positions = encoder.getMaxPositions();
        if (config.numVirtualTokens() + minTokens > positions) {
            throw new ShapeMismatchException("The prompt in " + source + " has num_virtual_tokens "
                    + config.numVirtualTokens() + " but the backbone '" + backbone.getName() + "' has only "
                    + positions + " positions, which leaves no room for " + minTokens + " text tokens.");
        }
    }

    private static String base(AdapterConfig config) {
        return config.baseModelNameOrPath() == null ? "" : " ('" + config.baseModelNameOrPath() + "')";
    }
}
