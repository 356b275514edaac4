/*
 * fsk_rx_front.h - private: the FSK receiver's front end. 16-bit samples
 * in, a block at a time; out, for each baseband sample (4 kHz), the signal
 * turned so that the mark tone and the space tone each sit at 0 Hz (a
 * bit's tone correlations are then sums over its window), and the zero
 * crossings of the frequency discriminator summed over about one bit
 * (the transitions that drive the bit clock). Every loop here has a fixed
 * length, so that the compiler vectorises it.
 */
#ifndef LR_FSK_RX_FRONT_H
#define LR_FSK_RX_FRONT_H

#include <stdint.h>

enum {
    FRONT_BLOCK = 128,    /* input samples per pass */
    /*
     * Baseband samples a pass makes, at most: the filter carries at most
     * 14 inputs over, so a pass has at most 2 * 64 + 14. A multiple of 4,
     * so that the loops need no scalar tail.
     */
    FRONT_OUT = 64,       /* also the bits of the crossing flags */
    FRONT_HISTORY = 32,   /* baseband samples kept from earlier passes: more than 8 bits */
    FRONT_DELAY = 7,      /* the low-pass's delay, in input samples */
    FRONT_DISC_SUM = 3,   /* the discriminator is summed over this many samples */
    FRONT_HELD = FRONT_OUT + FRONT_DELAY,  /* filter inputs held, of each phase */
    /*
     * Zero inputs after which everything the front end holds from before
     * is zero: the filter's memory and the last baseband sample depend on
     * the last 15 inputs, the discriminator sum on the last 21.
     */
    FRONT_QUIET = 32
};

struct fsk_front {
    /*
     * Oscillators as tables over one period, extended by a block so that
     * any block's values are contiguous: the 1700 Hz mixer at 8 kHz (80
     * samples) split into its even and odd samples (mix_cos[0][m] is
     * sample 2 m, mix_cos[1][m] sample 2 m + 1), and the rotation that
     * brings the mark tone to 0 Hz at 4 kHz (40 samples). The space tone
     * sits at minus the mark offset from 1700 Hz, so its rotation is the
     * conjugate.
     */
    float mix_cos[2][40 + FRONT_BLOCK / 2], mix_sin[2][40 + FRONT_BLOCK / 2];
    float rot_cos[40 + FRONT_OUT], rot_sin[40 + FRONT_OUT];
    int in80;             /* input samples so far, mod 80 */
    /*
     * Mixer output at 8 kHz, the filter's memory in front, then new
     * samples, split into even and odd samples (counted from the first
     * input of the next baseband sample's window): the decimating filter
     * then reads both with unit stride.
     */
    float even_re[FRONT_HELD], even_im[FRONT_HELD];
    float odd_re[FRONT_HELD], odd_im[FRONT_HELD];
    int fill;             /* mixer samples held, even and odd together */
    int zeros;            /* input samples in a row that were 0, up to FRONT_QUIET */
    /* baseband z, with the previous pass's last z in front for the discriminator */
    float base_re[1 + FRONT_OUT], base_im[1 + FRONT_OUT];
    float disc[FRONT_DISC_SUM - 1 + FRONT_OUT];  /* discriminator, the last pass's tail in front */

    /* The outputs; sample i is the pass's i-th new baseband sample. */

    /*
     * Baseband turned to the mark and to the space tone, one quad per
     * sample (mark re, im, space re, im: a bit's four correlations are one
     * vector sum): sample i at tones[FRONT_HISTORY + i], earlier passes'
     * samples in front.
     */
    float tones[FRONT_HISTORY + FRONT_OUT][4];
    /* the discriminator's moving sum: sample i at disc_sum[1 + i], the last pass's in front */
    float disc_sum[1 + FRONT_OUT];
    uint64_t crossings;            /* bit i: the sum crosses zero from sample i - 1 to i */
    float crossing_at[FRONT_OUT];  /* where: before / (before - now), after sample i - 1 */
};

/*
 * Tables for a mark tone k_mark times 100 Hz from 1700 Hz, from the 80th
 * roots of unity (unit_re[k] + j unit_im[k] = e^{j 2 pi k / 80}).
 */
void fsk_front_init(struct fsk_front *front, const float *unit_re, const float *unit_im,
                    int k_mark);
/* Forget the signal; the tables stay. */
void fsk_front_reset(struct fsk_front *front);
/*
 * One pass over count (1 to FRONT_BLOCK) input samples; t40 is the time
 * of the first new baseband sample, mod 40. Returns the number of new
 * baseband samples (at most FRONT_OUT), with their outputs in front.
 */
int fsk_front_pass(struct fsk_front *front, const int16_t *in, int count, int t40);
/* Once the outputs of a pass that made made samples are used: keep what the next needs. */
void fsk_front_keep(struct fsk_front *front, int made);

#endif
