package dev.peft4j.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class SuggestionsTest {

    private static final List<String> METHODS =
            List.of("residual-prompt", "prompt-tuning", "mlp-no-skip", "p-tuning");

    @Test
    void suggestsTheClosestForATypo() {
        assertThat(Suggestions.closest("residual-promt", METHODS)).contains("residual-prompt");
        assertThat(Suggestions.closest("prompt-tunning", METHODS)).contains("prompt-tuning");
        assertThat(Suggestions.closest("p-tunin", METHODS)).contains("p-tuning");
    }

    @Test
    void ignoresCase() {
        assertThat(Suggestions.closest("Residual-Prompt", METHODS)).contains("residual-prompt");
        assertThat(Suggestions.editDistance("ABC", "abc")).isZero();
    }

    @Test
    void suggestsNothingWhenFarOrWithoutCandidates() {
        assertThat(Suggestions.closest("lora", METHODS)).isEmpty();
        assertThat(Suggestions.closest("residual-prompt", List.of())).isEmpty();
    }

    @Test
    void allowsAtLeastTwoEditsAndAThirdOfTheLength() {
        assertThat(Suggestions.closest("ab", List.of("xy"))).contains("xy");
        assertThat(Suggestions.closest("ab", List.of("xyz"))).isEmpty();
        // 12 characters allow 4 edits
        assertThat(Suggestions.closest("abcdefghijkl", List.of("abcdefghwxyz"))).contains("abcdefghwxyz");
        assertThat(Suggestions.closest("abcdefghijkl", List.of("abcdefgvwxyz"))).isEmpty();
    }

    @Test
    void editDistanceIsLevenshtein() {
        assertThat(Suggestions.editDistance("kitten", "sitting")).isEqualTo(3);
        assertThat(Suggestions.editDistance("", "abc")).isEqualTo(3);
        assertThat(Suggestions.editDistance("abc", "")).isEqualTo(3);
        assertThat(Suggestions.editDistance("flaw", "lawn")).isEqualTo(2);
    }
}
