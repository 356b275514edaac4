/* peer_g168.c - see peer_g168.h. Test and benchmark use only. */
#include <stdint.h>
#include <spandsp.h>
#include <spandsp/g168models.h>

#include "peer_g168.h"

#define COUNT(a) ((int)(sizeof(a) / sizeof((a)[0])))

static int copy_model(const int32_t *coeffs, int count, float gain, float *taps, int max)
{
    int i;

    if (count > max)
        count = max;
    for (i = 0; i < count; i++)
        taps[i] = (float)coeffs[i] * gain;
    return count;
}

int peer_g168_echo_path(int model, float *taps, int max)
{
    switch (model) {
    case 2: return copy_model(line_model_d2_coeffs, COUNT(line_model_d2_coeffs), LINE_MODEL_D2_GAIN, taps, max);
    case 3: return copy_model(line_model_d3_coeffs, COUNT(line_model_d3_coeffs), LINE_MODEL_D3_GAIN, taps, max);
    case 4: return copy_model(line_model_d4_coeffs, COUNT(line_model_d4_coeffs), LINE_MODEL_D4_GAIN, taps, max);
    case 5: return copy_model(line_model_d5_coeffs, COUNT(line_model_d5_coeffs), LINE_MODEL_D5_GAIN, taps, max);
    case 6: return copy_model(line_model_d6_coeffs, COUNT(line_model_d6_coeffs), LINE_MODEL_D6_GAIN, taps, max);
    case 7: return copy_model(line_model_d7_coeffs, COUNT(line_model_d7_coeffs), LINE_MODEL_D7_GAIN, taps, max);
    case 8: return copy_model(line_model_d8_coeffs, COUNT(line_model_d8_coeffs), LINE_MODEL_D8_GAIN, taps, max);
    case 9: return copy_model(line_model_d9_coeffs, COUNT(line_model_d9_coeffs), LINE_MODEL_D9_GAIN, taps, max);
    default: return -1;
    }
}

int peer_g168_css_voiced(int16_t *out, int max)
{
    int count = COUNT(css_c1), i;

    if (count > max)
        count = max;
    for (i = 0; i < count; i++)
        out[i] = (int16_t)css_c1[i];
    return count;
}
