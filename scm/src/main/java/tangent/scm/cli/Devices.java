package tangent.scm.cli;

/** --device: only the CPU backend exists yet; cuda fails loudly instead of falling back. */
final class Devices {
    private Devices() {}

    static void require(String device) {
        switch (device) {
            case "cpu" -> { }
            case "cuda" -> throw new UnsupportedOperationException(
                    "--device cuda: there is no CUDA backend in this build yet (cuda-kernels is a placeholder); use --device cpu");
            default -> throw new IllegalArgumentException("--device must be cpu or cuda, got '" + device + "'");
        }
    }
}
