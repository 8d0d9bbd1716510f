package dev.peft4j.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class PromptPlacementTest {

    @Test
    void idsPositionsAndClsIndex() {
        assertThat(PromptPlacement.AFTER_CLS.id()).isEqualTo("after-cls");
        assertThat(PromptPlacement.BEFORE_INPUT.id()).isEqualTo("before-input");
        // PromptInjection's position: after [CLS] (index 1), or before the whole input (index 0)
        assertThat(PromptPlacement.AFTER_CLS.insertionIndex()).isEqualTo(1);
        assertThat(PromptPlacement.BEFORE_INPUT.insertionIndex()).isZero();
        assertThat(PromptPlacement.AFTER_CLS.clsIndex(5)).isZero();
        assertThat(PromptPlacement.BEFORE_INPUT.clsIndex(5)).isEqualTo(5);
    }

    @Test
    void parsesIdsAndSuggestsTheClosestForATypo() {
        for (PromptPlacement placement : PromptPlacement.values()) {
            assertThat(PromptPlacement.parse(placement.id())).isEqualTo(placement);
            assertThat(PromptPlacement.parse(" " + placement.id().toUpperCase(java.util.Locale.ROOT) + " "))
                    .isEqualTo(placement);
        }
        assertThatThrownBy(() -> PromptPlacement.parse("before-imput"))
                .isInstanceOf(InvalidOptionException.class)
                .hasMessageContaining("Unknown prompt placement 'before-imput'")
                .hasMessageContaining("Did you mean 'before-input'?")
                .hasMessageContaining("after-cls, before-input");
    }
}
