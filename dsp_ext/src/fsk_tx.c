/*
 * fsk_tx.c - phase-continuous 1200 baud FSK (Bell 202, V.23) from bits.
 *
 * Each sample is the ideal continuous-phase waveform at its own time:
 * the phase at a bit's start edge plus the bit's tone times the time since
 * that edge, so bit edges may fall between samples (any bit-rate offset)
 * without a phase jump.
 */
#include "lr_fsk.h"

#include <string.h>

#define TX_MAGIC 0x4c524654u    /* "LRFT" */
#define SINE_SIZE 1024

struct lr_fsk_tx {
    uint32_t magic;
    double mark_step, space_step;  /* cycles per sample */
    double bit_samples;
    double amplitude;
    double phase;                  /* cycles at the start of the next bit, in [0, 1) */
    double offset;                 /* its first sample's time after that start, in [0, 1) */
    float sine[SINE_SIZE + 1];
};

size_t lr_fsk_tx_state_size(void)
{
    return sizeof(struct lr_fsk_tx);
}

int lr_fsk_tx_reset(struct lr_fsk_tx *st)
{
    if (st == NULL)
        return LR_ERR_NULL;
    if (st->magic != TX_MAGIC)
        return LR_ERR_STATE;
    st->phase = 0.0;
    st->offset = 0.0;
    return LR_OK;
}

int lr_fsk_tx_init(struct lr_fsk_tx *st, int standard, double amplitude,
                   double freq_offset, double baud_offset)
{
    if (st == NULL)
        return LR_ERR_NULL;
    if ((standard != LR_FSK_BELL202 && standard != LR_FSK_V23) || !(amplitude >= 0.0) ||
        amplitude > 32767.0 || !(freq_offset >= -0.05 && freq_offset <= 0.05) ||
        !(baud_offset >= -0.05 && baud_offset <= 0.05))
        return LR_ERR_ARG;
    memset(st, 0, sizeof *st);
    st->magic = TX_MAGIC;
    double mark = standard == LR_FSK_BELL202 ? 1200.0 : 1300.0;
    double space = standard == LR_FSK_BELL202 ? 2200.0 : 2100.0;
    st->mark_step = mark * (1.0 + freq_offset) / 8000.0;
    st->space_step = space * (1.0 + freq_offset) / 8000.0;
    st->bit_samples = 8000.0 / (1200.0 * (1.0 + baud_offset));
    st->amplitude = amplitude;

    /* sine table by rotation in double precision (no libm) */
    const double c = 0.9999811752826011, s = 0.006135884649154475;  /* 2 pi / 1024 */
    double x = 1.0, y = 0.0;
    for (int k = 0; k <= SINE_SIZE; k++) {
        st->sine[k] = (float)y;
        double nx = x * c - y * s;
        y = x * s + y * c;
        x = nx;
    }
    return lr_fsk_tx_reset(st);
}

size_t lr_fsk_tx_samples_needed(size_t n_bits)
{
    /* at most 8000 / (1200 * 0.95) = 7.02 samples per bit */
    return n_bits * 8 + 2;
}

static int16_t sample_at(const struct lr_fsk_tx *st, double phase)
{
    double position = phase * SINE_SIZE;
    int index = (int)position;
    float frac = (float)(position - index);
    float value = st->sine[index] + frac * (st->sine[index + 1] - st->sine[index]);
    double scaled = st->amplitude * value;
    scaled += scaled >= 0.0 ? 0.5 : -0.5;
    if (scaled > 32767.0)
        scaled = 32767.0;
    if (scaled < -32768.0)
        scaled = -32768.0;
    return (int16_t)scaled;
}

int lr_fsk_tx_process(struct lr_fsk_tx *st, const uint8_t *bits, size_t n_bits,
                      int16_t *out, size_t max_out, size_t *n_out)
{
    if (st == NULL || n_out == NULL || (n_bits > 0 && (bits == NULL || out == NULL)))
        return LR_ERR_NULL;
    if (st->magic != TX_MAGIC)
        return LR_ERR_STATE;
    if (max_out < lr_fsk_tx_samples_needed(n_bits))
        return LR_ERR_ARG;
    for (size_t i = 0; i < n_bits; i++)
        if (bits[i] > 1)
            return LR_ERR_ARG;

    size_t written = 0;
    for (size_t i = 0; i < n_bits; i++) {
        double step = bits[i] ? st->mark_step : st->space_step;
        double s = st->offset;
        /* the tolerance keeps rounding from adding a sample where an edge meets one */
        for (; s < st->bit_samples - 1e-9; s += 1.0) {
            double phase = st->phase + step * s;
            out[written++] = sample_at(st, phase - (double)(long long)phase);
        }
        st->offset = s - st->bit_samples;
        st->phase += step * st->bit_samples;
        st->phase -= (double)(long long)st->phase;
    }
    *n_out = written;
    return LR_OK;
}
