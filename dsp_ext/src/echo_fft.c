/*
 * echo_fft.c - see echo_fft.h.
 *
 * The 128 real samples are taken as 64 complex ones (even samples real, odd
 * imaginary), put through a 64-point complex FFT and split into the
 * spectrum of the real signal (the inverse merges, then transforms back).
 * The complex FFT is radix 4 on split arrays, three passes, each done four
 * butterflies at a time. The forward transform is decimation in time, which
 * reads its input in base-4 digit-reversed order and writes the spectrum in
 * natural order; the inverse is decimation in frequency, which does the
 * opposite, and is the same forward kernel with real and imaginary parts
 * exchanged on the way in and out. So a filter partition's constraint
 * (inverse, zero the second half of the taps, forward) never puts the
 * samples back in natural order: in digit-reversed order the second half is
 * every element whose position is 2 or 3 modulo 4.
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "echo_fft.h"
#include "vec4.h"

static inline v4f reverse4(v4f v)
{
    const v4i order = {3, 2, 1, 0};
    return __builtin_shuffle(v, order);
}

static int digit_reversed(int n)
{
    return ((n & 3) << 4) | (n & 12) | (n >> 4);
}

void echo_fft_init(echo_fft *fft)
{
    const double pi = 3.14159265358979323846;
    int q, j, i;

    for (q = 1; q <= 3; q++) {
        for (j = 0; j < 4; j++) {
            fft->tw16_re[q - 1][j] = (float)cos(-2.0 * pi * j * q / 16.0);
            fft->tw16_im[q - 1][j] = (float)sin(-2.0 * pi * j * q / 16.0);
        }
        for (j = 0; j < 16; j++) {
            fft->tw64_re[q - 1][j] = (float)cos(-2.0 * pi * j * q / 64.0);
            fft->tw64_im[q - 1][j] = (float)sin(-2.0 * pi * j * q / 64.0);
        }
    }
    for (i = 0; i < ECHO_BINS; i++) {
        fft->split_re[i] = (float)cos(-2.0 * pi * i / ECHO_FFT_SIZE);
        fft->split_im[i] = (float)sin(-2.0 * pi * i / ECHO_FFT_SIZE);
    }
    for (i = 0; i < ECHO_HALF; i++)
        fft->position[i] = (unsigned char)digit_reversed(i);
}

/* The radix-4 butterfly on four legs, four at a time:
 * Y0 = x0 + x1 + x2 + x3, Y1 = x0 - i x1 - x2 + i x3,
 * Y2 = x0 - x1 + x2 - x3, Y3 = x0 + i x1 - x2 - i x3. */
static inline void butterfly(v4f *r0, v4f *i0, v4f *r1, v4f *i1, v4f *r2, v4f *i2, v4f *r3,
                             v4f *i3)
{
    v4f sr = *r0 + *r2, si = *i0 + *i2, dr = *r0 - *r2, di = *i0 - *i2;
    v4f tr = *r1 + *r3, ti = *i1 + *i3, ur = *r1 - *r3, ui = *i1 - *i3;
    *r0 = sr + tr;
    *i0 = si + ti;
    *r2 = sr - tr;
    *i2 = si - ti;
    *r1 = dr + ui;
    *i1 = di - ur;
    *r3 = dr - ui;
    *i3 = di + ur;
}

static inline void turn(v4f *re, v4f *im, const float *wr, const float *wi)
{
    v4f cr = load4(wr), ci = load4(wi), r = *re;
    *re = r * cr - *im * ci;
    *im = r * ci + *im * cr;
}

/* The pass of 4-point DFTs over consecutive elements, sixteen elements at a time. */
static void pass_span1(float *re, float *im)
{
    int at;

    for (at = 0; at < ECHO_HALF; at += 16) {
        v4f r0 = load4(re + at), r1 = load4(re + at + 4), r2 = load4(re + at + 8);
        v4f r3 = load4(re + at + 12);
        v4f i0 = load4(im + at), i1 = load4(im + at + 4), i2 = load4(im + at + 8);
        v4f i3 = load4(im + at + 12);
        transpose4(&r0, &r1, &r2, &r3);
        transpose4(&i0, &i1, &i2, &i3);
        butterfly(&r0, &i0, &r1, &i1, &r2, &i2, &r3, &i3);
        transpose4(&r0, &r1, &r2, &r3);
        transpose4(&i0, &i1, &i2, &i3);
        store4(re + at, r0);
        store4(re + at + 4, r1);
        store4(re + at + 8, r2);
        store4(re + at + 12, r3);
        store4(im + at, i0);
        store4(im + at + 4, i1);
        store4(im + at + 8, i2);
        store4(im + at + 12, i3);
    }
}

