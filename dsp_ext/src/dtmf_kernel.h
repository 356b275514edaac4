/*
 * dtmf_kernel.h - private: the DTMF receiver's inner loop, the eight tones'
 * partial DFT sums over one sub-block, in SIMD where the target has it.
 */
#ifndef LR_DTMF_KERNEL_H
#define LR_DTMF_KERNEL_H

#include <stdint.h>

/* Samples per sub-block (the receiver's hop, 3.25 ms) and padded length. */
enum { DTMF_SUB = 26, DTMF_SUB_PAD = 32, DTMF_TONES = 8 };

/*
 * Tables are in Q11 so that no input can overflow a 32-bit sum: at most
 * 26 * 32768 * 2048 = 1.74e9 < 2^31. Row t is cos(w_t i), row 8 + t is
 * sin(w_t i); entries past DTMF_SUB are zero. tail[r] is row r's last two
 * entries (samples 24 and 25), for the vector kernels: they take the first
 * 24 samples eight at a time and the last two for four rows at once.
 */
typedef struct dtmf_tables {
    int16_t row[2 * DTMF_TONES][DTMF_SUB_PAD];
    int16_t tail[2 * DTMF_TONES][2];
} dtmf_tables;

/* Fill tail[] from row[]. */
void dtmf_tables_finish(dtmf_tables *tables);

/*
 * sums[t] = sum x[i] cos(w_t i), sums[8 + t] = sum x[i] sin(w_t i) (Q11) over
 * the DTMF_SUB samples of x (no more are read); returns the sum of x[i]^2,
 * exact.
 */
uint64_t dtmf_subblock_sums(const int16_t *x, const dtmf_tables *tables, int32_t *sums);

#endif
