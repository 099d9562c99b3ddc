package tangent.core;

/** Element types. float32 is what training runs in; float64 is what gradient checks run in. */
public enum DType {
    F32(4, "float32"),
    F64(8, "float64");

    /** Bytes per element. */
    public final int bytes;
    /** The name users know it by. */
    public final String label;

    DType(int bytes, String label) {
        this.bytes = bytes;
        this.label = label;
    }

    @Override
    public String toString() {
        return label;
    }
}
