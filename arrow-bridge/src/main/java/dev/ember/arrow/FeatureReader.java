package dev.ember.arrow;

/** Reads the feature values of one Arrow batch, row by row, into a float32 row-major buffer. */
interface FeatureReader {

    /** How many features this row holds, or -1 when it cannot tell (a null row); used to infer F. */
    int length(int row);

    /**
     * Writes the row's {@code numFeatures} values into {@code dst[off, off + numFeatures)}.
     * May write garbage there before finding an invalid value: the caller then reuses the slot.
     *
     * @return {@code null} for a good row, else what is wrong with it
     */
    InvalidValue read(int row, float[] dst, int off, int numFeatures);

    /** The first non-finite value of {@code dst[off, off + n)} as an invalid value, or {@code null}. */
    static InvalidValue checkFinite(String column, float[] dst, int off, int n) {
        for (int i = 0; i < n; i++) {
            float v = dst[off + i];
            if (!Float.isFinite(v)) return new InvalidValue(column, "element " + i + " is " + v);
        }
        return null;
    }
}
