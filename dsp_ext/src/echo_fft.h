/*
 * echo_fft.h - the 128-point real FFTs of the line echo canceller (internal).
 *
 * Spectra are kept split, real and imaginary parts in separate arrays of
 * ECHO_BINS_PAD floats: bins 0 .. 64 in natural order, then zeros, so that
 * every per-bin loop of the canceller runs over whole groups of four.
 * Bins 0 and 64 have a zero imaginary part.
 *
 * echo_rfft:        x[128] -> X, unnormalised (X[k] = sum x[n] e^(-2 pi i k n / 128)).
 * echo_irfft_tail:  X -> the second half of irfft(X) (x[64 .. 127], with the 1/128).
 * echo_constrain:   X -> rfft(first half of irfft(X)): the taps 64 .. 127 of a
 *                   filter partition set to zero.
 */
#ifndef ECHO_FFT_H
#define ECHO_FFT_H

enum {
    ECHO_FFT_SIZE = 128,
    ECHO_HALF = ECHO_FFT_SIZE / 2,      /* the complex FFT inside */
    ECHO_BINS = ECHO_FFT_SIZE / 2 + 1,  /* 65 */
    ECHO_BINS_PAD = 68                  /* a multiple of four */
};

typedef struct echo_fft {
    /* Radix-4 twiddles exp(-2 pi i j q / size), legs q = 1 .. 3 (rows of 16 for
     * both sizes, so one pass function takes either; size 16 uses j < 4). */
    float tw16_re[3][16], tw16_im[3][16];
    float tw64_re[3][16], tw64_im[3][16];
    /* exp(-2 pi i k / 128), k = 0 .. 64, for the real-input split. */
    float split_re[ECHO_BINS];
    float split_im[ECHO_BINS];
    /* Where complex sample n sits in the digit-reversed order. */
    unsigned char position[ECHO_HALF];
} echo_fft;

void echo_fft_init(echo_fft *fft);
void echo_rfft(const echo_fft *fft, const float *x, float *re, float *im);
void echo_irfft_tail(const echo_fft *fft, const float *re, const float *im, float *tail);
void echo_constrain(const echo_fft *fft, float *re, float *im);

#endif
