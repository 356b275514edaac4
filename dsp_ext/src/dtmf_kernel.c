/*
 * dtmf_kernel.c - the one loop that touches every sample: sixteen 16x16-bit
 * dot products (cos and sin of the eight DTMF tones) and the energy of one
 * 26-sample sub-block.
 *
 * Integer multiply-accumulate is exact and maps to one instruction per eight
 * products on x86-64 (SSE2 pmaddwd, always present) and per four on aarch64
 * (NEON smlal), which is what makes the receiver cheaper than eight Goertzel
 * filters running sample by sample. The portable C version gives the same
 * results bit for bit.
 */
#include "dtmf_kernel.h"

#if defined(__SSE2__)
#include <emmintrin.h>

/* The four lane sums of a, b, c, d as one vector {sum a, sum b, sum c, sum d}. */
static __m128i sum4(__m128i a, __m128i b, __m128i c, __m128i d)
{
    __m128i ab = _mm_add_epi32(_mm_unpacklo_epi32(a, b), _mm_unpackhi_epi32(a, b));
    __m128i cd = _mm_add_epi32(_mm_unpacklo_epi32(c, d), _mm_unpackhi_epi32(c, d));
    return _mm_add_epi32(_mm_unpacklo_epi64(ab, cd), _mm_unpackhi_epi64(ab, cd));
}

static __m128i dot32(const __m128i x[4], const int16_t *row)
{
    const __m128i *r = (const __m128i *)(const void *)row;
    __m128i acc = _mm_madd_epi16(x[0], _mm_loadu_si128(r));
    acc = _mm_add_epi32(acc, _mm_madd_epi16(x[1], _mm_loadu_si128(r + 1)));
    acc = _mm_add_epi32(acc, _mm_madd_epi16(x[2], _mm_loadu_si128(r + 2)));
    return _mm_add_epi32(acc, _mm_madd_epi16(x[3], _mm_loadu_si128(r + 3)));
}

uint64_t dtmf_subblock_sums(const int16_t *x, const dtmf_tables *tables, int32_t *sums)
{
    const __m128i *in = (const __m128i *)(const void *)x;
    const __m128i zero = _mm_setzero_si128();
    __m128i v[4];
    __m128i energy = zero;
    uint64_t lanes[2];
    int k;

    for (k = 0; k < 4; k++) {
        __m128i squares;
        v[k] = _mm_loadu_si128(in + k);
        /* A pair of squares is at most 2^31: exact as unsigned 32-bit. */
        squares = _mm_madd_epi16(v[k], v[k]);
        energy = _mm_add_epi64(energy, _mm_unpacklo_epi32(squares, zero));
        energy = _mm_add_epi64(energy, _mm_unpackhi_epi32(squares, zero));
    }
    for (k = 0; k < 2 * DTMF_TONES; k += 4) {
        __m128i total = sum4(dot32(v, tables->row[k]), dot32(v, tables->row[k + 1]),
                             dot32(v, tables->row[k + 2]), dot32(v, tables->row[k + 3]));
        _mm_storeu_si128((__m128i *)(void *)(sums + k), total);
    }
    _mm_storeu_si128((__m128i *)(void *)lanes, energy);
    return lanes[0] + lanes[1];
}

#elif defined(__ARM_NEON) && defined(__aarch64__)
#include <arm_neon.h>

uint64_t dtmf_subblock_sums(const int16_t *x, const dtmf_tables *tables, int32_t *sums)
{
    int16x8_t v[4];
    int64x2_t energy = vdupq_n_s64(0);
    int k;

    for (k = 0; k < 4; k++) {
        v[k] = vld1q_s16(x + 8 * k);
        /* Each square is at most 2^30; pairs are widened to 64 bits at once. */
        energy = vpadalq_s32(energy, vmull_s16(vget_low_s16(v[k]), vget_low_s16(v[k])));
        energy = vpadalq_s32(energy, vmull_high_s16(v[k], v[k]));
    }
    for (k = 0; k < 2 * DTMF_TONES; k++) {
        const int16_t *row = tables->row[k];
        int32x4_t acc = vdupq_n_s32(0);
        int j;
        for (j = 0; j < 4; j++) {
            int16x8_t r = vld1q_s16(row + 8 * j);
            acc = vmlal_s16(acc, vget_low_s16(v[j]), vget_low_s16(r));
            acc = vmlal_high_s16(acc, v[j], r);
        }
        sums[k] = vaddvq_s32(acc);
    }
    return (uint64_t)vaddvq_s64(energy);
}

#else

uint64_t dtmf_subblock_sums(const int16_t *x, const dtmf_tables *tables, int32_t *sums)
{
    uint64_t energy = 0;
    int i, k;

    for (i = 0; i < DTMF_SUB; i++)
        energy += (uint64_t)((int32_t)x[i] * (int32_t)x[i]);
    for (k = 0; k < 2 * DTMF_TONES; k++) {
        int32_t acc = 0;
        for (i = 0; i < DTMF_SUB; i++)
            acc += (int32_t)x[i] * (int32_t)tables->row[k][i];
        sums[k] = acc;
    }
    return energy;
}

#endif
