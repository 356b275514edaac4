/*
 * g711.c - G.711 A-law and mu-law.
 *
 * The per-sample functions follow the arithmetic of the ITU-T G.191
 * reference (alaw_compress / alaw_expand / ulaw_compress / ulaw_expand). The
 * buffer functions look samples up in tables filled from those functions
 * once per process: A-law depends only on the top 12 bits of a linear sample
 * and mu-law on the top 14, so the encode tables are 4 KiB and 16 KiB and
 * stay in the L1 cache.
 */
#include <pthread.h>
#include <stdlib.h>

#include "lr_g711.h"

#define ALAW_INVERT 0x55 /* even-bit inversion of the A-law code word */
#define ULAW_BIAS 33     /* mu-law bias on the 14-bit magnitude */

uint8_t lr_alaw_encode_sample(int16_t linear)
{
    /* 12-bit magnitude; one's complement for negative inputs, as in G.191. */
    int magnitude = linear < 0 ? (~linear) >> 4 : linear >> 4;
    int code = magnitude;

    if (magnitude > 15) {
        int exponent = 1;
        while (magnitude > 16 + 15) {
            magnitude >>= 1;
            exponent++;
        }
        code = (magnitude - 16) + (exponent << 4);
    }
    if (linear >= 0)
        code |= 0x80;
    return (uint8_t)(code ^ ALAW_INVERT);
}

int16_t lr_alaw_decode_sample(uint8_t alaw)
{
    int bits = (alaw ^ ALAW_INVERT) & 0x7F;
    int exponent = bits >> 4;
    int mantissa = bits & 0x0F;

    if (exponent > 0)
        mantissa += 16;
    mantissa = (mantissa << 4) + 8; /* the middle of the quantisation step */
    if (exponent > 1)
        mantissa <<= exponent - 1;
    return (int16_t)(alaw & 0x80 ? mantissa : -mantissa);
}

uint8_t lr_ulaw_encode_sample(int16_t linear)
{
    int magnitude = (linear < 0 ? (~linear) >> 2 : linear >> 2) + ULAW_BIAS;
    int segment = 1;
    int code;

    if (magnitude > 0x1FFF)
        magnitude = 0x1FFF;
    for (int rest = magnitude >> 6; rest != 0; rest >>= 1)
        segment++;
    code = ((8 - segment) << 4) | (0x0F - ((magnitude >> segment) & 0x0F));
    if (linear >= 0)
        code |= 0x80;
    return (uint8_t)code;
}

int16_t lr_ulaw_decode_sample(uint8_t ulaw)
{
    int inverted = (uint8_t)~ulaw;
    int exponent = (inverted >> 4) & 0x07;
    int mantissa = inverted & 0x0F;
    int step = 4 << (exponent + 1);
    int magnitude = (0x80 << exponent) + step * mantissa + step / 2 - 4 * ULAW_BIAS;

    return (int16_t)(ulaw & 0x80 ? magnitude : -magnitude);
}

/* ---- tables ------------------------------------------------------------ */

static uint8_t alaw_encode_table[1 << 12]; /* index: (uint16_t)linear >> 4 */
static uint8_t ulaw_encode_table[1 << 14]; /* index: (uint16_t)linear >> 2 */
static int16_t alaw_decode_table[256];
static int16_t ulaw_decode_table[256];
static uint8_t alaw_to_ulaw_table[256];
static uint8_t ulaw_to_alaw_table[256];
static pthread_once_t tables_once = PTHREAD_ONCE_INIT;

/*
 * G.711's conversion tables (Table 3: mu-law to A-law, Table 4: A-law to
 * mu-law) map each decoder output value to the nearest output value of the
 * other law at equal signal level. The two laws reach full scale at different
 * numbers, 4096 A-law units (16-bit value / 8) and 8159 mu-law units (16-bit
 * value / 4), so "equal level" compares u * 4096 with a * 8159, in integers.
 * Table 3 departs from that rule at two mu-law magnitudes, set below. The
 * sign bit carries over unchanged, so mu-law's negative zero stays negative.
 */
#define ALAW_FULL_SCALE 4096
#define ULAW_FULL_SCALE 8159

static int alaw_magnitude_value(int number) /* number 0..127, in A-law units */
{
    return lr_alaw_decode_sample((uint8_t)(0x80 | (number ^ ALAW_INVERT))) / 8;
}

static int ulaw_magnitude_value(int number) /* number 0..127, in mu-law units */
{
    return lr_ulaw_decode_sample((uint8_t)(0xFF ^ number)) / 4;
}

static int nearest_number(long target_scaled, const int *values, long scale)
{
    int best = 0;
    long best_distance = -1;
    for (int number = 0; number < 128; number++) {
        long distance = labs(target_scaled - (long)values[number] * scale);
        if (best_distance < 0 || distance < best_distance) {
            best = number;
            best_distance = distance;
        }
    }
    return best;
}

