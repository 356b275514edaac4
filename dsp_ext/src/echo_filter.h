/*
 * echo_filter.h - the adaptive filters of the line echo canceller (internal):
 * partitioned-block frequency-domain NLMS, overlap-save, two copies.
 *
 * The far end is cut into 64-sample blocks; each 128-sample window (the
 * previous block and this one) is transformed, and the last `parts`
 * spectra are kept. Partition m of a filter holds taps 64 m .. 64 m + 63 as
 * the spectrum of those taps padded with 64 zeros, so the echo estimate of
 * a block is the second half of irfft(sum over m of W_m X_(b-m)).
 *
 * The background filter (w) adapts; the foreground filter (f) makes the
 * output. Adaptation is normalised per bin by the far-end power over the
 * tail (never under its mean while the far end talks), weighted per partition by the share of
 * the filter's energy in it and its neighbours (proportionate: a line's echo
 * sits in a few partitions behind its bulk delay), and, when the caller asks,
 * cut in the bins where the error is far over the echo estimate; during the first
 * convergence the partitions outside that region also leak towards zero.
 * The gradient's time-domain constraint (taps 64 .. 127 of each partition
 * kept at zero) is applied on every block to the first partition
 * and to the one or two (for 4 partitions, or more) holding most of the
 * filter's energy, and to 1, 2 or 3 others in turn (for 4, 10 or 16
 * partitions): the constraint costs two FFTs a partition, and the partitions
 * left out for a few blocks drift by very little.
 */
#ifndef ECHO_FILTER_H
#define ECHO_FILTER_H

#include "echo_fft.h"

enum {
    ECHO_BLOCK = ECHO_FFT_SIZE / 2, /* 64 samples, 8 ms */
    ECHO_MAX_PARTS = 16             /* 128 ms */
};

typedef struct echo_filter {
    echo_fft fft;
    int parts;  /* 4, 10 or 16 */
    int newest; /* ring index of the newest far-end spectrum */
    float x_re[ECHO_MAX_PARTS][ECHO_BINS_PAD], x_im[ECHO_MAX_PARTS][ECHO_BINS_PAD];
    float w_re[ECHO_MAX_PARTS][ECHO_BINS_PAD], w_im[ECHO_MAX_PARTS][ECHO_BINS_PAD];
    float f_re[ECHO_MAX_PARTS][ECHO_BINS_PAD], f_im[ECHO_MAX_PARTS][ECHO_BINS_PAD];
    float power[ECHO_BINS_PAD]; /* far-end power per bin over the tail, held */
    float talk_power[ECHO_BINS_PAD]; /* its mean while the far end talks: the step's floor */
} echo_filter;

void echo_filter_init(echo_filter *f, int parts);
/* Zero the filters and the far-end history. */
void echo_filter_clear(echo_filter *f);
/* A block is complete: far_time holds the previous block and this one (128 samples). */
void echo_filter_push(echo_filter *f, const float *far_time);
/* Both filters' echo estimates of the block just pushed (64 samples each). */
void echo_filter_outputs(const echo_filter *f, float *fg_echo, float *bg_echo);
/* The foreground's echo estimate of the first `fill` samples of a block not yet
 * complete (far_time as for push, only its first 64 + fill samples are read). */
void echo_filter_partial(const echo_filter *f, const float *far_time, int fill, float *echo);
/* One NLMS step of the background on the block just pushed; error = near - background echo.
 * share: the part of the step spread by partition energy (0 .. 1); leak: how much the
 * partitions outside the echo's region shrink (0 .. 1); far_talks: 1 unless this block
 * is only the far end's echo still coming back; turn: a block counter,
 * choosing which partitions the constraint covers this time. echo: NULL, or the
 * estimate the error was taken from (64 samples), to learn in each bin only what it
 * can explain: the step in a bin where the error is more than `explains` times (in
 * power) the estimate is cut by that ratio. */
void echo_filter_adapt(echo_filter *f, const float *error, float mu, float share, float leak,
                       int far_talks, long turn, const float *echo, float explains);
void echo_filter_copy_to_foreground(echo_filter *f);
void echo_filter_copy_to_background(echo_filter *f);
/* foreground += rate * (background - foreground) */
void echo_filter_follow(echo_filter *f, float rate);
/* Zero the foreground (and the background too if drop_background). */
void echo_filter_drop(echo_filter *f, int drop_background);

#endif
