package dev.peft4j.harness.train;

import ai.djl.engine.Engine;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;
import dev.peft4j.api.InvalidOptionException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * libtorch's process-wide float32 matrix-product precision. Every tensor stays float32; with
 * {@link #BF16_MATMUL} libtorch may compute float32 matrix products with bfloat16 inputs and
 * float32 accumulation (oneDNN on CPUs with AMX-BF16 or AVX512-BF16), which is what
 * {@code torch.set_float32_matmul_precision("medium")} does in Python. DJL 0.36 has no call for
 * it, so this class calls {@code at::Context::setFloat32MatmulPrecision(Float32MatmulPrecision)}
 * in the already loaded {@code libtorch_cpu.so} through JNA. When the symbol is missing (another
 * libtorch build, a GPU build under another name) the setting falls back to float32 with a warning.
 */
public enum MatmulPrecision {
    /** Full float32 products ({@code "highest"}, libtorch's default). */
    FLOAT32("float32", 0),
    /** bfloat16 products with float32 accumulation ({@code "medium"}). */
    BF16_MATMUL("bf16-matmul", 2);

    private static final Logger LOG = LoggerFactory.getLogger(MatmulPrecision.class);
    private static final String GLOBAL_CONTEXT = "_ZN2at13globalContextEv";
    // the enum overload, at::Context::setFloat32MatmulPrecision(at::Float32MatmulPrecision)
    private static final String SET_PRECISION = "_ZN2at7Context25setFloat32MatmulPrecisionENS_22Float32MatmulPrecisionE";
    private static final String GET_PRECISION = "_ZNK2at7Context22float32MatmulPrecisionEv";

    private final String id;
    // at::Float32MatmulPrecision { HIGHEST, HIGH, MEDIUM }
    private final int nativeValue;

    MatmulPrecision(String id, int nativeValue) {
        this.id = id;
        this.nativeValue = nativeValue;
    }

    /** The setting's value: {@code float32} or {@code bf16-matmul}. */
    public String getId() {
        return id;
    }

    /**
     * The precision named {@code id}.
     *
     * @throws InvalidOptionException for any other name
     */
    public static MatmulPrecision parse(String id) {
        for (MatmulPrecision p : values()) {
            if (p.id.equals(id.toLowerCase(Locale.ROOT))) {
                return p;
            }
        }
        throw new InvalidOptionException("Unknown matmul precision '" + id + "'; use one of "
                + Arrays.stream(values()).map(MatmulPrecision::getId).toList());
    }

    /**
     * Sets libtorch's float32 matmul precision for the whole process.
     *
     * @return the precision now in effect: this one, or {@link #FLOAT32} when libtorch's symbol
     *         could not be found or called (a warning says why)
     */
    public MatmulPrecision apply() {
        Optional<MatmulPrecision> current = current();
        if (this == FLOAT32 && current.map(c -> c == FLOAT32).orElse(true)) {
            // the default: no native call unless an earlier run in this process lowered the precision
            return FLOAT32;
        }
        Optional<String> problem = set(nativeValue);
        if (problem.isPresent()) {
            if (this != FLOAT32) {
                LOG.warn("Cannot set libtorch's float32 matmul precision to {} ({}); training stays in float32.",
                        id, problem.get());
            }
            return current.orElse(FLOAT32);
        }
        return current().orElse(FLOAT32);
    }

    /** The precision libtorch reports now, if its symbols can be found. */
    public static Optional<MatmulPrecision> current() {
        try {
            Context context = Context.get();
            int value = context.library.getFunction(GET_PRECISION).invokeInt(new Object[] {context.pointer});
            return Arrays.stream(values()).filter(p -> p.nativeValue == value).findFirst()
                    .or(() -> Optional.of(FLOAT32));
        } catch (RuntimeException | UnsatisfiedLinkError e) {
            return Optional.empty();
        }
    }

    private static Optional<String> set(int value) {
        try {
            Context context = Context.get();
            context.library.getFunction(SET_PRECISION).invokeVoid(new Object[] {context.pointer, value});
            return Optional.empty();
        } catch (RuntimeException | UnsatisfiedLinkError e) {
            return Optional.of(e.getMessage() == null ? e.toString() : e.getMessage());
        }
    }

    /** libtorch_cpu and its global {@code at::Context}. */
    private record Context(NativeLibrary library, Pointer pointer) {
        static Context get() {
            // make DJL load libtorch first, then use the very file it loaded
            Engine.getEngine("PyTorch");
            Path path = loadedLibrary().orElseThrow(() -> new IllegalStateException(
                    "libtorch_cpu.so is not loaded in this process"));
            NativeLibrary library = NativeLibrary.getInstance(path.toString());
            Pointer pointer = library.getFunction(GLOBAL_CONTEXT).invokePointer(new Object[0]);
            if (pointer == null) {
                throw new IllegalStateException("at::globalContext() returned null");
            }
            return new Context(library, pointer);
        }

        private static Optional<Path> loadedLibrary() {
            try {
                return Files.readAllLines(Path.of("/proc/self/maps")).stream()
                        .map(line -> line.substring(line.lastIndexOf(' ') + 1))
                        .filter(file -> file.endsWith("/libtorch_cpu.so"))
                        .findFirst().map(Path::of);
            } catch (IOException e) {
                return Optional.empty();
            }
        }
    }
}
