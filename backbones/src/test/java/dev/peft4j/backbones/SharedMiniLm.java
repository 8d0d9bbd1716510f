package dev.peft4j.backbones;

import ai.djl.Device;

/** One MiniLM backbone on the CPU shared by the test classes of this JVM (loading takes a second or two). */
final class SharedMiniLm {

    private static Backbone backbone;

    private SharedMiniLm() {}

    static synchronized Backbone get() {
        if (backbone == null) {
            backbone = Backbones.load(Backbones.getDefaultName(), Device.cpu());
        }
        return backbone;
    }
}
