package dev.ember.arrow;

/**
 * Why one row is bad: the column and a description that includes the value. Readers return
 * {@code null} for a good row, so the common path allocates nothing.
 */
record InvalidValue(String column, String description) {

    /** Formats a value read from an integer column without a trailing ".0". */
    static String value(double v, boolean integral) {
        return integral ? Long.toString((long) v) : Double.toString(v);
    }
}
