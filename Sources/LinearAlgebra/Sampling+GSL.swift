internal import CGSL

/// Draws from GSL's samplers (`gsl_ran_dirichlet`, `gsl_ran_multinomial`). Each draw seeds a
/// fresh Mersenne Twister from one value of the caller's generator, so the caller's seed alone
/// decides the result.
extension RandomNumberGenerator {
  /// A draw from the Dirichlet distribution with parameters `alpha` (all positive).
  public mutating func dirichlet(_ alpha: [Double]) -> [Double] {
    let source = GSLRandom(seed: next())
    var sample = [Double](repeating: 0, count: alpha.count)
    gsl_ran_dirichlet(source.pointer, alpha.count, alpha, &sample)
    return sample
  }

  /// Counts of `trials` draws from the categorical distribution `probabilities` (`trials` at
  /// most `UInt32.max`).
  public mutating func multinomial(trials: Int, probabilities: [Double]) -> [Int] {
    precondition(trials >= 0 && trials <= Int(UInt32.max), "GSL counts trials in 32 bits")
    let source = GSLRandom(seed: next())
    var counts = [UInt32](repeating: 0, count: probabilities.count)
    gsl_ran_multinomial(source.pointer, probabilities.count, UInt32(trials), probabilities, &counts)
    return counts.map(Int.init)
  }
}

/// A GSL random number generator (Mersenne Twister), owned by one draw.
private final class GSLRandom {
  let pointer: UnsafeMutablePointer<gsl_rng>

  init(seed: UInt64) {
    GSL.ensureErrorHandlerOff()
    guard let pointer = gsl_rng_alloc(shift_gsl_rng_mt19937()) else {
      fatalError("GSL could not allocate a random number generator (out of memory)")
    }
    self.pointer = pointer
    gsl_rng_set(pointer, UInt(truncatingIfNeeded: seed))
  }

  deinit { gsl_rng_free(pointer) }
}
