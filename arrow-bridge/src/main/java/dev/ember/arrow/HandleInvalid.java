package dev.ember.arrow;

import java.util.Locale;

/**
 * What {@link ArrowToTensor} does with a bad row (null, NaN, infinite, wrong vector length, invalid label).
 * The names follow Spark ML's {@code handleInvalid} param.
 */
public enum HandleInvalid {
    /** Throw an {@link InvalidRowException} at the first bad row. */
    ERROR,
    /** Drop bad rows and count them ({@link ArrowToTensor#skippedRows()}). */
    SKIP;

    /** Parses Spark ML's spelling, {@code "error"} or {@code "skip"} (case-insensitive). */
    public static HandleInvalid parse(String value) {
        return switch (value.toLowerCase(Locale.ROOT)) {
            case "error" -> ERROR;
            case "skip" -> SKIP;
            default -> throw new IllegalArgumentException("handleInvalid must be \"error\" or \"skip\", not \"" + value + "\"");
        };
    }
}
