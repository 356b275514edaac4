/*
 * fsk_rx_front.c - the FSK receiver's front end; see fsk_rx_front.h.
 *
 * Per pass of up to FRONT_BLOCK input samples:
 *   1. Mix down by 1700 Hz, the centre of both standards, and low-pass
 *      (15 taps) to the analytic baseband z, kept at 4 kHz: the tones sit
 *      at +-500 (+-400) Hz and their sidebands fit in +-2 kHz. Without the
 *      low-pass, correlating a real signal over one short bit also picks
 *      up the mirror image at twice the tone frequency, which costs
 *      several dB.
 *   2. Turn z by the mark and by the space offset (-500/+500 Hz Bell 202,
 *      -400/+400 Hz V.23), into the tone history.
 *   3. A frequency discriminator on z, summed over about one bit, and where
 *      that sum crosses zero.
 * Each loop goes in groups of GROUP entries (a fixed count, which the
 * compiler vectorises), as many groups as the pass's samples need: a short
 * pass (the end of a 20 ms frame) costs what its samples do. Entries past
 * the valid ones, up to the end of their group, are computed on whatever
 * is there and ignored.
 */
#include "fsk_rx_front.h"

#include <string.h>

#include "vec4.h"

#define CENTRE_K 17  /* 1700 Hz in units of 100 Hz */
#define GROUP 8      /* entries a loop takes per turn */

_Static_assert(FRONT_OUT % GROUP == 0 && FRONT_BLOCK % (2 * GROUP) == 0,
               "a pass's loops go in whole groups");
#define FIR_TAPS 15

/*
 * Low-pass for the baseband: 15 taps, Hamming-windowed sinc, cut-off
 * 1300 Hz, unity gain at DC. It removes the mirror image of the tones
 * (3400 +- 500 Hz) and keeps the discriminator's noise down; a wider
 * half-band filter was cheaper but cost 1-2 dB at 6 dB S/N through noisier
 * bit timing. Symmetric: the centre tap, then the pairs at distance 1..7.
 */
static const float fir_centre = 0.323194882f;
static const float fir_pairs[FRONT_DELAY] = {
    0.257601415f, 0.116596466f, 0.005317794f, -0.028018590f,
    -0.014809186f, -0.001036201f, 0.002750861f,
};

void fsk_front_init(struct fsk_front *front, const float *unit_re, const float *unit_im,
                    int k_mark)
{
    for (int i = 0; i < 80 + FRONT_BLOCK; i++) {
        int c = (CENTRE_K * i) % 80;
        front->mix_cos[i % 2][i / 2] = unit_re[c];
        front->mix_sin[i % 2][i / 2] = -unit_im[c];
    }
    /* at 4 kHz a tone of k * 100 Hz turns by 2 k / 80 of a cycle per sample */
    int k = (k_mark + 80) % 80;
    for (int i = 0; i < 40 + FRONT_OUT; i++) {
        int m = (2 * k * i) % 80;
        front->rot_cos[i] = unit_re[m];
        front->rot_sin[i] = -unit_im[m];
    }
    fsk_front_reset(front);
}

void fsk_front_reset(struct fsk_front *front)
{
    front->in80 = 0;
    memset(front->even_re, 0, sizeof front->even_re);
    memset(front->even_im, 0, sizeof front->even_im);
    memset(front->odd_re, 0, sizeof front->odd_re);
    memset(front->odd_im, 0, sizeof front->odd_im);
    /* the filter starts on FIR_TAPS - 1 zeros: baseband sample 0 is centred on input -7 */
    front->fill = FIR_TAPS - 1;
    front->zeros = FRONT_QUIET;  /* all zero so far */
    memset(front->base_re, 0, sizeof front->base_re);
    memset(front->base_im, 0, sizeof front->base_im);
    memset(front->disc, 0, sizeof front->disc);
    memset(front->tones, 0, sizeof front->tones);
    memset(front->disc_sum, 0, sizeof front->disc_sum);
    front->crossings = 0;
    memset(front->crossing_at, 0, sizeof front->crossing_at);
}

/*
 * Mix FRONT_BLOCK inputs down by 1700 Hz, sample 2 j to first_*[j] and
 * sample 2 j + 1 to second_*[j], with the mixer's values for them in the
 * *_first and *_second tables.
 */
static void mix_block(const int16_t *restrict in, int groups, const float *restrict cos_first,
                      const float *restrict sin_first, const float *restrict cos_second,
                      const float *restrict sin_second, float *restrict first_re,
                      float *restrict first_im, float *restrict second_re,
                      float *restrict second_im)
{
    for (int group = 0; group < groups; group++) {
        for (int k = 0; k < GROUP; k++) {
            int j = GROUP * group + k;
            float a = (float)in[2 * j], b = (float)in[2 * j + 1];
            first_re[j] = a * cos_first[j];
            first_im[j] = a * sin_first[j];
            second_re[j] = b * cos_second[j];
            second_im[j] = b * sin_second[j];
        }
    }
}

