package tangent.nn;

import tangent.core.Tensor;

/**
 * A network F(x, t) of the sCM spec: x (B, ...) is the noisy input already divided by sigma_d,
 * t (B,) the TrigFlow time in radians; the output has x's shape. The U-Net and the 2-D MLP
 * denoiser both implement it.
 */
public interface TimeConditioned {
    Tensor forward(Tensor x, Tensor t);
}
