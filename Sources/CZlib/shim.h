#ifndef SHIFT_CZLIB_SHIM_H
#define SHIFT_CZLIB_SHIM_H
#include <zlib.h>
#endif