/*
 * The low-pass, keeping every other output (8 to 4 kHz): out[i] is centred
 * on input 2 i + 7, which is odd[i + 3]; input 2 i + 7 + k is
 * even[i + (8 + k) / 2] for odd k and odd[i + 3 + k / 2] for even k. The
 * terms are added in the same order as in a plain 15-tap loop around the
 * centre. The complex baseband fits in +-2 kHz, and the filter has the
 * mirror image down by over 45 dB before it could alias.
 */
static void filter_block(const float *restrict even, const float *restrict odd, int groups,
                         float *restrict out)
{
    const float *h = fir_pairs;
    for (int group = 0; group < groups; group++) {
        for (int k = 0; k < GROUP; k++) {
            int i = GROUP * group + k;
            out[i] = fir_centre * odd[i + 3] + h[0] * (even[i + 3] + even[i + 4]) +
                     h[1] * (odd[i + 2] + odd[i + 4]) + h[2] * (even[i + 2] + even[i + 5]) +
                     h[3] * (odd[i + 1] + odd[i + 5]) + h[4] * (even[i + 1] + even[i + 6]) +
                     h[5] * (odd[i] + odd[i + 6]) + h[6] * (even[i] + even[i + 7]);
        }
    }
}

/*
 * The baseband times the mark rotation (mark to 0 Hz) and times its
 * conjugate (space to 0 Hz), one quad per sample; the four products are
 * shared.
 */
static void rotate_block(const float *restrict re, const float *restrict im, int groups,
                         const float *restrict cos_table, const float *restrict sin_table,
                         float (*restrict out)[4])
{
    for (int group = 0; group < groups; group++) {
        for (int k = 0; k < GROUP; k++) {
            int i = GROUP * group + k;
            float rc = re[i] * cos_table[i], is = im[i] * sin_table[i];
            float rs = re[i] * sin_table[i], ic = im[i] * cos_table[i];
            out[i][0] = rc - is;
            out[i][1] = rs + ic;
            out[i][2] = rc + is;
            out[i][3] = ic - rs;
        }
    }
}

/* Im(z[i + 1] conj(z[i])): positive on space; z[0] is the last pass's last sample. */
static void discriminate_block(const float *restrict re, const float *restrict im, int groups,
                               float *restrict out)
{
    for (int group = 0; group < groups; group++) {
        for (int k = 0; k < GROUP; k++) {
            int i = GROUP * group + k;
            out[i] = im[i + 1] * re[i] - re[i + 1] * im[i];
        }
    }
}

/* out[i] = in[i] + ... + in[i + FRONT_DISC_SUM - 1]: the discriminator over about one bit. */
static void sum_block(const float *restrict in, int groups, float *restrict out)
{
    for (int group = 0; group < groups; group++) {
        for (int k = 0; k < GROUP; k++) {
            int i = GROUP * group + k;
            float sum = 0.0f;
            for (int j = 0; j < FRONT_DISC_SUM; j++)
                sum += in[i + j];
            out[i] = sum;
        }
    }
}

/*
 * Bit i of the result: the sum crosses zero from sum[i] to sum[i + 1];
 * at[i] where (meaningless where it does not cross). Dividing here, for
 * the whole block at once, keeps the division out of the bit clock's path;
 * the flags come out as bits, four at a time, for the clock to find the
 * next crossing with one instruction.
 */
static uint64_t find_crossings(const float *restrict sum, int groups, float *restrict at)
{
    _Static_assert(FRONT_OUT <= 64 && GROUP % 4 == 0, "a pass's flags fit one number");
    const v4f zero = splat(0.0f);
    uint64_t crossings = 0;
    for (int group = 0; group < groups; group++) {
        for (int k = 0; k < GROUP; k += 4) {
            int i = GROUP * group + k;
            v4f before = load4(&sum[i]), now = load4(&sum[i + 1]);
            v4i crossing = ((before < zero) & (now >= zero)) | ((before > zero) & (now <= zero));
            crossings |= (uint64_t)mask4(crossing) << i;
            store4(&at[i], before / (before - now));
        }
    }
    return crossings;
}

/* Whether the count inputs are all 0 (looking no further than the first that is not). */
static int all_zero(const int16_t *in, int count)
{
    for (int k = 0; k < count; k++) {
        if (in[k] != 0)
            return 0;
    }
    return 1;
}

/*
 * A pass over zeros after FRONT_QUIET zeros: every value it makes, and
 * everything it keeps, is zero, so it sets them instead of working them
 * out (a computed zero may be -0, which nothing downstream can tell from
 * +0: values are compared with zero, squared, or added to others). A line
 * that sends digital silence between calls costs the bit clock's idle
 * steps only.
 */
