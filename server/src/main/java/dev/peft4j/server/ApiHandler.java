package dev.peft4j.server;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.peft4j.api.PeftException;
import dev.peft4j.inference.ExportFolder;
import dev.peft4j.inference.MultiTaskPredictor;
import dev.peft4j.inference.Prediction;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The JSON API on Jetty's core handler: routes, reads and checks bodies, hands predictions to the
 * {@link MicroBatcher} and answers when its future completes (no thread waits on the batch).
 * A client's mistake is answered with a 4xx JSON error and logged at DEBUG; only the service's own
 * failures are logged at ERROR.
 */
final class ApiHandler extends Handler.Abstract {

    private static final Logger LOG = LoggerFactory.getLogger(ApiHandler.class);
    private static final String JSON = "application/json; charset=utf-8";
    private static final String PROMETHEUS = "text/plain; version=0.0.4; charset=utf-8";
    private static final Gson GSON = new GsonBuilder().disableHtmlEscaping().create();

    private final MultiTaskPredictor predictor;
    private final MicroBatcher batcher;
    private final ServerMetrics metrics;
    private final ServerSettings settings;
    private volatile Executor responder = Runnable::run;
    private volatile boolean stopping;

    @Inject
    ApiHandler(MultiTaskPredictor predictor, MicroBatcher batcher, ServerMetrics metrics, ServerSettings settings) {
        this.predictor = predictor;
        this.batcher = batcher;
        this.metrics = metrics;
        this.settings = settings;
    }

    /** Where answers to predictions are written: the server's threads, not the batcher's. */
    void setResponder(Executor responder) {
        this.responder = responder;
    }

    /** From now on, {@code /health} says the service is stopping. */
    void setStopping() {
        stopping = true;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        long start = System.nanoTime();
        String path = Request.getPathInContext(request);
        String method = request.getMethod();
        String endpoint = switch (path) {
            case "/v1/predict" -> "predict";
            case "/v1/tasks" -> "tasks";
            case "/health" -> "health";
            case "/metrics" -> "metrics";
            default -> "other";
        };
        Answer answer = new Answer(response, callback, endpoint, start);
        try {
            String allowed = endpoint.equals("predict") ? "POST" : "GET";
            if (endpoint.equals("other")) {
                throw new ApiError(404, "not_found", "No endpoint " + path + ". Endpoints: POST /v1/predict, "
                        + "GET /v1/tasks, GET /health, GET /metrics.");
            }
            if (!method.equals(allowed) && !(allowed.equals("GET") && method.equals("HEAD"))) {
                response.getHeaders().put(HttpHeader.ALLOW, allowed);
                throw new ApiError(405, "method_not_allowed", path + " answers " + allowed + ", not " + method + ".");
            }
            switch (endpoint) {
                case "predict" -> predict(request, answer);
                case "tasks" -> answer.json(200, tasks());
                case "health" -> health(answer);
                default -> answer.send(200, PROMETHEUS, metrics.scrape());
            }
        } catch (ApiError e) {
            answer.error(e);
        } catch (RuntimeException e) {
            answer.failure(e);
        }
        return true;
    }

    private void predict(Request request, Answer answer) {
        String body = readBody(request);
        PredictRequests.Parsed parsed = PredictRequests.parse(body, predictor.getTasks(), settings.maxItems());
        batcher.submit(parsed.items()).whenCompleteAsync((predictions, thrown) -> {
            try {
                if (thrown == null) {
                    answer.json(200, parsed.batch() ? predictions(parsed, predictions)
                            : toJson(parsed.items().get(0).task(), predictions.get(0)));
                } else {
                    answerFailure(answer, thrown);
                }
            } catch (RuntimeException e) {
                answer.failure(e);
            }
        }, responder);
    }

    private static JsonObject predictions(PredictRequests.Parsed parsed, List<Prediction> predictions) {
        JsonArray array = new JsonArray();
        for (int i = 0; i < predictions.size(); i++) {
            array.add(toJson(parsed.items().get(i).task(), predictions.get(i)));
        }
        JsonObject out = new JsonObject();
        out.add("predictions", array);
        return out;
    }

    private void answerFailure(Answer answer, Throwable thrown) {
        Throwable cause = thrown instanceof CompletionException && thrown.getCause() != null
                ? thrown.getCause() : thrown;
        if (cause instanceof MicroBatcher.Overloaded) {
            answer.response.getHeaders().put(HttpHeader.RETRY_AFTER, "1");
            answer.error(new ApiError(503, "overloaded", cause.getMessage()));
        } else if (cause instanceof PeftException && predictor.isClosed()) {
            answer.error(new ApiError(503, "unavailable", "The server is stopping; retry the request once "
                    + "it is back."));
        } else if (cause instanceof PeftException) {
            // checked before queueing, so a task removed meanwhile or a text the task cannot take
            answer.error(new ApiError(400, "invalid_input", cause.getMessage()));
        } else {
            answer.failure(cause);
        }
    }

