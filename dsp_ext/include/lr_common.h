/*
 * lr_common.h - what every linerec DSP kernel shares: status codes and the
 * build identity.
 *
 * This header, like every lr_*.h here, is also the cffi cdef: the build script
 * feeds it to cffi with the preprocessor lines removed, so keep declarations
 * in plain C (no macros in prototypes, no conditional declarations).
 */
#ifndef LR_COMMON_H
#define LR_COMMON_H

#include <stddef.h>
#include <stdint.h>

/* Every kernel function that can fail returns 0 or one of these. */
enum lr_status {
    LR_OK = 0,
    LR_ERR_NULL = -1,   /* a required pointer was NULL */
    LR_ERR_ARG = -2,    /* an argument was outside its documented range */
    LR_ERR_STATE = -3   /* the state was not set up by its lr_<unit>_init */
};

/* A short English description of an lr_status code; never NULL. */
const char *lr_strerror(int code);

/* The package version the kernels were built for, e.g. "0.1.0". */
const char *lr_version(void);

/* SHA-256 (hex) of the C sources and headers the extension was built from. */
const char *lr_source_digest(void);

#endif
