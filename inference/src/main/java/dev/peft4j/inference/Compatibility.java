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

    /**
     * Checks a prefix or LoRA adapter against {@code backbone}: its layers, width and heads, and
     * every LoRA factor's shape against the targeted linear layer's.
     *
     * @throws ShapeMismatchException when the width or a factor's shape does not fit
     * @throws PeftException when the number of layers or heads differs
     */
    static void check(LayerAdapter adapter, Backbone backbone, Path source) {
        String base = adapter.baseModel() == null ? "" : " ('" + adapter.baseModel() + "')";
        int width = backbone.getPromptableEncoder().getHiddenSize();
        if (backbone.isTextToText()) {
            throw new PeftException("The " + adapter.peftType() + " adapter in " + source + " is for a BERT-family "
                    + "encoder; the backbone '" + backbone.getName() + "' is a T5. Use the backbone it was trained on"
                    + base + ".");
        }
        if (adapter.hiddenSize() != width) {
            throw new ShapeMismatchException("The " + adapter.peftType() + " adapter in " + source + " is for width "
                    + adapter.hiddenSize() + " but the backbone '" + backbone.getName() + "' has width " + width
                    + ". Use the backbone it was trained on" + base + ".");
        }
        if (adapter.numLayers() != backbone.getNumLayers()) {
            throw new PeftException("The " + adapter.peftType() + " adapter in " + source + " has "
                    + adapter.numLayers() + " layers but the backbone '" + backbone.getName() + "' has "
                    + backbone.getNumLayers() + ". Use the backbone it was trained on" + base + ".");
        }
        if (adapter instanceof PrefixTuningAdapter prefix && prefix.numAttentionHeads() != backbone.getNumAttentionHeads()) {
            throw new PeftException("The prefix in " + source + " was made for num_attention_heads "
                    + prefix.numAttentionHeads() + " but the backbone '" + backbone.getName() + "' has "
                    + backbone.getNumAttentionHeads() + ". Use the backbone it was trained on" + base + ".");
        }
        if (adapter instanceof LoraAdapter lora) {
            int intermediate = backbone.getIntermediateSize();
            for (LoraAdapter.Factors f : lora.factors()) {
                long in = f.target().inFeatures(width, intermediate);
                long out = f.target().outFeatures(width, intermediate);
                if (f.a().length != lora.rank() * in || f.b().length != out * lora.rank()) {
                    throw new ShapeMismatchException("The LoRA factors of layer " + f.layer() + " "
                            + f.target().huggingFaceModule() + " in " + source + " do not fit the backbone '"
                            + backbone.getName() + "': its " + f.target().id() + " layer maps " + in + " to " + out
                            + " features, so A must be (" + lora.rank() + ", " + in + ") and B (" + out + ", "
                            + lora.rank() + "). Use the backbone it was trained on" + base + ".");
                }
            }
        }
    }

    private static String base(AdapterConfig config) {
        return config.baseModelNameOrPath() == null ? "" : " ('" + config.baseModelNameOrPath() + "')";
    }
}
