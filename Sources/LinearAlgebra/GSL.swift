internal import CGSL

/// What every call into GSL goes through first.
enum GSL {
  /// GSL's default error handler aborts the process; it is switched off once, before the first
  /// GSL call, and every caller checks status codes (or results) instead.
  private static let errorHandlerDisabled: Void = {
    gsl_set_error_handler_off()
  }()

  /// Switches GSL's aborting error handler off (once per process; cheap afterwards).
  static func ensureErrorHandlerOff() {
    _ = errorHandlerDisabled
  }
}
