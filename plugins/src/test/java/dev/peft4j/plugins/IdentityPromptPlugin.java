package dev.peft4j.plugins;

/** A second test plugin on the test class path, without options. */
public final class IdentityPromptPlugin extends TestPlugins.Base {

    @Override
    public String getId() {
        return "identity-prompt";
    }

    @Override
    public String getDescription() {
        return "Test method: the prompt unchanged";
    }
}
