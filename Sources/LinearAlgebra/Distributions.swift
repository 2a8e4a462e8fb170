internal import CGSL

/// Tail probabilities of the distributions the tests need, from GSL's `gsl_cdf_*`.
public enum Distribution {
  /// `P(X ≥ x)` for `X ~ χ²(degreesOfFreedom)` (`gsl_cdf_chisq_Q`, accurate far into the tail,
  /// where `1 − P` would round to 0).
  public static func chiSquaredUpperTail(_ x: Double, degreesOfFreedom: Double) -> Double {
    GSL.ensureErrorHandlerOff()
    return gsl_cdf_chisq_Q(x, degreesOfFreedom)
  }

  /// `P(Z ≥ z)` for a standard normal `Z` (`gsl_cdf_ugaussian_Q`).
  public static func standardNormalUpperTail(_ z: Double) -> Double {
    GSL.ensureErrorHandlerOff()
    return gsl_cdf_ugaussian_Q(z)
  }
}
