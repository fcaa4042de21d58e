package dev.ember.arrow;

import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import org.apache.arrow.memory.ArrowBuf;

/** NIO views over Arrow buffers for bulk copies (Arrow data is little-endian). */
final class Buffers {
    private Buffers() {}

    /** A float view of elements {@code [start, start + n)} of {@code buf}, positioned at 0. */
    static FloatBuffer floatView(ArrowBuf buf, int start, int n) {
        return buf.nioBuffer(start * 4L, n * 4).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
    }
}
