/*
 * vec4.h - four floats at a time with gcc's vector types (SSE2 on x86-64,
 * NEON on the Pi), for the kernels that gain from it.
 */
#ifndef LR_VEC4_H
#define LR_VEC4_H

#include <stdint.h>
#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#elif defined(__ARM_NEON)
#include <arm_neon.h>
#endif

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

/* Four int16 samples as floats (exact). */
static inline v4f load4s(const int16_t *p)
{
#if defined(__SSE2__)
    __m128i v = _mm_loadl_epi64((const __m128i *)(const void *)p);
    return (v4f)_mm_cvtepi32_ps(_mm_srai_epi32(_mm_unpacklo_epi16(v, v), 16));
#elif defined(__ARM_NEON)
    return (v4f)vcvtq_f32_s32(vmovl_s16(vld1_s16(p)));
#else
    v4f v = {(float)p[0], (float)p[1], (float)p[2], (float)p[3]};
    return v;
#endif
}

/* Four comparison results (each lane 0 or -1) as the bits 0 to 3 of a number. */
static inline unsigned mask4(v4i v)
{
#if defined(__SSE2__)
    return (unsigned)_mm_movemask_ps((__m128)v);
#elif defined(__ARM_NEON) && defined(__aarch64__)
    const int32x4_t weights = {1, 2, 4, 8};
    return (unsigned)vaddvq_s32(vandq_s32((int32x4_t)v, weights));
#else
    return (unsigned)((v[0] & 1) | (v[1] & 2) | (v[2] & 4) | (v[3] & 8));
#endif
}

/* Four rows turned into four columns: afterwards *a = {a[0], b[0], c[0], d[0]} and so on. */
static inline void transpose4(v4f *a, v4f *b, v4f *c, v4f *d)
{
    const v4i low = {0, 4, 1, 5}, high = {2, 6, 3, 7}, first = {0, 1, 4, 5}, second = {2, 3, 6, 7};
    v4f t0 = __builtin_shuffle(*a, *b, low), t1 = __builtin_shuffle(*a, *b, high);
    v4f t2 = __builtin_shuffle(*c, *d, low), t3 = __builtin_shuffle(*c, *d, high);
    *a = __builtin_shuffle(t0, t2, first);
    *b = __builtin_shuffle(t0, t2, second);
    *c = __builtin_shuffle(t1, t3, first);
    *d = __builtin_shuffle(t1, t3, second);
}

#endif
