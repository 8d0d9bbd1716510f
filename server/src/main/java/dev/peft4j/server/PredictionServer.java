package dev.peft4j.server;

import dev.peft4j.api.PeftException;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.net.URI;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.GracefulHandler;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP prediction service: the JSON API of {@code peft4j serve} on one
 * {@link dev.peft4j.inference.MultiTaskPredictor}, concurrent requests coalesced into
 * micro-batches. Get one from a Guice injector built with {@link ServerModule} and
 * {@link TasksModule} (or a host's own binding of the predictor), then {@link #start()} it:
 *
 * <pre>{@code
 * Injector injector = Guice.createInjector(
 *         new TasksModule(Map.of("cb", Path.of("exports/cb"), "rte", Path.of("exports/rte")), Device.cpu()),
 *         new ServerModule(ServerSettings.builder().optPort(8080).build()));
 * try (PredictionServer server = injector.getInstance(PredictionServer.class)) {
 *     server.start();
 *     server.join(); // until close() from a shutdown hook
 * } finally {
 *     injector.getInstance(MultiTaskPredictor.class).close(); // then the backbone
 *     injector.getInstance(Backbone.class).close();
 * }
 * }</pre>
 *
 * <p>The API: {@code POST /v1/predict} with {@code {"task", "text", "text_pair"}} (or an array of
 * them) answers {@code {"task", "label", "score", "probabilities"}} (or {@code {"predictions": [...]}});
 * {@code GET /v1/tasks}, {@code GET /health}, {@code GET /metrics} (Prometheus text format). A bad
 * request gets a 4xx {@code {"error": {"code", "message", "item"}}}; a full queue 503 with
 * {@code Retry-After}.
 *
 * <p>{@link #close()} stops gracefully: no new connections, requests in flight answered (up to the
 * drain timeout), then the batcher stops. The predictor and its backbone stay the host's to close.
 */
@Singleton
public final class PredictionServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(PredictionServer.class);

    private final ServerSettings settings;
    private final ApiHandler handler;
    private final MicroBatcher batcher;
    private final Server server;
    private final ServerConnector connector;
    private final Object lifecycle = new Object();
    private boolean started; // guarded by lifecycle
    private boolean closed; // guarded by lifecycle

    @Inject
    PredictionServer(ServerSettings settings, ApiHandler handler, MicroBatcher batcher) {
        this.settings = settings;
        this.handler = handler;
        this.batcher = batcher;
        QueuedThreadPool threads = new QueuedThreadPool();
        threads.setName("peft4j-http");
        threads.setDaemon(true);
        this.server = new Server(threads);
        HttpConfiguration http = new HttpConfiguration();
        http.setSendServerVersion(false); // no product and version for scanners to match
        this.connector = new ServerConnector(server, new HttpConnectionFactory(http));
        connector.setHost(settings.host());
        connector.setPort(settings.port());
        server.addConnector(connector);
        server.setHandler(new GracefulHandler(handler));
        server.setStopTimeout(settings.drainTimeout().toMillis());
        server.setStopAtShutdown(false); // the host decides when to stop, and in what order
        handler.setResponder(threads);
    }

    /**
     * Listens on the settings' host and port.
     *
     * @throws PeftException when the port is taken or the address cannot be bound, or after {@link #close()}
     */
    public PredictionServer start() {
        synchronized (lifecycle) {
            if (closed) {
                throw new PeftException("This prediction server is closed; build a new one to serve again.");
            }
            if (started) {
                return this;
            }
            try {
                server.start();
            } catch (Exception e) {
                stopQuietly();
                throw new PeftException("Could not listen on " + settings.host() + ":" + settings.port() + " ("
                        + e.getMessage() + "). Choose another --port (0 picks a free one) or stop the process "
                        + "holding it.", e);
            }
            started = true;
        }
        LOG.info("Serving on {} (batching {}, at most {} rows per batch, waiting up to {} ms)", getUri(),
                settings.batching().name().toLowerCase(java.util.Locale.ROOT), settings.maxBatch(),
                settings.maxWait().toMillis());
        return this;
    }

    /** The port listened on (the one picked when the settings said 0); -1 before {@link #start()}. */
    public int getPort() {
        return connector.getLocalPort();
    }

    /** The service's base address, e.g. {@code http://127.0.0.1:8080}. */
    public URI getUri() {
        String host = settings.host().contains(":") ? "[" + settings.host() + "]" : settings.host();
        return URI.create("http://" + (host.equals("0.0.0.0") ? "127.0.0.1" : host) + ":" + getPort());
    }

    /** The settings it runs with. */
    public ServerSettings getSettings() {
        return settings;
    }

    /** Waits until the server has stopped (after {@link #close()} from another thread, say a shutdown hook). */
    public void join() throws InterruptedException {
        server.join();
    }

    /**
     * Stops gracefully: new connections refused, requests in flight answered for up to the drain
     * timeout, then the batcher stopped. Calling it again does nothing.
     */
    @Override
    public void close() {
        synchronized (lifecycle) {
            if (closed) {
                return;
            }
            closed = true;
        }
        handler.setStopping();
        batcher.hurry(); // requests in flight should not wait out maxWait for company
        long start = System.nanoTime();
        stopQuietly();
        long left = settings.drainTimeout().toMillis() - (System.nanoTime() - start) / 1_000_000;
        batcher.drain(Math.max(1, left));
        LOG.info("Stopped serving");
    }

    private void stopQuietly() {
        try {
            server.stop();
        } catch (Exception e) {
            LOG.warn("Jetty did not stop cleanly: {}", e.toString());
        }
    }
}
