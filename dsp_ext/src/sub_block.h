/*
 * sub_block.h - private: the analysis the tone and DTMF receivers share.
 * The input is cut into fixed sub-blocks; each gets its partial DFT at the
 * receiver's frequencies from cos/sin tables, rotated to a common phase
 * origin by a phasor exp(-j w m) that steps by one sub-block each time, so
 * that consecutive partial sums add up to the DFT of a longer window.
 */
#ifndef LR_SUB_BLOCK_H
#define LR_SUB_BLOCK_H

#include <math.h>
#include <stdint.h>
#include <string.h>

/*
 * Copies input into the sub-block being filled (`*fill` of `size` samples
 * there) up to its end or the end of the `available` samples; returns how
 * many were taken. The sub-block is complete when *fill reaches size.
 */
static inline size_t sub_block_fill(int16_t *pending, int *fill, int size,
                                    const int16_t *samples, size_t available)
{
    size_t take = (size_t)(size - *fill);

    if (take > available)
        take = available;
    memcpy(pending + *fill, samples, take * sizeof *samples);
    *fill += (int)take;
    return take;
}

/*
 * For a frequency of w radians per sample: cos(w i) and sin(w i) over the
 * `size` samples of a sub-block, scaled by `scale` (the tables' Q format),
 * and the phasor step exp(-j w size) from one sub-block to the next.
 */
static inline void sub_block_tables(double w, int size, double scale, int16_t *cos_table,
                                    int16_t *sin_table, float *step_re, float *step_im)
{
    int i;

    *step_re = (float)cos(w * size);
    *step_im = (float)-sin(w * size);
    for (i = 0; i < size; i++) {
        cos_table[i] = (int16_t)lround(scale * cos(w * i));
        sin_table[i] = (int16_t)lround(scale * sin(w * i));
    }
}

/* The phasors of n frequencies back at the origin (exp(0) = 1). */
static inline void sub_block_phasors_reset(float *phase_re, float *phase_im, int n)
{
    int t;

    for (t = 0; t < n; t++) {
        phase_re[t] = 1.0f;
        phase_im[t] = 0.0f;
    }
}

#endif
