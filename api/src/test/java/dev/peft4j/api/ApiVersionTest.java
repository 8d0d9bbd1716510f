package dev.peft4j.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ApiVersionTest {

    @Test
    void currentIsTheCompileTimeConstants() {
        assertThat(ApiVersion.CURRENT).isEqualTo(new ApiVersion(ApiVersion.MAJOR, ApiVersion.MINOR));
        assertThat(ApiVersion.CURRENT.toString()).isEqualTo(ApiVersion.MAJOR + "." + ApiVersion.MINOR);
    }

    @Test
    void runsPluginsOfTheSameMajorAndAnOlderOrEqualMinor() {
        ApiVersion running = new ApiVersion(1, 3);

        assertThat(running.canRun(new ApiVersion(1, 0))).isTrue();
        assertThat(running.canRun(new ApiVersion(1, 3))).isTrue();
        assertThat(running.canRun(new ApiVersion(1, 4))).as("newer minor").isFalse();
        assertThat(running.canRun(new ApiVersion(2, 0))).as("newer major").isFalse();
        assertThat(running.canRun(new ApiVersion(0, 9))).as("older major").isFalse();
    }

    @Test
    void parsesMajorDotMinor() {
        assertThat(ApiVersion.parse(" 1.2 ")).isEqualTo(new ApiVersion(1, 2));
        assertThat(ApiVersion.parse(new ApiVersion(3, 14).toString())).isEqualTo(new ApiVersion(3, 14));
    }

    @Test
    void rejectsMalformedText() {
        for (String bad : new String[] {"1", "1.2.3", "a.b", "", "1."}) {
            assertThatThrownBy(() -> ApiVersion.parse(bad))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("API version '" + bad + "' is not of the form major.minor, e.g. 1.0");
        }
        assertThatThrownBy(() -> new ApiVersion(-1, 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("API version components must be >= 0, got -1.0");
    }

    @Test
    void ordersByMajorThenMinor() {
        assertThat(new ApiVersion(1, 9)).isLessThan(new ApiVersion(2, 0));
        assertThat(new ApiVersion(1, 2)).isLessThan(new ApiVersion(1, 10));
        assertThat(new ApiVersion(1, 2)).isEqualByComparingTo(new ApiVersion(1, 2));
    }
}
