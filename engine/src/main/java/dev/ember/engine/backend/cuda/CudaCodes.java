package dev.ember.engine.backend.cuda;

import dev.ember.engine.DType;

/** The codes tensor.cu takes for element types and operations (its header lists them). */
public final class CudaCodes {
    private CudaCodes() {}

    public static final int REDUCE_SUM = 0, REDUCE_PROD = 1, REDUCE_MAX = 2, REDUCE_MIN = 3;

    /** tensor.cu's code of a dtype. */
    public static int dtype(DType t) {
        return switch (t) {
            case BOOL -> 0;
            case UINT8 -> 1;
            case INT32 -> 2;
            case INT64 -> 3;
            case FLOAT32 -> 4;
            case FLOAT64 -> 5;
        };
    }
}
