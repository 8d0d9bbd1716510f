package dev.peft4j.api.internal;

import ai.djl.engine.Engine;
import dev.peft4j.api.PeftException;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.function.Supplier;

/**
 * Starts DJL's engine before peft4j reads any file, so that an application without the PyTorch
 * native library learns which dependency to add, instead of a message that blames a good file.
 * Without the native jar DJL tries to download libtorch on first use; offline that fails with an
 * {@code UnknownHostException} deep inside the first array operation.
 */
public final class EngineCheck {

    /** The engine peft4j's backbones run on. */
    public static final String PYTORCH = "PyTorch";

    /** The versions peft4j is built and tested with, for when the engine jar itself is missing. */
    private static final String TESTED_DJL = "0.36.0";
    private static final String TESTED_PYTORCH = "2.7.1";

    private EngineCheck() {}

    /**
     * The default engine (the one {@code NDManager.newBaseManager()} uses), started.
     *
     * @throws PeftException naming the dependencies to add when it cannot start
     */
    public static Engine require() {
        return require(Engine::getInstance);
    }

    /**
     * The engine named {@code engineName}, started.
     *
     * @throws PeftException naming the dependencies to add when it cannot start
     */
    public static Engine require(String engineName) {
        return require(() -> Engine.getEngine(engineName));
    }

    /** Runs {@code lookup}, turning its failure into an actionable message. */
    static Engine require(Supplier<Engine> lookup) {
        try {
            return lookup.get();
        } catch (RuntimeException | LinkageError e) {
            throw new PeftException(message(e, platform(System.getProperty("os.name", ""),
                    System.getProperty("os.arch", ""))), e);
        }
    }

    /** The message for {@code failure} on {@code platform} (DJL's classifier, e.g. {@code linux-x86_64}). */
    static String message(Throwable failure, String platform) {
        String[] versions = versions();
        String djl = versions[0];
        String pytorch = versions[1];
        boolean noEngineJar = mentions(failure, "engine not found") || mentions(failure, "No deep learning engine");
        StringBuilder text = new StringBuilder("peft4j cannot start DJL's PyTorch engine on this machine (")
                .append(platform).append("): ").append(causes(failure)).append(". ");
        if (noEngineJar) {
            text.append("The application has no DJL PyTorch engine on its class path. ");
        } else if (downloadFailed(failure)) {
            text.append("The application has no PyTorch native library for this platform, and DJL could not "
                    + "download one (no network, or offline mode). ");
        } else {
            text.append("The PyTorch native library did not load. ");
        }
        text.append("Add these runtime dependencies: ai.djl.pytorch:pytorch-native-cpu:").append(pytorch)
                .append(" with classifier ").append(platform).append(" and ai.djl.pytorch:pytorch-jni:")
                .append(pytorch).append('-').append(djl);
        if (noEngineJar) {
            text.append(", and ai.djl.pytorch:pytorch-engine:").append(djl);
        }
        text.append(". On a CUDA machine use ai.djl.pytorch:pytorch-native-cu128 instead of pytorch-native-cpu, or "
                + "set PYTORCH_LIBRARY_PATH to the lib folder of an installed libtorch ").append(pytorch)
                .append(". The peft4j-inference README lists the native artifacts for each platform.");
        return text.toString();
    }

    /** DJL's platform classifier for an {@code os.name} and {@code os.arch}. */
    static String platform(String osName, String osArch) {
        String name = osName.toLowerCase(Locale.ROOT);
        String os = name.startsWith("mac") || name.contains("darwin") ? "osx"
                : name.startsWith("windows") ? "win" : name.startsWith("linux") ? "linux" : name.replace(' ', '-');
        String arch = osArch.toLowerCase(Locale.ROOT);
        String cpu = arch.equals("amd64") || arch.equals("x86_64") ? "x86_64"
                : arch.equals("aarch64") || arch.equals("arm64") ? "aarch64" : arch;
        return os + "-" + cpu;
    }

    /** DJL's and PyTorch's versions from the engine jar, else the ones peft4j is tested with. */
    private static String[] versions() {
        Properties properties = new Properties();
        try (InputStream in = EngineCheck.class.getClassLoader().getResourceAsStream("pytorch-engine.properties")) {
            if (in != null) {
                properties.load(in);
            }
        } catch (IOException e) {
            // fall back to the tested versions below
        }
        return new String[] {properties.getProperty("djl_version", TESTED_DJL),
            properties.getProperty("pytorch_version", TESTED_PYTORCH)};
    }

    private static boolean downloadFailed(Throwable failure) {
        for (Throwable t : chain(failure)) {
            String message = String.valueOf(t.getMessage()).toLowerCase(Locale.ROOT);
            if (t instanceof UnknownHostException || t instanceof ConnectException || message.contains("offline")
                    || message.contains("download")) {
                return true;
            }
        }
        return false;
    }

    private static boolean mentions(Throwable failure, String words) {
        return chain(failure).stream().anyMatch(t -> String.valueOf(t.getMessage()).contains(words));
    }

    /** {@code failure} and its causes, at most eight (a cause chain may loop). */
    private static List<Throwable> chain(Throwable failure) {
        List<Throwable> chain = new ArrayList<>();
        for (Throwable t = failure; t != null && chain.size() < 8 && !chain.contains(t); t = t.getCause()) {
            chain.add(t);
        }
        return chain;
    }

    /** The chain of causes, one {@code Class: message} each, at most four. */
    private static String causes(Throwable failure) {
        StringBuilder text = new StringBuilder();
        for (Throwable t : chain(failure).subList(0, Math.min(4, chain(failure).size()))) {
            text.append(text.length() == 0 ? "" : "; caused by ").append(t.getClass().getSimpleName());
            if (t.getMessage() != null) {
                text.append(": ").append(t.getMessage());
            }
        }
        return text.toString();
    }
}
