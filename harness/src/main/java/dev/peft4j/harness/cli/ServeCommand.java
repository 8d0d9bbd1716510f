package dev.peft4j.harness.cli;

import ai.djl.Device;
import com.google.inject.Guice;
import com.google.inject.Injector;
import com.google.inject.ProvisionException;
import dev.peft4j.backbones.Backbone;
import dev.peft4j.inference.MultiTaskPredictor;
import dev.peft4j.server.Batching;
import dev.peft4j.server.PredictionServer;
import dev.peft4j.server.ServerModule;
import dev.peft4j.server.TasksModule;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code peft4j serve}: the HTTP prediction service for the given exports on one backbone, until
 * Ctrl-C (or an interrupt, for a host embedding the command line), which drains requests in flight.
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Serve predictions of several exported prompts from one backbone over HTTP: POST /v1/predict, "
                + "GET /v1/tasks, /health, /metrics (Prometheus). Ctrl-C stops after answering requests in flight.")
final class ServeCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--prompts", required = true, split = ",", paramLabel = "[NAME=]DIR",
            description = "Export folders to serve, each under its folder name or NAME (all of one backbone).")
    List<String> prompts;

    @Option(names = "--host", defaultValue = "127.0.0.1",
            description = "Address to listen on; 0.0.0.0 for every interface (default: ${DEFAULT-VALUE}).")
    String host;

    @Option(names = "--port", defaultValue = "8080", description = "Port; 0 picks a free one (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--batching", defaultValue = "mixed", converter = BatchingConverter.class,
            description = "mixed (any tasks in one batch) or per-task (default: ${DEFAULT-VALUE}).")
    Batching batching;

    @Mixin
    ServingOptions serving;

    @Mixin
    DeviceOptions where;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        Map<String, Path> exports = ServingOptions.exports(prompts);
        Injector injector = Guice.createInjector(new TasksModule(exports, Device.fromName(where.device)),
                new ServerModule(serving.settings().optHost(host).optPort(port).optBatching(batching).build()));
        Backbone backbone = unwrap(() -> injector.getInstance(Backbone.class));
        Stopper stopper = new Stopper(backbone);
        try {
            MultiTaskPredictor predictor = unwrap(() -> injector.getInstance(MultiTaskPredictor.class));
            stopper.predictor = predictor;
            PredictionServer server = injector.getInstance(PredictionServer.class);
            stopper.server = server;
            server.start();
            out.printf("Serving %d tasks %s of %s on %s (Ctrl-C stops)%n", exports.size(), predictor.getTasks(),
                    backbone.getName(), server.getUri());
            out.flush();
            Thread hook = new Thread(stopper::stop, "peft4j-serve-shutdown");
            Runtime.getRuntime().addShutdownHook(hook);
            try {
                server.join();
            } catch (InterruptedException e) {
                // a host embedding the command line stops it by interrupting its thread
                Thread.currentThread().interrupt();
            } finally {
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                } catch (IllegalStateException shuttingDown) {
                    // the hook is stopping the service already
                }
            }
            return 0;
        } finally {
            stopper.stop();
        }
    }

    /** Guice's provisioning error's cause, peft4j's own message, when there is one. */
    static <T> T unwrap(java.util.function.Supplier<T> get) {
        try {
            return get.get();
        } catch (ProvisionException e) {
            if (e.getCause() instanceof RuntimeException cause) {
                throw cause;
            }
            throw e;
        }
    }

    /** Stops once, from the shutdown hook or the command's own thread: server, then predictor, then backbone. */
    private static final class Stopper {
        final Backbone backbone;
        volatile @org.jspecify.annotations.Nullable MultiTaskPredictor predictor;
        volatile @org.jspecify.annotations.Nullable PredictionServer server;
        volatile boolean stopping;

        Stopper(Backbone backbone) {
            this.backbone = backbone;
        }

        synchronized void stop() {
            if (stopping) {
                return;
            }
            stopping = true;
            PredictionServer s = server;
            if (s != null) {
                s.close();
            }
            MultiTaskPredictor p = predictor;
            if (p != null) {
                p.close();
            }
            backbone.close();
        }
    }

    /** Reads {@code mixed} and {@code per-task}. */
    static final class BatchingConverter implements picocli.CommandLine.ITypeConverter<Batching> {
        @Override
        public Batching convert(String value) {
            return Batching.valueOf(value.trim().toUpperCase(java.util.Locale.ROOT).replace('-', '_'));
        }
    }
}
