package dev.peft4j.examples

import dev.peft4j.inference.Predictor
import org.assertj.core.api.Assertions.assertThat
import org.assertj.core.api.Assertions.within
import org.junit.jupiter.api.Test

class PredictorKotlinExampleTest {

    private val pairs = listOf(
        "The dog barked all night." to "The dog was quiet.",
        "She never went to Paris." to "She went to Paris.",
        "It is raining." to "The street is wet.",
        "Tom bought a car." to "Tom owns a vehicle.",
    )

    @Test
    fun `concurrent predictions equal sequential ones`() {
        val folder = TrainedExport.folder()
        val concurrent = classifyConcurrently(folder, pairs)

        assertThat(concurrent).hasSize(pairs.size)
        Predictor.open(folder).use { predictor ->
            pairs.forEachIndexed { i, (premise, hypothesis) ->
                val expected = predictor.predict(premise, hypothesis)
                assertThat(concurrent[i].label).isEqualTo(expected.label)
                assertThat(concurrent[i].score).isCloseTo(expected.score, within(1e-6))
                assertThat(concurrent[i].probabilities.values.sum()).isCloseTo(1.0, within(1e-9))
            }
        }
        assertThat(describe(concurrent[0])).startsWith(concurrent[0].label + " ")
    }
}