static int quiet_pass(struct fsk_front *front, int count)
{
    front->in80 = (front->in80 + count) % 80;
    memset(front->even_re, 0, sizeof front->even_re);
    memset(front->even_im, 0, sizeof front->even_im);
    memset(front->odd_re, 0, sizeof front->odd_re);
    memset(front->odd_im, 0, sizeof front->odd_im);
    front->fill += count;
    int made = front->fill >= FIR_TAPS ? (front->fill - FIR_TAPS) / 2 + 1 : 0;
    if (made == 0)
        return 0;
    front->fill -= 2 * made;
    front->base_re[0] = front->base_im[0] = 0.0f;
    memset(&front->tones[FRONT_HISTORY], 0, sizeof front->tones[0] * (size_t)made);
    memset(&front->disc[FRONT_DISC_SUM - 1], 0, sizeof front->disc[0] * (size_t)made);
    memset(&front->disc_sum[1], 0, sizeof front->disc_sum[0] * (size_t)made);
    front->crossings = 0;
    return made;
}

int fsk_front_pass(struct fsk_front *front, const int16_t *in, int count, int t40)
{
    if (all_zero(in, count)) {
        int quiet = front->zeros >= FRONT_QUIET;
        front->zeros = count >= FRONT_QUIET - front->zeros ? FRONT_QUIET : front->zeros + count;
        if (quiet)
            return quiet_pass(front, count);
    } else {
        front->zeros = 0;
    }
    int16_t padded[FRONT_BLOCK];
    if (count < FRONT_BLOCK) {
        /* a short block: entries past count are zero */
        memcpy(padded, in, (size_t)count * sizeof *in);
        memset(&padded[count], 0, (size_t)(FRONT_BLOCK - count) * sizeof *in);
        in = padded;
    }
    /* the mixer's values for samples 2 j and 2 j + 1 of the block */
    const int phase = front->in80 % 2, first = front->in80 / 2, second = (front->in80 + 1) / 2;
    const float *cos_first = &front->mix_cos[phase][first];
    const float *sin_first = &front->mix_sin[phase][first];
    const float *cos_second = &front->mix_cos[1 - phase][second];
    const float *sin_second = &front->mix_sin[1 - phase][second];
    front->in80 = (front->in80 + count) % 80;
    /* new sample k lands at position fill + k: even positions go to even_*, odd to odd_* */
    const int n_even = (front->fill + 1) / 2, n_odd = front->fill / 2;
    /* pairs of inputs to mix, in whole groups (the padding above covers the last) */
    const int mix_groups = (count + 2 * GROUP - 1) / (2 * GROUP);
    if (front->fill % 2 == 0)
        mix_block(in, mix_groups, cos_first, sin_first, cos_second, sin_second,
                  &front->even_re[n_even], &front->even_im[n_even], &front->odd_re[n_odd],
                  &front->odd_im[n_odd]);
    else
        mix_block(in, mix_groups, cos_first, sin_first, cos_second, sin_second,
                  &front->odd_re[n_odd], &front->odd_im[n_odd], &front->even_re[n_even],
                  &front->even_im[n_even]);
    front->fill += count;
    int made = front->fill >= FIR_TAPS ? (front->fill - FIR_TAPS) / 2 + 1 : 0;
    if (made == 0)
        return 0;
    const int groups = (made + GROUP - 1) / GROUP;
    filter_block(front->even_re, front->odd_re, groups, &front->base_re[1]);
    filter_block(front->even_im, front->odd_im, groups, &front->base_im[1]);
    /*
     * Keep the filter's memory for the next pass: from position 2 made on,
     * 13 or 14 inputs, so at most FRONT_DELAY of each phase (a seventh odd
     * one too many is overwritten by the next pass).
     */
    for (int k = 0; k < FRONT_DELAY; k++) {
        front->even_re[k] = front->even_re[made + k];
        front->even_im[k] = front->even_im[made + k];
        front->odd_re[k] = front->odd_re[made + k];
        front->odd_im[k] = front->odd_im[made + k];
    }
    front->fill -= 2 * made;

    rotate_block(&front->base_re[1], &front->base_im[1], groups, &front->rot_cos[t40],
                 &front->rot_sin[t40], &front->tones[FRONT_HISTORY]);
    discriminate_block(front->base_re, front->base_im, groups,
                       &front->disc[FRONT_DISC_SUM - 1]);
    sum_block(front->disc, groups, &front->disc_sum[1]);
    front->crossings = find_crossings(front->disc_sum, groups, front->crossing_at);
    front->base_re[0] = front->base_re[made];
    front->base_im[0] = front->base_im[made];
    return made;
}

void fsk_front_keep(struct fsk_front *front, int made)
{
    memmove(front->disc, &front->disc[made], (FRONT_DISC_SUM - 1) * sizeof(float));
    front->disc_sum[0] = front->disc_sum[made];
    memmove(front->tones, &front->tones[made], sizeof front->tones[0] * FRONT_HISTORY);
}