    /** The body as UTF-8, refusing one over the size limit before reading it where the length is declared. */
    private String readBody(Request request) {
        int limit = settings.maxBodyBytes();
        long declared = request.getHeaders().getLongField(HttpHeader.CONTENT_LENGTH);
        if (declared > limit) {
            throw tooLarge(declared + " bytes");
        }
        try (InputStream in = Content.Source.asInputStream(request)) {
            byte[] bytes = in.readNBytes(limit + 1);
            if (bytes.length > limit) {
                throw tooLarge("more than " + limit + " bytes");
            }
            return new String(bytes, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ApiError(400, "unreadable_body", "The request body could not be read: " + e.getMessage());
        }
    }

    private ApiError tooLarge(String size) {
        return new ApiError(413, "body_too_large", "The request body is " + size + ", over the limit of "
                + settings.maxBodyBytes() + " bytes; send fewer or shorter items per request.");
    }

    private JsonObject tasks() {
        JsonArray tasks = new JsonArray();
        for (String name : predictor.getTasks()) {
            ExportFolder.Settings task;
            try {
                task = predictor.getSettings(name);
            } catch (PeftException removedMeanwhile) {
                continue;
            }
            JsonObject entry = new JsonObject();
            entry.addProperty("name", name);
            entry.add("labels", GSON.toJsonTree(task.labels()));
            entry.addProperty("head", task.headKind());
            entry.addProperty("method", task.method());
            entry.addProperty("max_length", task.maxLength());
            tasks.add(entry);
        }
        JsonObject out = new JsonObject();
        out.addProperty("backbone", predictor.getBackbone().getName());
        out.add("tasks", tasks);
        return out;
    }

    private void health(Answer answer) {
        JsonObject out = new JsonObject();
        boolean up = !stopping && !predictor.isClosed();
        out.addProperty("status", up ? "ok" : "stopping");
        out.addProperty("tasks", predictor.getTasks().size());
        out.addProperty("queued", batcher.getWaiting());
        answer.json(up ? 200 : 503, out);
    }

    static JsonObject toJson(String task, Prediction prediction) {
        JsonObject out = new JsonObject();
        out.addProperty("task", task);
        out.addProperty("label", prediction.label());
        out.addProperty("score", prediction.score());
        JsonObject probabilities = new JsonObject();
        for (Map.Entry<String, Double> entry : prediction.probabilities().entrySet()) {
            probabilities.addProperty(entry.getKey(), entry.getValue());
        }
        out.add("probabilities", probabilities);
        return out;
    }

    /** Writes one request's answer and records it in the metrics. */
    private final class Answer {
        final Response response;
        final Callback callback;
        final String endpoint;
        final long start;

        Answer(Response response, Callback callback, String endpoint, long start) {
            this.response = response;
            this.callback = callback;
            this.endpoint = endpoint;
            this.start = start;
        }

        void json(int status, JsonObject body) {
            send(status, JSON, GSON.toJson(body));
        }

        void error(ApiError e) {
            LOG.debug("{} {}: {}", e.status(), e.code(), e.getMessage());
            metrics.error(endpoint, e.code());
            JsonObject error = new JsonObject();
            error.addProperty("code", e.code());
            error.addProperty("message", e.getMessage());
            @Nullable Integer item = e.item();
            if (item != null) {
                error.addProperty("item", item);
            }
            JsonObject out = new JsonObject();
            out.add("error", error);
            json(e.status(), out);
        }

        void failure(Throwable e) {
            LOG.error("The {} endpoint failed", endpoint, e);
            metrics.error(endpoint, "internal_error");
            JsonObject error = new JsonObject();
            error.addProperty("code", "internal_error");
            error.addProperty("message", "The server failed to answer (" + e.getClass().getSimpleName() + ": "
                    + e.getMessage() + "); its log has the details.");
            JsonObject out = new JsonObject();
            out.add("error", error);
            json(500, out);
        }

        void send(int status, String contentType, String body) {
            response.setStatus(status);
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, contentType);
            metrics.request(endpoint, status, (System.nanoTime() - start) / 1e9);
            Content.Sink.write(response, true, body, callback);
        }
    }
}
