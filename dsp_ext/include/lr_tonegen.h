/*
 * lr_tonegen.h - tone generator: one to four tones at levels in dBm0,
 * switched by a cadence of up to 16 segments. Enough for every
 * call-progress tone (dial, ringback, busy, congestion), the special
 * information tone (a different frequency per segment) and the fax tones
 * (CNG; CED, and ANSam with its phase reversals and 15 Hz modulation).
 *
 * The state holds the tone and a position, so a stream can be generated in
 * pieces of any length, or any stretch of it on its own after a seek: the
 * samples depend only on the position, never on how the calls were cut.
 * Every tone's phase runs from position 0, so a tone heard in two segments
 * goes on where it left off.
 */
#ifndef LR_TONEGEN_H
#define LR_TONEGEN_H

#include "lr_common.h"

/* The sizes of the arrays below (cffi reads the literal numbers). */
enum {
    LR_TONEGEN_MAX_SEGMENTS = 16,
    LR_TONEGEN_MAX_TONES = 4
};

typedef struct lr_tonegen_segment {
    float duration_ms;          /* 0.125..3600000 (boundaries rounded to samples) */
    int n_tones;                /* 0 (silence) .. 4 */
    float frequencies_hz[4];    /* each in 1..3999 Hz */
    float levels_dbm0[4];       /* each tone's level, -80..+3.14 */
} lr_tonegen_segment;

typedef struct lr_tonegen_spec {
    int n_segments;             /* 1..16 */
    lr_tonegen_segment segments[16];
    int repeat;                 /* 1: the segments loop for ever; 0: once, then silence */
    float ramp_ms;              /* raised-cosine rise and fall inside each tone segment, 0..50 */
    float reversal_ms;          /* 0, or the phase turns over (180 degrees) every reversal_ms,
                                   counted from position 0, 10..10000 (ANS/ANSam: 450) */
    float am_hz;                /* 0, or amplitude modulation at this rate, 0.1..100 (ANSam: 15) */
    float am_depth;             /* its depth: the envelope swings 1 +- am_depth, 0..1 (ANSam: 0.2) */
} lr_tonegen_spec;

typedef struct lr_tonegen lr_tonegen;

/* A spec with no segments, no ramp, no reversals, no modulation, repeat 1. */
void lr_tonegen_spec_defaults(lr_tonegen_spec *spec);

size_t lr_tonegen_state_size(void);

/* LR_ERR_NULL, or LR_ERR_ARG for a spec outside the ranges above (or a ramp
 * longer than half a segment). The position starts at 0. */
int lr_tonegen_init(lr_tonegen *state, const lr_tonegen_spec *spec);

/* Go to a position (samples from the start, >= 0). */
int lr_tonegen_seek(lr_tonegen *state, int64_t position);
int64_t lr_tonegen_position(const lr_tonegen *state);

/* Samples in one pass through the segments. */
int64_t lr_tonegen_cycle_length(const lr_tonegen *state);

/* Write the next n samples and advance the position by n. */
int lr_tonegen_generate(lr_tonegen *state, int16_t *out, size_t n);

#endif
