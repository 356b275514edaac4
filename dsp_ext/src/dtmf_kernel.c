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

#include <string.h>

_Static_assert(DTMF_SUB == 26, "the vector kernels take 3 x 8 samples and a pair");

void dtmf_tables_finish(dtmf_tables *tables)
{
    for (int r = 0; r < 2 * DTMF_TONES; r++) {
        tables->tail[r][0] = tables->row[r][24];
        tables->tail[r][1] = tables->row[r][25];
    }
}

#if defined(__SSE2__) || (defined(__ARM_NEON) && defined(__aarch64__))
/* x[24]^2 + x[25]^2, exact. */
static uint64_t tail_energy(const int16_t *x)
{
    return (uint64_t)((int32_t)x[24] * (int32_t)x[24])
           + (uint64_t)((int32_t)x[25] * (int32_t)x[25]);
}
#endif

#if defined(__SSE2__)
#include <emmintrin.h>

/* The four lane sums of a, b, c, d as one vector {sum a, sum b, sum c, sum d}. */
static __m128i sum4(__m128i a, __m128i b, __m128i c, __m128i d)
{
    __m128i ab = _mm_add_epi32(_mm_unpacklo_epi32(a, b), _mm_unpackhi_epi32(a, b));
    __m128i cd = _mm_add_epi32(_mm_unpacklo_epi32(c, d), _mm_unpackhi_epi32(c, d));
    return _mm_add_epi32(_mm_unpacklo_epi64(ab, cd), _mm_unpackhi_epi64(ab, cd));
}

/* Row `row`'s products with samples 0..23, as four lane sums. */
static __m128i dot24(const __m128i x[3], const int16_t *row)
{
    const __m128i *r = (const __m128i *)(const void *)row;
    __m128i acc = _mm_madd_epi16(x[0], _mm_loadu_si128(r));
    acc = _mm_add_epi32(acc, _mm_madd_epi16(x[1], _mm_loadu_si128(r + 1)));
    return _mm_add_epi32(acc, _mm_madd_epi16(x[2], _mm_loadu_si128(r + 2)));
}

uint64_t dtmf_subblock_sums(const int16_t *x, const dtmf_tables *tables, int32_t *sums)
{
    const __m128i *in = (const __m128i *)(const void *)x;
    const __m128i *tail_rows = (const __m128i *)(const void *)tables->tail;
    const __m128i zero = _mm_setzero_si128();
    __m128i v[3], pair;
    __m128i energy = zero;
    uint64_t lanes[2];
    int32_t last_two;
    int k;

    for (k = 0; k < 3; k++) {
        __m128i squares;
        v[k] = _mm_loadu_si128(in + k);
        /* A pair of squares is at most 2^31: exact as unsigned 32-bit. */
        squares = _mm_madd_epi16(v[k], v[k]);
        energy = _mm_add_epi64(energy, _mm_unpacklo_epi32(squares, zero));
        energy = _mm_add_epi64(energy, _mm_unpackhi_epi32(squares, zero));
    }
    /* Samples 24 and 25 in every lane: one madd gives their part of four rows. */
    memcpy(&last_two, x + 24, sizeof last_two);
    pair = _mm_set1_epi32(last_two);
    for (k = 0; k < 2 * DTMF_TONES; k += 4) {
        __m128i total = sum4(dot24(v, tables->row[k]), dot24(v, tables->row[k + 1]),
                             dot24(v, tables->row[k + 2]), dot24(v, tables->row[k + 3]));
        total = _mm_add_epi32(total, _mm_madd_epi16(pair, _mm_loadu_si128(tail_rows + k / 4)));
        _mm_storeu_si128((__m128i *)(void *)(sums + k), total);
    }
    _mm_storeu_si128((__m128i *)(void *)lanes, energy);
    return lanes[0] + lanes[1] + tail_energy(x);
}

#elif defined(__ARM_NEON) && defined(__aarch64__)
#include <arm_neon.h>

uint64_t dtmf_subblock_sums(const int16_t *x, const dtmf_tables *tables, int32_t *sums)
{
    int16x8_t v[3], pair;
    int64x2_t energy = vdupq_n_s64(0);
    int32_t last_two;
    int k;

    for (k = 0; k < 3; k++) {
        v[k] = vld1q_s16(x + 8 * k);
        /* Each square is at most 2^30; pairs are widened to 64 bits at once. */
        energy = vpadalq_s32(energy, vmull_s16(vget_low_s16(v[k]), vget_low_s16(v[k])));
        energy = vpadalq_s32(energy, vmull_high_s16(v[k], v[k]));
    }
    for (k = 0; k < 2 * DTMF_TONES; k++) {
        const int16_t *row = tables->row[k];
        int32x4_t acc = vdupq_n_s32(0);
        int j;
        for (j = 0; j < 3; j++) {
            int16x8_t r = vld1q_s16(row + 8 * j);
            acc = vmlal_s16(acc, vget_low_s16(v[j]), vget_low_s16(r));
            acc = vmlal_high_s16(acc, v[j], r);
        }
        sums[k] = vaddvq_s32(acc);
    }
    /* Samples 24 and 25 in every pair of lanes: their part of four rows at a time. */
    memcpy(&last_two, x + 24, sizeof last_two);
    pair = vreinterpretq_s16_s32(vdupq_n_s32(last_two));
    for (k = 0; k < 2 * DTMF_TONES; k += 4) {
        int16x8_t r = vld1q_s16(tables->tail[k]);
        int32x4_t products = vpaddq_s32(vmull_s16(vget_low_s16(pair), vget_low_s16(r)),
                                        vmull_high_s16(pair, r));
        vst1q_s32(sums + k, vaddq_s32(vld1q_s32(sums + k), products));
    }
    return (uint64_t)vaddvq_s64(energy) + tail_energy(x);
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
