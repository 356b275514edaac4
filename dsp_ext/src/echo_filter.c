/*
 * echo_filter.c - see echo_filter.h.
 *
 * Every per-bin loop runs over ECHO_BINS_PAD bins, four at a time; the
 * padding bins hold zeros in the far-end spectra, so they stay zero in the
 * filters too.
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "echo_filter.h"
#include "vec4.h"

static inline v4f max4(v4f a, v4f b)
{
    v4i a_wins = a > b;
    return (v4f)((a_wins & (v4i)a) | (~a_wins & (v4i)b));
}

static const float POWER_HOLD = 0.9f;     /* per block */
static const float REGULARISATION = 0.05f;/* share of the mean bin power added to every bin */
/* Partitions whose region holds under this share of the strongest region's
 * energy are outside the echo. */
static const float FOCUS_IDLE = 0.1f;
/* The step's far-end power is never less than its mean while the far end
 * talks (over about 0.6 s): in the blocks after the far end stops, while its
 * echo still comes back, the step would otherwise grow on the little far
 * end left in the tail, and the adaptation noise with it. */
static const float TALK_POWER_RATE = 0.0125f;

void echo_filter_init(echo_filter *f, int parts)
{
    echo_fft_init(&f->fft);
    f->parts = parts;
    echo_filter_clear(f);
}

void echo_filter_clear(echo_filter *f)
{
    f->newest = 0;
    memset(f->x_re, 0, sizeof f->x_re);
    memset(f->x_im, 0, sizeof f->x_im);
    memset(f->w_re, 0, sizeof f->w_re);
    memset(f->w_im, 0, sizeof f->w_im);
    memset(f->f_re, 0, sizeof f->f_re);
    memset(f->f_im, 0, sizeof f->f_im);
    memset(f->power, 0, sizeof f->power);
    memset(f->talk_power, 0, sizeof f->talk_power);
}

/* Ring index of the far-end spectrum `age` blocks older than the newest. */
static inline int ring(const echo_filter *f, int age)
{
    int at = f->newest - age;
    return at < 0 ? at + f->parts : at;
}

void echo_filter_push(echo_filter *f, const float *far_time)
{
    f->newest = f->newest + 1 == f->parts ? 0 : f->newest + 1;
    echo_rfft(&f->fft, far_time, f->x_re[f->newest], f->x_im[f->newest]);
}

/* y += w * x over all bins */
static inline void multiply_add(const float *wr, const float *wi, const float *xr,
                                const float *xi, float *yr, float *yi)
{
    int k;

    for (k = 0; k < ECHO_BINS_PAD; k += 4) {
        v4f a = load4(wr + k), b = load4(wi + k), c = load4(xr + k), d = load4(xi + k);
        store4(yr + k, load4(yr + k) + a * c - b * d);
        store4(yi + k, load4(yi + k) + a * d + b * c);
    }
}

void echo_filter_outputs(const echo_filter *f, float *fg_echo, float *bg_echo)
{
    float fr[ECHO_BINS_PAD] = {0}, fi[ECHO_BINS_PAD] = {0};
    float br[ECHO_BINS_PAD] = {0}, bi[ECHO_BINS_PAD] = {0};
    int m;

    for (m = 0; m < f->parts; m++) {
        int at = ring(f, m);
        multiply_add(f->f_re[m], f->f_im[m], f->x_re[at], f->x_im[at], fr, fi);
        multiply_add(f->w_re[m], f->w_im[m], f->x_re[at], f->x_im[at], br, bi);
    }
    echo_irfft_tail(&f->fft, fr, fi, fg_echo);
    echo_irfft_tail(&f->fft, br, bi, bg_echo);
}

