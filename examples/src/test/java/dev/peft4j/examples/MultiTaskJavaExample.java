package dev.peft4j.examples;

import dev.peft4j.backbones.Backbone;
import dev.peft4j.backbones.Backbones;
import dev.peft4j.inference.MultiTaskPredictor;
import dev.peft4j.inference.MultiTaskPredictor.Input;
import dev.peft4j.inference.Prediction;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** The README's multi-task example: the prompts of two tasks served by one backbone, in one batch. */
public final class MultiTaskJavaExample {

    private MultiTaskJavaExample() {}

    /** Labels of a batch that mixes rows of two tasks, each row with its own prompt and head. */
    public static List<String> classifyMixed(String backboneName, Path cbExport, Path rteExport) {
        // one frozen backbone; each task adds only its prompt and head
        try (Backbone backbone = Backbones.load(backboneName);
                MultiTaskPredictor predictor = MultiTaskPredictor.open(backbone,
                        Map.of("cb", cbExport, "rte", rteExport))) {
            List<Prediction> mixed = predictor.predictAll(List.of(
                    new Input("cb", "It is raining.", "The street is wet."),
                    new Input("rte", "A man sleeps.", "A person rests."),
                    new Input("cb", "Nobody came.", "The party was full.")));

            predictor.removeTask("rte"); // while serving: calls in flight still finish
            predictor.addTask("rte", rteExport); // or replaceTask for a retrained prompt
            return mixed.stream().map(Prediction::label).toList();
        }
    }
}