static void fill_transcoding_tables(void)
{
    int alaw_values[128], ulaw_values[128];
    int ulaw_to_alaw_number[128], alaw_to_ulaw_number[128];

    for (int number = 0; number < 128; number++) {
        alaw_values[number] = alaw_magnitude_value(number);
        ulaw_values[number] = ulaw_magnitude_value(number);
    }
    for (int number = 0; number < 128; number++) {
        ulaw_to_alaw_number[number] = nearest_number(
            (long)ulaw_values[number] * ALAW_FULL_SCALE, alaw_values, ULAW_FULL_SCALE);
        alaw_to_ulaw_number[number] = nearest_number(
            (long)alaw_values[number] * ULAW_FULL_SCALE, ulaw_values, ALAW_FULL_SCALE);
    }
    /* Table 3's own choices at the foot of mu-law segment 3. */
    ulaw_to_alaw_number[48] = 45;
    ulaw_to_alaw_number[49] = 47;

    for (int code = 0; code < 256; code++) {
        int sign = code & 0x80;
        int alaw_number = (code ^ ALAW_INVERT) & 0x7F;
        int ulaw_number = (code ^ 0xFF) & 0x7F;
        alaw_to_ulaw_table[code] = (uint8_t)(sign | (0x7F ^ alaw_to_ulaw_number[alaw_number]));
        ulaw_to_alaw_table[code] = (uint8_t)(sign | (ALAW_INVERT ^ ulaw_to_alaw_number[ulaw_number]));
    }
}

static void fill_tables(void)
{
    for (int index = 0; index < (1 << 12); index++)
        alaw_encode_table[index] = lr_alaw_encode_sample((int16_t)(uint16_t)(index << 4));
    for (int index = 0; index < (1 << 14); index++)
        ulaw_encode_table[index] = lr_ulaw_encode_sample((int16_t)(uint16_t)(index << 2));
    for (int code = 0; code < 256; code++) {
        alaw_decode_table[code] = lr_alaw_decode_sample((uint8_t)code);
        ulaw_decode_table[code] = lr_ulaw_decode_sample((uint8_t)code);
    }
    fill_transcoding_tables();
}

static void ensure_tables(void)
{
    pthread_once(&tables_once, fill_tables);
}

/* ---- buffers ----------------------------------------------------------- */

int lr_alaw_encode(const int16_t *pcm, size_t n, uint8_t *alaw)
{
    if (n > 0 && (pcm == NULL || alaw == NULL))
        return LR_ERR_NULL;
    ensure_tables();
    for (size_t i = 0; i < n; i++)
        alaw[i] = alaw_encode_table[(uint16_t)pcm[i] >> 4];
    return LR_OK;
}

int lr_ulaw_encode(const int16_t *pcm, size_t n, uint8_t *ulaw)
{
    if (n > 0 && (pcm == NULL || ulaw == NULL))
        return LR_ERR_NULL;
    ensure_tables();
    for (size_t i = 0; i < n; i++)
        ulaw[i] = ulaw_encode_table[(uint16_t)pcm[i] >> 2];
    return LR_OK;
}

static int decode_with(const int16_t *table, const uint8_t *codes, size_t n, int16_t *pcm)
{
    if (n > 0 && (codes == NULL || pcm == NULL))
        return LR_ERR_NULL;
    ensure_tables();
    for (size_t i = 0; i < n; i++)
        pcm[i] = table[codes[i]];
    return LR_OK;
}

int lr_alaw_decode(const uint8_t *alaw, size_t n, int16_t *pcm)
{
    return decode_with(alaw_decode_table, alaw, n, pcm);
}

int lr_ulaw_decode(const uint8_t *ulaw, size_t n, int16_t *pcm)
{
    return decode_with(ulaw_decode_table, ulaw, n, pcm);
}

/*
 * A byte table lookup is load, load, store per code; what is left to save
 * is the loop's own bookkeeping, so eight codes go per turn. The eight
 * loads of a turn are read before any store, which keeps in == out (in
 * place) correct.
 */
static int transcode_with(const uint8_t *table, const uint8_t *in, size_t n, uint8_t *out)
{
    size_t i = 0;

    if (n > 0 && (in == NULL || out == NULL))
        return LR_ERR_NULL;
    ensure_tables();
    for (; i + 8 <= n; i += 8) {
        uint8_t c0 = table[in[i]], c1 = table[in[i + 1]];
        uint8_t c2 = table[in[i + 2]], c3 = table[in[i + 3]];
        uint8_t c4 = table[in[i + 4]], c5 = table[in[i + 5]];
        uint8_t c6 = table[in[i + 6]], c7 = table[in[i + 7]];
        out[i] = c0;
        out[i + 1] = c1;
        out[i + 2] = c2;
        out[i + 3] = c3;
        out[i + 4] = c4;
        out[i + 5] = c5;
        out[i + 6] = c6;
        out[i + 7] = c7;
    }
    for (; i < n; i++)
        out[i] = table[in[i]];
    return LR_OK;
}

int lr_alaw_to_ulaw(const uint8_t *alaw, size_t n, uint8_t *ulaw)
{
    return transcode_with(alaw_to_ulaw_table, alaw, n, ulaw);
}

int lr_ulaw_to_alaw(const uint8_t *ulaw, size_t n, uint8_t *alaw)
{
    return transcode_with(ulaw_to_alaw_table, ulaw, n, alaw);
}
