package dev.peft4j.examples;

import ai.djl.Device;
import com.google.gson.JsonObject;
import com.google.inject.Guice;
import com.google.inject.Injector;
import dev.peft4j.backbones.Backbone;
import dev.peft4j.inference.MultiTaskPredictor;
import dev.peft4j.server.PredictionServer;
import dev.peft4j.server.ServerModule;
import dev.peft4j.server.ServerSettings;
import dev.peft4j.server.TasksModule;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;

/** The README's service example: the HTTP service assembled with Guice, asked once over HTTP. */
public final class ServerGuiceExample {

    private ServerGuiceExample() {}

    /** Serves {@code exportFolder} as task "cb" on a free loopback port and returns one answer's JSON. */
    public static String askOnce(Path exportFolder, String premise, String hypothesis)
            throws IOException, InterruptedException {
        Injector injector = Guice.createInjector(
                new TasksModule(Map.of("cb", exportFolder), Device.cpu()),   // or bind your own MultiTaskPredictor
                new ServerModule(ServerSettings.builder().optPort(0).build()));
        try (PredictionServer server = injector.getInstance(PredictionServer.class).start()) {
            JsonObject item = new JsonObject();
            item.addProperty("task", "cb");
            item.addProperty("text", premise);
            item.addProperty("text_pair", hypothesis);
            HttpRequest request = HttpRequest.newBuilder(server.getUri().resolve("/v1/predict"))
                    .POST(HttpRequest.BodyPublishers.ofString(item.toString())).header("Content-Type", "application/json").build();
            return HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString()).body();
        } finally {
            // the host owns the predictor and the backbone: close them when the service stops
            injector.getInstance(MultiTaskPredictor.class).close();
            injector.getInstance(Backbone.class).close();
        }
    }
}
