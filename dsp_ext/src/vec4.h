/*
 * vec4.h - four floats at a time with gcc's vector types (SSE2 on x86-64,
 * NEON on the Pi), for the kernels that gain from it.
 */
#ifndef LR_VEC4_H
#define LR_VEC4_H

#include <stdint.h>
#include <string.h>

typedef float v4f __attribute__((vector_size(16)));
typedef int32_t v4i __attribute__((vector_size(16)));

/* Unaligned loads and stores: the caller's state is only 8-byte aligned. */
static inline v4f load4(const float *p)
{
    v4f v;
    memcpy(&v, p, sizeof v);
    return v;
}

static inline v4i load4i(const int32_t *p)
{
    v4i v;
    memcpy(&v, p, sizeof v);
    return v;
}

static inline void store4(float *p, v4f v)
{
    memcpy(p, &v, sizeof v);
}

static inline v4f splat(float x)
{
    v4f v = {x, x, x, x};
    return v;
}

#endif
