import CKernels

/// Which implementation of the hand-vectorised kernels runs: the AVX-512 ones where the CPU has
/// them, or the portable C ones everywhere (tests compare the two).
public enum KernelSelection {
    public static var portableOnly: Bool {
        get { lp_kernels_portable != 0 }
        set { lp_kernels_portable = newValue ? 1 : 0 }
    }

    public static var usesAVX512: Bool { CPU.hasAVX512 && !portableOnly }
}
