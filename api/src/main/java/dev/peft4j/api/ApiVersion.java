package dev.peft4j.api;

/**
 * A version of this API, {@code major.minor}. A plugin states the version it was built for;
 * it is accepted when the major versions are equal and its minor version is not newer than
 * the running API's (a plugin built against 1.0 runs on 1.3, not the other way round).
 *
 * @param major incremented on incompatible changes
 * @param minor incremented on compatible additions
 * @since 1.0
 */
public record ApiVersion(int major, int minor) implements Comparable<ApiVersion> {

    /**
     * The major version of this API, a compile-time constant: a plugin that returns
     * {@code new ApiVersion(ApiVersion.MAJOR, ApiVersion.MINOR)} records the version it was
     * compiled against, because the compiler copies the numbers into the plugin's class.
     *
     * @since 1.0
     */
    public static final int MAJOR = 1;

    /**
     * The minor version of this API, a compile-time constant (see {@link #MAJOR}).
     *
     * @since 1.0
     */
    public static final int MINOR = 2;

    /**
     * The version of the API on the class path at run time. Plugins must not return this from
     * {@link ReparameterizerPlugin#getApiVersion()}: it is read when the plugin runs, not when it
     * is compiled, so it would always match.
     *
     * @since 1.0
     */
    public static final ApiVersion CURRENT = new ApiVersion(MAJOR, MINOR);

    /**
     * Validates the components.
     *
     * @since 1.0
     */
    public ApiVersion {
        if (major < 0 || minor < 0) {
            throw new IllegalArgumentException(
                    "API version components must be >= 0, got " + major + "." + minor);
        }
    }

    /**
     * Parses {@code "1.0"}.
     *
     * @throws IllegalArgumentException when the text is not {@code major.minor}
     * @since 1.0
     */
    public static ApiVersion parse(String text) {
        String[] parts = text.trim().split("\\.");
        if (parts.length != 2) {
            throw new IllegalArgumentException(
                    "API version '" + text + "' is not of the form major.minor, e.g. 1.0");
        }
        try {
            return new ApiVersion(Integer.parseInt(parts[0]), Integer.parseInt(parts[1]));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(
                    "API version '" + text + "' is not of the form major.minor, e.g. 1.0", e);
        }
    }

    /**
     * Whether a plugin built for {@code pluginVersion} can run on this API version.
     *
     * @since 1.0
     */
    public boolean canRun(ApiVersion pluginVersion) {
        return pluginVersion.major == major && pluginVersion.minor <= minor;
    }

    @Override
    public int compareTo(ApiVersion other) {
        return major != other.major
                ? Integer.compare(major, other.major)
                : Integer.compare(minor, other.minor);
    }

    @Override
    public String toString() {
        return major + "." + minor;
    }
}
