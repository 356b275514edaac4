/*
 * dtas.c - DT-AS / CAS (2130 + 2750 Hz) detector and generator.
 *
 * The detector runs two Goertzel filters over 10 ms blocks and compares
 * the energy they find with the block's whole energy: an alerting tone
 * puts nearly all of it in the two frequencies, each with a fair share.
 * Comparing with the block's own energy makes the test independent of
 * level, and speech or FSK (V.23's 2100 Hz space tone sits 30 Hz from
 * 2130 Hz, but never with 2750 Hz) fail the share tests.
 */
#include "lr_dtas.h"

#include <string.h>

#define DTAS_MAGIC 0x4c524454u  /* "LRDT" */
#define BLOCK 80                /* 10 ms */
#define COEF_LOW (-0.20384891159009969)   /* 2 cos(2 pi 2130 / 8000) */
#define COEF_HIGH (-1.111140466039204)    /* 2 cos(2 pi 2750 / 8000) */
#define SIN_LOW 0.9947921417617265        /* sin(2 pi 2130 / 8000) */
#define SIN_HIGH 0.8314696123025455       /* sin(2 pi 2750 / 8000) */
#define MIN_TOTAL_SHARE 0.75    /* of the block energy in the two tones */
#define MIN_TONE_SHARE 0.12     /* each tone: allows about 6 dB of twist */
/* block energy floor: two tones at -46 dBm0 each (peak about 115) */
#define ENERGY_FLOOR (2.0 * 115.0 * 115.0 / 2.0 * BLOCK)

struct lr_dtas_rx {
    uint32_t magic;
    int min_blocks;
    int64_t block_start;     /* sample index of the current block's first sample */
    int filled;              /* samples in the current block */
    double low1, low2, high1, high2, energy;
    int run;                 /* consecutive tone blocks */
    int64_t run_start;
};

size_t lr_dtas_rx_state_size(void)
{
    return sizeof(struct lr_dtas_rx);
}

int lr_dtas_rx_reset(struct lr_dtas_rx *st)
{
    if (st == NULL)
        return LR_ERR_NULL;
    if (st->magic != DTAS_MAGIC)
        return LR_ERR_STATE;
    st->block_start = 0;
    st->filled = 0;
    st->low1 = st->low2 = st->high1 = st->high2 = st->energy = 0.0;
    st->run = 0;
    st->run_start = 0;
    return LR_OK;
}

int lr_dtas_rx_init(struct lr_dtas_rx *st, int min_ms)
{
    if (st == NULL)
        return LR_ERR_NULL;
    if (min_ms < 20 || min_ms > 500)
        return LR_ERR_ARG;
    memset(st, 0, sizeof *st);
    st->magic = DTAS_MAGIC;
    /* a tone of min_ms fills at least this many whole blocks, however aligned */
    st->min_blocks = min_ms / 10 - 1;
    return lr_dtas_rx_reset(st);
}

size_t lr_dtas_rx_events_needed(size_t n)
{
    return n / BLOCK + 2;
}

static double goertzel_power(double s1, double s2, double coef)
{
    return s1 * s1 + s2 * s2 - coef * s1 * s2;
}

int lr_dtas_rx_process(struct lr_dtas_rx *st, const int16_t *in, size_t n,
                       struct lr_dtas_event *events, size_t max_events, size_t *n_events)
{
    if (st == NULL || n_events == NULL || (n > 0 && (in == NULL || events == NULL)))
        return LR_ERR_NULL;
    if (st->magic != DTAS_MAGIC)
        return LR_ERR_STATE;
    if (max_events < lr_dtas_rx_events_needed(n))
        return LR_ERR_ARG;
    size_t found = 0;
    for (size_t i = 0; i < n; i++) {
        double x = in[i];
        double low = x + COEF_LOW * st->low1 - st->low2;
        st->low2 = st->low1;
        st->low1 = low;
        double high = x + COEF_HIGH * st->high1 - st->high2;
        st->high2 = st->high1;
        st->high1 = high;
        st->energy += x * x;
        if (++st->filled < BLOCK)
            continue;

        /* a tone's share of the block energy: |X(f)|^2 * 2 / (N * sum x^2) */
        double scale = st->energy > 0.0 ? 2.0 / (BLOCK * st->energy) : 0.0;
        double share_low = goertzel_power(st->low1, st->low2, COEF_LOW) * scale;
        double share_high = goertzel_power(st->high1, st->high2, COEF_HIGH) * scale;
        int tone = st->energy >= ENERGY_FLOOR && share_low + share_high >= MIN_TOTAL_SHARE &&
                   share_low >= MIN_TONE_SHARE && share_high >= MIN_TONE_SHARE;
        if (tone) {
            if (st->run++ == 0)
                st->run_start = st->block_start;
        } else {
            if (st->run >= st->min_blocks) {
                events[found].start = st->run_start;
                events[found].end = st->block_start;
                found++;
            }
            st->run = 0;
        }
        st->block_start += BLOCK;
        st->filled = 0;
        st->low1 = st->low2 = st->high1 = st->high2 = st->energy = 0.0;
    }
    *n_events = found;
    return LR_OK;
}

int lr_dtas_generate(int16_t *out, size_t n, double amplitude_low, double amplitude_high)
{
    if (n > 0 && out == NULL)
        return LR_ERR_NULL;
    if (!(amplitude_low >= 0.0 && amplitude_low <= 32767.0) ||
        !(amplitude_high >= 0.0 && amplitude_high <= 32767.0))
        return LR_ERR_ARG;
    /* two sine oscillators by the second-order recurrence, from phase 0 */
    double low_prev = -SIN_LOW, low = 0.0, high_prev = -SIN_HIGH, high = 0.0;
    for (size_t i = 0; i < n; i++) {
        double value = amplitude_low * low + amplitude_high * high;
        value += value >= 0.0 ? 0.5 : -0.5;
        if (value > 32767.0)
            value = 32767.0;
        if (value < -32768.0)
            value = -32768.0;
        out[i] = (int16_t)value;
        double next_low = COEF_LOW * low - low_prev;
        low_prev = low;
        low = next_low;
        double next_high = COEF_HIGH * high - high_prev;
        high_prev = high;
        high = next_high;
    }
    return LR_OK;
}
