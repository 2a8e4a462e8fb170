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

  /// The `p`-quantile of Student's t distribution with `degreesOfFreedom` (`gsl_cdf_tdist_Pinv`).
  public static func studentTQuantile(_ p: Double, degreesOfFreedom: Double) -> Double {
    GSL.ensureErrorHandlerOff()
    return gsl_cdf_tdist_Pinv(p, degreesOfFreedom)
  }

  /// `P(X = k)` for `X` hypergeometric: `draws` items drawn without replacement from
  /// `successes + failures`, of which `successes` count (`gsl_ran_hypergeometric_pdf`); 0 when
  /// a count does not fit GSL's 32-bit arguments.
  public static func hypergeometricProbability(_ k: Int, successes: Int, failures: Int, draws: Int) -> Double {
    let limit = Int(UInt32.max)
    guard k >= 0, successes >= 0, failures >= 0, draws >= 0, successes <= limit, failures <= limit, draws <= limit
    else { return 0 }
    GSL.ensureErrorHandlerOff()
    return gsl_ran_hypergeometric_pdf(UInt32(k), UInt32(successes), UInt32(failures), UInt32(draws))
  }
}
