#ifndef SHIFT_CGSL_SHIM_H
#define SHIFT_CGSL_SHIM_H
// GSL's own CBLAS declarations are used for every BLAS call; the symbols resolve to OpenBLAS
// because the module links `openblas` instead of `gslcblas` (OpenBLAS's cblas.h would clash).
#include <gsl/gsl_blas.h>
#include <gsl/gsl_cblas.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_vector.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_cdf.h>

/// GSL's Mersenne Twister type (a global variable, wrapped so Swift sees an immutable value).
static inline const gsl_rng_type *shift_gsl_rng_mt19937(void) { return gsl_rng_mt19937; }

// OpenBLAS extensions (declared in OpenBLAS's cblas.h, which must not be included here).
char *openblas_get_corename(void);
char *openblas_get_config(void);
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);

#if defined(__x86_64__)
#include <immintrin.h>
/// Sets or clears flush-to-zero and denormals-are-zero in this thread's MXCSR register.
static inline void shift_set_flush_to_zero(int enabled) {
  _mm_setcsr(enabled ? (_mm_getcsr() | 0x8040) : (_mm_getcsr() & ~0x8040u));
}
/// Whether flush-to-zero and denormals-are-zero are both set for this thread.
static inline int shift_flush_to_zero_enabled(void) { return (_mm_getcsr() & 0x8040) == 0x8040; }
#else
static inline void shift_set_flush_to_zero(int enabled) { (void)enabled; }
static inline int shift_flush_to_zero_enabled(void) { return 0; }
#endif

#endif
