/*
 * dtmf_tx.c - DTMF generator.
 *
 * Each tone is computed from its phase in double precision (no recursive
 * oscillator to drift) and shaped by raised-cosine rise and fall, so the
 * spectrum holds the two tones and the 16-bit rounding noise only: no
 * harmonics, and little splatter at the switching instants.
 */
#include <math.h>
#include <string.h>

#include "levels.h"
#include "lr_dtmf.h"

static const double SAMPLE_RATE = 8000.0;
static const double PI = 3.14159265358979323846;
static const double ROW_HZ[4] = {697.0, 770.0, 852.0, 941.0};
static const double COL_HZ[4] = {1209.0, 1336.0, 1477.0, 1633.0};
static const char KEYPAD[] = "123A456B789C*0#D";

void lr_dtmf_tx_default_params(lr_dtmf_tx_params *params)
{
    if (params == NULL)
        return;
    params->level_dbm0 = -10.0f;
    params->twist_db = 0.0f;
    params->on_ms = 100.0f;
    params->off_ms = 100.0f;
    params->ramp_ms = 1.0f;
}

static int params_valid(const lr_dtmf_tx_params *p)
{
    /* Written so that NaN fails every test. */
    return p->level_dbm0 >= -60.0f && p->level_dbm0 <= 0.0f
        && p->twist_db >= -20.0f && p->twist_db <= 20.0f
        && p->on_ms >= 1.0f && p->on_ms <= 10000.0f
        && p->off_ms >= 0.0f && p->off_ms <= 10000.0f
        && p->ramp_ms >= 0.0f && p->ramp_ms <= 10.0f
        && 2.0f * p->ramp_ms <= p->on_ms;
}

/* The keypad position of a digit character, or -1. */
static int keypad_index(char c)
{
    const char *at;

    if (c >= 'a' && c <= 'd')
        c = (char)(c - 'a' + 'A');
    if (c == '\0')
        return -1;
    at = strchr(KEYPAD, c);
    return at == NULL ? -1 : (int)(at - KEYPAD);
}

static size_t ms_to_samples(float ms)
{
    return (size_t)lround(ms * SAMPLE_RATE / 1000.0);
}

int lr_dtmf_tx_length(const char *digits, size_t n_digits, const lr_dtmf_tx_params *params,
                      size_t *n_samples)
{
    size_t i;

    if (params == NULL || n_samples == NULL || (digits == NULL && n_digits > 0))
        return LR_ERR_NULL;
    if (!params_valid(params))
        return LR_ERR_ARG;
    for (i = 0; i < n_digits; i++)
        if (keypad_index(digits[i]) < 0)
            return LR_ERR_ARG;
    *n_samples = n_digits * (ms_to_samples(params->on_ms) + ms_to_samples(params->off_ms));
    return LR_OK;
}

int lr_dtmf_tx_generate(const char *digits, size_t n_digits, const lr_dtmf_tx_params *params,
                        int16_t *out, size_t max_samples, size_t *n_samples)
{
    size_t total, on, off, ramp, i, k, at = 0;
    double low_amp, high_amp;
    int status = lr_dtmf_tx_length(digits, n_digits, params, &total);

    if (status != LR_OK)
        return status;
    if (out == NULL && total > 0)
        return LR_ERR_NULL;
    if (max_samples < total)
        return LR_ERR_ARG;
    on = ms_to_samples(params->on_ms);
    off = ms_to_samples(params->off_ms);
    ramp = ms_to_samples(params->ramp_ms);
    low_amp = DBM0_PEAK * pow(10.0, params->level_dbm0 / 20.0);
    high_amp = low_amp * pow(10.0, params->twist_db / 20.0);
    /* Both tones in phase at their peaks could exceed 16 bits: scale to fit. */
    if (low_amp + high_amp > 32767.0) {
        double scale = 32767.0 / (low_amp + high_amp);
        low_amp *= scale;
        high_amp *= scale;
    }

    for (k = 0; k < n_digits; k++) {
        int key = keypad_index(digits[k]);
        double w_low = 2.0 * PI * ROW_HZ[key >> 2] / SAMPLE_RATE;
        double w_high = 2.0 * PI * COL_HZ[key & 3] / SAMPLE_RATE;
        for (i = 0; i < on; i++) {
            double gain = 1.0;
            size_t from_edge = i < on - 1 - i ? i : on - 1 - i;
            double value;
            if (from_edge < ramp)
                gain = 0.5 - 0.5 * cos(PI * ((double)from_edge + 0.5) / (double)ramp);
            value = gain * (low_amp * sin(w_low * (double)i) + high_amp * sin(w_high * (double)i));
            out[at++] = (int16_t)lround(value);
        }
        for (i = 0; i < off; i++)
            out[at++] = 0;
    }
    *n_samples = total;
    return LR_OK;
}
