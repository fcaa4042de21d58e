package dev.ember.engine.backend.cuda;

import dev.ember.engine.DType;
import dev.ember.engine.backend.Backend;

/** The codes the kernels take for element types and operations (tensor.cu's header lists them). */
public final class CudaCodes {
    private CudaCodes() {}

    public static final int REDUCE_SUM = 0, REDUCE_PROD = 1, REDUCE_MAX = 2, REDUCE_MIN = 3;

    /** The kernels' code of a dtype. */
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

    /** ember_unary's code of an op. */
    public static int unary(Backend.Unary op) {
        return switch (op) {
            case NEG -> 0;
            case ABS -> 1;
            case SIGN -> 2;
            case RELU -> 3;
            case FLOOR -> 4;
            case CEIL -> 5;
            case ROUND -> 6;
            case EXP -> 7;
            case LOG -> 8;
            case SQRT -> 9;
            case SIN -> 10;
            case COS -> 11;
            case TANH -> 12;
            case SIGMOID -> 13;
            case RECIPROCAL -> 14;
            case LOGICAL_NOT -> 15;
            case ERF -> 16;
        };
    }

    /** ember_binary's code of an op. */
    public static int binary(Backend.Binary op) {
        return switch (op) {
            case ADD -> 0;
            case SUB -> 1;
            case MUL -> 2;
            case DIV -> 3;
            case POW -> 4;
            case MAXIMUM -> 5;
            case MINIMUM -> 6;
            case RELU_GRAD -> 7;
            case EQ -> 8;
            case NE -> 9;
            case LT -> 10;
            case LE -> 11;
            case GT -> 12;
            case GE -> 13;
            case LOGICAL_AND -> 14;
            case LOGICAL_OR -> 15;
        };
    }

    /** ember_reduce's code of an op. */
    public static int reduce(Backend.Reduce op) {
        return switch (op) {
            case SUM -> REDUCE_SUM;
            case PROD -> REDUCE_PROD;
            case MAX -> REDUCE_MAX;
            case MIN -> REDUCE_MIN;
        };
    }
}
