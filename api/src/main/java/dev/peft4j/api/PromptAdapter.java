package dev.peft4j.api;

/**
 * An exported prompt with its adapter config: the content of a prompt adapter folder.
 *
 * @param config     the adapter config
 * @param embeddings {@code P'}, whose shape equals the config's
 * @since 1.0
 */
public record PromptAdapter(AdapterConfig config, PromptEmbeddings embeddings) {

    /**
     * Checks that the config and the values agree.
     *
     * @since 1.0
     */
    public PromptAdapter {
        if (!config.promptShape().equals(embeddings.shape())) {
            throw new ShapeMismatchException("Adapter config declares a prompt of shape " + config.promptShape()
                    + " but the embeddings have shape " + embeddings.shape());
        }
    }
}
