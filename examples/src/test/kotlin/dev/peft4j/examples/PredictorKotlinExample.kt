package dev.peft4j.examples

import dev.peft4j.inference.Prediction
import dev.peft4j.inference.Predictor
import java.nio.file.Path
import java.util.concurrent.Callable
import java.util.concurrent.Executors

/** The README's predictor example in Kotlin: one predictor, many threads. */
fun classifyConcurrently(exportFolder: Path, pairs: List<Pair<String, String>>): List<Prediction> =
    Predictor.open(exportFolder).use { predictor ->
        val pool = Executors.newFixedThreadPool(4)
        try {
            val tasks = pairs.map { (premise, hypothesis) -> Callable { predictor.predict(premise, hypothesis) } }
            pool.invokeAll(tasks).map { it.get() }
        } finally {
            pool.shutdown()
        }
    }

/** The most likely label with its probability, e.g. `neutral 0.47`. */
fun describe(prediction: Prediction): String = "${prediction.label} ${"%.2f".format(prediction.score)}"