void echo_filter_partial(const echo_filter *f, const float *far_time, int fill, float *echo)
{
    float window[ECHO_FFT_SIZE];
    float xr[ECHO_BINS_PAD], xi[ECHO_BINS_PAD], yr[ECHO_BINS_PAD] = {0}, yi[ECHO_BINS_PAD] = {0};
    float tail[ECHO_BLOCK];
    int m;

    /* The samples still to come are zero here: they do not touch the estimate of
     * those already received. The newest stored spectrum is the previous block's. */
    memcpy(window, far_time, (size_t)(ECHO_BLOCK + fill) * sizeof(float));
    memset(window + ECHO_BLOCK + fill, 0, (size_t)(ECHO_BLOCK - fill) * sizeof(float));
    echo_rfft(&f->fft, window, xr, xi);
    multiply_add(f->f_re[0], f->f_im[0], xr, xi, yr, yi);
    for (m = 1; m < f->parts; m++) {
        int at = ring(f, m - 1);
        multiply_add(f->f_re[m], f->f_im[m], f->x_re[at], f->x_im[at], yr, yi);
    }
    echo_irfft_tail(&f->fft, yr, yi, tail);
    memcpy(echo, tail, (size_t)fill * sizeof(float));
}

void echo_filter_adapt(echo_filter *f, const float *error, float mu, float share, float leak,
                       int far_talks, long turn, const float *echo, float explains)
{
    float window[ECHO_FFT_SIZE];
    float er[ECHO_BINS_PAD], ei[ECHO_BINS_PAD], step[ECHO_BINS_PAD], inst[ECHO_BINS_PAD] = {0};
    float norm_power[ECHO_BINS_PAD];
    float weight[ECHO_MAX_PARTS], energy[ECHO_MAX_PARTS], region[ECHO_MAX_PARTS];
    float total = 0.0f, top_region = 0.0f, mean = 0.0f, floor_power;
    float shrink = 1.0f - leak;
    int m, k, rotating = f->parts == 4 ? 1 : f->parts == 10 ? 2 : 3;
    int strongest = f->parts == 4 ? 1 : 2;
    unsigned char constrained[ECHO_MAX_PARTS] = {1};

    memset(window, 0, ECHO_BLOCK * sizeof(float));
    memcpy(window + ECHO_BLOCK, error, ECHO_BLOCK * sizeof(float));
    echo_rfft(&f->fft, window, er, ei);
    /* Constrained this time: the first partition, `rotating` others in turn
     * (below), and the `strongest` partitions, where the echo is. */
    for (k = 0; k < rotating; k++)
        constrained[1 + (int)((turn * rotating + k) % (f->parts - 1))] = 1;

    for (m = 0; m < f->parts; m++) {
        v4f acc = splat(0.0f);
        for (k = 0; k < ECHO_BINS_PAD; k += 4) {
            v4f a = load4(f->w_re[m] + k), b = load4(f->w_im[m] + k);
            acc += a * a + b * b;
        }
        energy[m] = acc[0] + acc[1] + acc[2] + acc[3];
    }
    for (k = 0; k < strongest; k++) {
        int top = -1;
        for (m = 1; m < f->parts; m++)
            if (!constrained[m] && (top < 0 || energy[m] > energy[top]))
                top = m;
        if (top > 0)
            constrained[top] = 1;
    }
    /* Proportionate weights: a `share` of the step by the energy of each
     * partition's region, the rest evenly; they sum to the number of partitions.
     * The echo's region: a partition and its neighbours (a response crosses
     * partition edges, and its quiet start and end are learnt last). */
    for (m = 0; m < f->parts; m++) {
        float r = energy[m];
        if (m > 0 && energy[m - 1] > r)
            r = energy[m - 1];
        if (m + 1 < f->parts && energy[m + 1] > r)
            r = energy[m + 1];
        region[m] = r;
        total += r;
        top_region = r > top_region ? r : top_region;
    }
    for (m = 0; m < f->parts; m++)
        weight[m] = total > 0.0f ? (1.0f - share) + share * (float)f->parts * region[m] / total
                                 : 1.0f;

    /* Far-end power per bin over the tail, weighted the same way, held while it falls. */
    for (m = 0; m < f->parts; m++) {
        const float *xr = f->x_re[ring(f, m)], *xi = f->x_im[ring(f, m)];
        v4f w = splat(weight[m]);
        for (k = 0; k < ECHO_BINS_PAD; k += 4) {
            v4f a = load4(xr + k), b = load4(xi + k);
            store4(inst + k, load4(inst + k) + w * (a * a + b * b));
        }
    }
    for (k = 0; k < ECHO_BINS_PAD; k += 4) {
        v4f power = max4(load4(inst + k), splat(POWER_HOLD) * load4(f->power + k));
        v4f talk = load4(f->talk_power + k);
        store4(f->power + k, power);
        if (far_talks) {
            talk += splat(TALK_POWER_RATE) * (power - talk);
            store4(f->talk_power + k, talk);
        }
        store4(norm_power + k, max4(power, talk));
    }
    for (k = 0; k < ECHO_BINS_PAD; k++)
        mean += norm_power[k];
    mean /= (float)ECHO_BINS;
    floor_power = REGULARISATION * mean + 1.0f;
    for (k = 0; k < ECHO_BINS_PAD; k += 4)
        store4(step + k, splat(2.0f * mu) / (load4(norm_power + k) + splat(floor_power)));

    /* Only what the echo estimate explains: in a bin where the error's power is more
     * than `explains` times the estimate's, what is left is the near end's (a key's
     * tones stand 20 to 60 dB over the echo in their bins), and the step there falls
     * with the ratio. The estimate is transformed as the error is (zeros, then it). */
    if (echo != NULL) {
        float yr[ECHO_BINS_PAD], yi[ECHO_BINS_PAD];
        memcpy(window + ECHO_BLOCK, echo, ECHO_BLOCK * sizeof(float));
        echo_rfft(&f->fft, window, yr, yi);
        for (k = 0; k < ECHO_BINS; k++) {
            float e2 = er[k] * er[k] + ei[k] * ei[k];
            float y2 = explains * (yr[k] * yr[k] + yi[k] * yi[k]);
            if (e2 > y2)
                step[k] *= y2 / e2;
        }
    }

    /* W_m += weight_m * step * conj(X_m) * E; partitions outside the echo's
     * region shrink by `leak` (during the first convergence what they hold is
     * adaptation noise). */
    for (k = 0; k < ECHO_BINS_PAD; k += 4) {
        v4f s = load4(step + k);
        store4(er + k, load4(er + k) * s);
        store4(ei + k, load4(ei + k) * s);
    }
    for (m = 0; m < f->parts; m++) {
        const float *xr = f->x_re[ring(f, m)], *xi = f->x_im[ring(f, m)];
        float *wr = f->w_re[m], *wi = f->w_im[m];
        v4f w = splat(weight[m]);
        for (k = 0; k < ECHO_BINS_PAD; k += 4) {
            v4f a = load4(xr + k), b = load4(xi + k), c = load4(er + k), d = load4(ei + k);
            store4(wr + k, load4(wr + k) + w * (a * c + b * d));
            store4(wi + k, load4(wi + k) + w * (a * d - b * c));
        }
        if (leak > 0.0f && region[m] < FOCUS_IDLE * top_region) {
            v4f keep = splat(shrink);
            for (k = 0; k < ECHO_BINS_PAD; k += 4) {
                store4(wr + k, keep * load4(wr + k));
                store4(wi + k, keep * load4(wi + k));
            }
        }
        if (constrained[m])
            echo_constrain(&f->fft, wr, wi);
    }
}

