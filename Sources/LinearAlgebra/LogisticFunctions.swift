import Foundation

/// The logistic function `1 / (1 + e⁻ᵗ)`, stable for large |t|.
@inline(__always)
public func sigmoid(_ t: Double) -> Double {
  t >= 0 ? 1 / (1 + exp(-t)) : exp(t) / (1 + exp(t))
}

/// `log(1 + eᵗ)` without overflow: the logistic loss of a margin `−t`.
@inline(__always)
public func softplus(_ t: Double) -> Double {
  t > 0 ? t + log1p(exp(-t)) : log1p(exp(t))
}
