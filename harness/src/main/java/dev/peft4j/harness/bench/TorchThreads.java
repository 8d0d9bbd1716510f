package dev.peft4j.harness.bench;

import java.lang.reflect.Method;

/**
 * libtorch's thread pools through DJL's PyTorch JNI utilities, looked up reflectively because the
 * harness compiles against DJL's API only; -1 when the engine is not PyTorch.
 */
final class TorchThreads {

    private static final String JNI_UTILS = "ai.djl.pytorch.jni.JniUtils";

    private TorchThreads() {}

    static int intraOp() {
        return call("getNumThreads");
    }

    static int interOp() {
        return call("getNumInteropThreads");
    }

    static void set(int threads) {
        try {
            Method method = Class.forName(JNI_UTILS).getMethod("setNumThreads", int.class);
            method.invoke(null, threads);
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new dev.peft4j.api.PeftException("Cannot set libtorch's thread count (" + e
                    + "); --threads needs the PyTorch engine", e);
        }
    }

    private static int call(String name) {
        try {
            return (Integer) Class.forName(JNI_UTILS).getMethod(name).invoke(null);
        } catch (ReflectiveOperationException | RuntimeException e) {
            return -1;
        }
    }
}