/* One radix-4 pass with legs `span` apart (4 or 16) in groups of 4 span, with
 * the twiddles before the butterfly (decimation in time) or after it (in
 * frequency). Always inlined with constant arguments, so each use compiles to
 * straight vector code. */
static inline __attribute__((always_inline)) void pass_wide(const float (*tw_re)[16],
                                                            const float (*tw_im)[16],
                                                            float *re, float *im, int span,
                                                            int twiddle_first)
{
    int group, j;

    for (group = 0; group < ECHO_HALF; group += 4 * span) {
        for (j = 0; j < span; j += 4) {
            float *pr = re + group + j, *pi = im + group + j;
            v4f r0 = load4(pr), r1 = load4(pr + span), r2 = load4(pr + 2 * span);
            v4f r3 = load4(pr + 3 * span);
            v4f i0 = load4(pi), i1 = load4(pi + span), i2 = load4(pi + 2 * span);
            v4f i3 = load4(pi + 3 * span);
            if (twiddle_first) {
                turn(&r1, &i1, tw_re[0] + j, tw_im[0] + j);
                turn(&r2, &i2, tw_re[1] + j, tw_im[1] + j);
                turn(&r3, &i3, tw_re[2] + j, tw_im[2] + j);
            }
            butterfly(&r0, &i0, &r1, &i1, &r2, &i2, &r3, &i3);
            if (!twiddle_first) {
                turn(&r1, &i1, tw_re[0] + j, tw_im[0] + j);
                turn(&r2, &i2, tw_re[1] + j, tw_im[1] + j);
                turn(&r3, &i3, tw_re[2] + j, tw_im[2] + j);
            }
            store4(pr, r0);
            store4(pr + span, r1);
            store4(pr + 2 * span, r2);
            store4(pr + 3 * span, r3);
            store4(pi, i0);
            store4(pi + span, i1);
            store4(pi + 2 * span, i2);
            store4(pi + 3 * span, i3);
        }
    }
}

/* Forward 64-point FFT in place, digit-reversed order in, natural order out. */
static void fft_in_time(const echo_fft *fft, float *re, float *im)
{
    pass_span1(re, im);
    pass_wide(fft->tw16_re, fft->tw16_im, re, im, 4, 1);
    pass_wide(fft->tw64_re, fft->tw64_im, re, im, 16, 1);
}

/* Forward 64-point FFT in place, natural order in, digit-reversed order out. */
static void fft_in_frequency(const echo_fft *fft, float *re, float *im)
{
    pass_wide(fft->tw64_re, fft->tw64_im, re, im, 16, 0);
    pass_wide(fft->tw16_re, fft->tw16_im, re, im, 4, 0);
    pass_span1(re, im);
}

/* The spectrum of the 128 real samples from the FFT Z of the 64 complex ones:
 * X[k] = E + w^k O and X[64-k] = conj(E - w^k O), with E = (Z[k] + conj Z[64-k]) / 2,
 * O = (Z[k] - conj Z[64-k]) / 2i and w = exp(-2 pi i / 128). */
static void split(const echo_fft *fft, const float *z_re, const float *z_im, float *re, float *im)
{
    const v4f half = {0.5f, 0.5f, 0.5f, 0.5f};
    int k;

    for (k = 1; k <= ECHO_HALF / 2; k += 4) {
        v4f ar = load4(z_re + k), ai = load4(z_im + k);
        v4f br = reverse4(load4(z_re + ECHO_HALF - k - 3));
        v4f bi = -reverse4(load4(z_im + ECHO_HALF - k - 3));
        v4f er = half * (ar + br), ei = half * (ai + bi);
        v4f or_ = half * (ai - bi), oi = half * (br - ar);
        v4f wr = load4(fft->split_re + k), wi = load4(fft->split_im + k);
        v4f tr = wr * or_ - wi * oi, ti = wr * oi + wi * or_;
        store4(re + k, er + tr);
        store4(im + k, ei + ti);
        store4(re + ECHO_HALF - k - 3, reverse4(er - tr));
        store4(im + ECHO_HALF - k - 3, reverse4(ti - ei));
    }
    re[0] = z_re[0] + z_im[0];
    re[ECHO_HALF] = z_re[0] - z_im[0];
    im[0] = im[ECHO_HALF] = 0.0f;
    for (k = ECHO_BINS; k < ECHO_BINS_PAD; k++)
        re[k] = im[k] = 0.0f;
}