void echo_filter_copy_to_foreground(echo_filter *f)
{
    memcpy(f->f_re, f->w_re, (size_t)f->parts * sizeof f->f_re[0]);
    memcpy(f->f_im, f->w_im, (size_t)f->parts * sizeof f->f_im[0]);
}

void echo_filter_copy_to_background(echo_filter *f)
{
    memcpy(f->w_re, f->f_re, (size_t)f->parts * sizeof f->w_re[0]);
    memcpy(f->w_im, f->f_im, (size_t)f->parts * sizeof f->w_im[0]);
}

void echo_filter_follow(echo_filter *f, float rate)
{
    v4f r = splat(rate);
    int m, k;

    for (m = 0; m < f->parts; m++) {
        for (k = 0; k < ECHO_BINS_PAD; k += 4) {
            v4f a = load4(f->f_re[m] + k), b = load4(f->f_im[m] + k);
            store4(f->f_re[m] + k, a + r * (load4(f->w_re[m] + k) - a));
            store4(f->f_im[m] + k, b + r * (load4(f->w_im[m] + k) - b));
        }
    }
}

void echo_filter_drop(echo_filter *f, int drop_background)
{
    memset(f->f_re, 0, sizeof f->f_re);
    memset(f->f_im, 0, sizeof f->f_im);
    if (drop_background) {
        memset(f->w_re, 0, sizeof f->w_re);
        memset(f->w_im, 0, sizeof f->w_im);
    }
}
