package dev.peft4j.server;

import org.jspecify.annotations.Nullable;

/**
 * A request the service refuses: the HTTP status, a stable machine-readable code, a message that
 * says what was wrong and what to do, and the item it concerns in a batch (or null). Answered as
 * {@code {"error": {"code", "message", "item"}}}; a client's mistake, so logged at DEBUG only.
 */
final class ApiError extends RuntimeException {

    private final int status;
    private final String code;
    private final @Nullable Integer item;

    ApiError(int status, String code, String message) {
        this(status, code, message, null);
    }

    ApiError(int status, String code, String message, @Nullable Integer item) {
        super(message, null, false, false);
        this.status = status;
        this.code = code;
        this.item = item;
    }

    int status() {
        return status;
    }

    String code() {
        return code;
    }

    @Nullable Integer item() {
        return item;
    }
}
