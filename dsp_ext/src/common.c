/*
 * common.c - status strings and the build identity.
 *
 * LR_VERSION and LR_SOURCE_DIGEST are passed by the build script, which
 * reads the version from dsp_ext/_version.py and hashes the C sources, so
 * the Python package can tell at import whether this build is stale.
 */
#include "lr_common.h"

#ifndef LR_VERSION
#error "LR_VERSION must be defined by the build (dsp_ext/build_ffi.py)"
#endif
#ifndef LR_SOURCE_DIGEST
#error "LR_SOURCE_DIGEST must be defined by the build (dsp_ext/build_ffi.py)"
#endif

const char *lr_strerror(int code)
{
    switch (code) {
    case LR_OK:
        return "success";
    case LR_ERR_NULL:
        return "a required buffer or state pointer was NULL";
    case LR_ERR_ARG:
        return "an argument was outside its allowed range";
    case LR_ERR_STATE:
        return "the state was not initialised";
    default:
        return "unknown status code";
    }
}

const char *lr_version(void)
{
    return LR_VERSION;
}

const char *lr_source_digest(void)
{
    return LR_SOURCE_DIGEST;
}