/* The inverse of split, with the 1/64 of the inverse FFT: Z[k] = E + i O with
 * E = (X[k] + conj X[64-k]) / 2 and O = (X[k] - conj X[64-k]) / 2 * exp(+2 pi i k / 128);
 * at 64 - k both are conjugated. */
static void merge(const echo_fft *fft, const float *re, const float *im, float *z_re, float *z_im)
{
    const float scale = 0.5f / ECHO_HALF;
    const v4f half = {scale, scale, scale, scale};
    int k;

    for (k = 1; k <= ECHO_HALF / 2; k += 4) {
        v4f ar = load4(re + k), ai = load4(im + k);
        v4f br = reverse4(load4(re + ECHO_HALF - k - 3));
        v4f bi = -reverse4(load4(im + ECHO_HALF - k - 3));
        v4f er = half * (ar + br), ei = half * (ai + bi);
        v4f dr = half * (ar - br), di = half * (ai - bi);
        v4f wr = load4(fft->split_re + k), wi = -load4(fft->split_im + k);
        v4f or_ = dr * wr - di * wi, oi = dr * wi + di * wr;
        store4(z_re + k, er - oi);
        store4(z_im + k, ei + or_);
        store4(z_re + ECHO_HALF - k - 3, reverse4(er + oi));
        store4(z_im + ECHO_HALF - k - 3, reverse4(or_ - ei));
    }
    z_re[0] = (re[0] + re[ECHO_HALF]) * scale;
    z_im[0] = (re[0] - re[ECHO_HALF]) * scale;
}

/* X -> the 128 samples as 64 complex ones in digit-reversed order. Inverse FFT
 * = the forward one with real and imaginary parts exchanged in and out, so the
 * arrays come back exchanged: z_re holds the real parts again. */
static void inverse_to_reversed(const echo_fft *fft, const float *re, const float *im,
                                float *z_re, float *z_im)
{
    merge(fft, re, im, z_re, z_im);
    fft_in_frequency(fft, z_im, z_re);
}

void echo_rfft(const echo_fft *fft, const float *x, float *re, float *im)
{
    float z_re[ECHO_HALF], z_im[ECHO_HALF];
    int n;

    /* even samples as the real part, odd ones as the imaginary part */
    for (n = 0; n < ECHO_HALF; n++) {
        z_re[fft->position[n]] = x[2 * n];
        z_im[fft->position[n]] = x[2 * n + 1];
    }
    fft_in_time(fft, z_re, z_im);
    split(fft, z_re, z_im, re, im);
}

void echo_irfft_tail(const echo_fft *fft, const float *re, const float *im, float *tail)
{
    float z_re[ECHO_HALF], z_im[ECHO_HALF];
    int n;

    inverse_to_reversed(fft, re, im, z_re, z_im);
    for (n = ECHO_HALF / 2; n < ECHO_HALF; n++) {
        tail[2 * n - ECHO_HALF] = z_re[fft->position[n]];
        tail[2 * n - ECHO_HALF + 1] = z_im[fft->position[n]];
    }
}

void echo_constrain(const echo_fft *fft, float *re, float *im)
{
    const v4f keep = {1.0f, 1.0f, 0.0f, 0.0f};
    float z_re[ECHO_HALF], z_im[ECHO_HALF];
    int at;

    inverse_to_reversed(fft, re, im, z_re, z_im);
    /* samples 64 .. 127 are the complex samples 32 .. 63: positions 2, 3 mod 4 */
    for (at = 0; at < ECHO_HALF; at += 4) {
        store4(z_re + at, load4(z_re + at) * keep);
        store4(z_im + at, load4(z_im + at) * keep);
    }
    fft_in_time(fft, z_re, z_im);
    split(fft, z_re, z_im, re, im);
}
