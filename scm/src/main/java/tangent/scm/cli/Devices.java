package tangent.scm.cli;

/** --device for train and sample: they run on the CPU only yet; cuda fails loudly instead of falling back. */
final class Devices {
    private Devices() {}

    static void require(String device) {
        switch (device) {
            case "cpu" -> { }
            case "cuda" -> throw new UnsupportedOperationException(
                    "--device cuda: train and sample have no CUDA backend path yet (only bench --device cuda runs on the GPU); use --device cpu");
            default -> throw new IllegalArgumentException("--device must be cpu or cuda, got '" + device + "'");
        }
    }
}
