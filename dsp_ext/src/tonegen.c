/*
 * tonegen.c - tone generator: tones by cadence segments, with ramps, phase
 * reversals and amplitude modulation.
 *
 * Each run of samples (inside one segment, between two phase reversals,
 * at most CHUNK long) starts every oscillator from its exact phase at the
 * run's first position, computed in double from the position, then steps
 * it with the second-order recurrence s[n+1] = 2 cos(w) s[n] - s[n-1].
 * Restarting per run keeps the output a function of the position alone
 * (seek and generate give the same samples as one long call) and the
 * recurrence's rounding drift far under the 16-bit step.
 */
#include <math.h>
#include <string.h>

#include "levels.h"
#include "lr_tonegen.h"

enum {
    MAX_SEGMENTS = LR_TONEGEN_MAX_SEGMENTS,
    MAX_TONES = LR_TONEGEN_MAX_TONES,
    CHUNK = 256
};

/* The header spells the array sizes out for cffi: they must match the enum. */
_Static_assert(sizeof(((lr_tonegen_spec *)0)->segments) == MAX_SEGMENTS * sizeof(lr_tonegen_segment),
               "lr_tonegen_spec.segments");
_Static_assert(sizeof(((lr_tonegen_segment *)0)->frequencies_hz) == MAX_TONES * sizeof(float),
               "lr_tonegen_segment.frequencies_hz");

static const uint32_t GEN_MAGIC = 0x544f4e47u; /* "TONG" */
static const double SAMPLE_RATE = 8000.0;
static const double PI = 3.14159265358979323846;

typedef struct gen_segment {
    int64_t start; /* position in the cycle */
    int64_t end;
    int n_tones;
    double cycles_per_sample[MAX_TONES];
    double amplitude[MAX_TONES];
} gen_segment;

struct lr_tonegen {
    uint32_t magic;
    int n_segments;
    int repeat;
    gen_segment segments[MAX_SEGMENTS];
    int64_t cycle;
    int64_t ramp;          /* samples */
    double reversal;       /* samples between reversals, 0 for none */
    double am_cycles_per_sample;
    double am_depth;
    int64_t position;
};

void lr_tonegen_spec_defaults(lr_tonegen_spec *spec)
{
    if (spec == NULL)
        return;
    memset(spec, 0, sizeof *spec);
    spec->repeat = 1;
}

size_t lr_tonegen_state_size(void)
{
    return sizeof(lr_tonegen);
}

/* Written so that NaN fails every test. */
static int spec_valid(const lr_tonegen_spec *spec)
{
    int s, k;

    if (!(spec->n_segments >= 1 && spec->n_segments <= MAX_SEGMENTS
          && (spec->repeat == 0 || spec->repeat == 1) && spec->ramp_ms >= 0.0f
          && spec->ramp_ms <= 50.0f
          && (spec->reversal_ms == 0.0f
              || (spec->reversal_ms >= 10.0f && spec->reversal_ms <= 10000.0f))
          && (spec->am_hz == 0.0f || (spec->am_hz >= 0.1f && spec->am_hz <= 100.0f))
          && spec->am_depth >= 0.0f && spec->am_depth <= 1.0f))
        return 0;
    for (s = 0; s < spec->n_segments; s++) {
        const lr_tonegen_segment *seg = &spec->segments[s];
        if (!(seg->duration_ms >= 0.125f && seg->duration_ms <= 3600000.0f && seg->n_tones >= 0
              && seg->n_tones <= MAX_TONES))
            return 0;
        if (seg->n_tones > 0 && 2.0f * spec->ramp_ms > seg->duration_ms)
            return 0;
        for (k = 0; k < seg->n_tones; k++)
            if (!(seg->frequencies_hz[k] >= 1.0f && seg->frequencies_hz[k] <= 3999.0f
                  && seg->levels_dbm0[k] >= -80.0f && seg->levels_dbm0[k] <= 3.14f))
                return 0;
    }
    return 1;
}

int lr_tonegen_init(lr_tonegen *st, const lr_tonegen_spec *spec)
{
    double elapsed_ms = 0.0;
    int s, k;

    if (st == NULL || spec == NULL)
        return LR_ERR_NULL;
    if (!spec_valid(spec))
        return LR_ERR_ARG;
    memset(st, 0, sizeof *st);
    st->n_segments = spec->n_segments;
    st->repeat = spec->repeat;
    for (s = 0; s < spec->n_segments; s++) {
        const lr_tonegen_segment *in = &spec->segments[s];
        gen_segment *seg = &st->segments[s];
        /* Boundaries from the summed durations, so rounding does not add up. */
        seg->start = llround(elapsed_ms * SAMPLE_RATE / 1000.0);
        elapsed_ms += in->duration_ms;
        seg->end = llround(elapsed_ms * SAMPLE_RATE / 1000.0);
        seg->n_tones = in->n_tones;
        for (k = 0; k < in->n_tones; k++) {
            seg->cycles_per_sample[k] = in->frequencies_hz[k] / SAMPLE_RATE;
            seg->amplitude[k] = DBM0_PEAK * pow(10.0, in->levels_dbm0[k] / 20.0);
        }
    }
    st->cycle = st->segments[st->n_segments - 1].end;
    st->ramp = llround(spec->ramp_ms * SAMPLE_RATE / 1000.0);
    st->reversal = spec->reversal_ms * SAMPLE_RATE / 1000.0;
    st->am_cycles_per_sample = spec->am_hz / SAMPLE_RATE;
    st->am_depth = spec->am_hz > 0.0f ? spec->am_depth : 0.0;
    st->magic = GEN_MAGIC;
    return LR_OK;
}

int lr_tonegen_seek(lr_tonegen *st, int64_t position)
{
    if (st == NULL)
        return LR_ERR_NULL;
    if (st->magic != GEN_MAGIC)
        return LR_ERR_STATE;
    if (position < 0)
        return LR_ERR_ARG;
    st->position = position;
    return LR_OK;
}

int64_t lr_tonegen_position(const lr_tonegen *st)
{
    return st != NULL && st->magic == GEN_MAGIC ? st->position : -1;
}

int64_t lr_tonegen_cycle_length(const lr_tonegen *st)
{
    return st != NULL && st->magic == GEN_MAGIC ? st->cycle : -1;
}

/* sin(2 pi cycles) for a phase in cycles, reduced first so that large
 * positions keep their precision. */
static double sin_cycles(double cycles)
{
    return sin(2.0 * PI * (cycles - floor(cycles)));
}

/* The raised-cosine gain `offset` samples into a segment of `length`. */
static double ramp_gain(int64_t ramp, int64_t offset, int64_t length)
{
    int64_t from_edge = offset < length - 1 - offset ? offset : length - 1 - offset;
    if (from_edge >= ramp)
        return 1.0;
    return 0.5 - 0.5 * cos(PI * ((double)from_edge + 0.5) / (double)ramp);
}

/* Samples [position, position + n) of segment `seg`, n inside it and
 * inside one reversal period; `sign` is the reversal's. */
static void tone_run(const lr_tonegen *st, const gen_segment *seg, int64_t position,
                     int64_t in_cycle, double sign, int16_t *out, size_t n)
{
    double mix[CHUNK];
    size_t i;
    int k;

    for (i = 0; i < n; i++)
        mix[i] = 0.0;
    for (k = 0; k < seg->n_tones; k++) {
        double f = seg->cycles_per_sample[k];
        double coef = 2.0 * cos(2.0 * PI * f);
        double phase = f * (double)position;
        double prev = sin_cycles(phase - f), now = sin_cycles(phase);
        for (i = 0; i < n; i++) {
            double next = coef * now - prev;
            mix[i] += seg->amplitude[k] * now;
            prev = now;
            now = next;
        }
    }
    for (i = 0; i < n; i++) {
        double value = sign * mix[i];
        int64_t offset = in_cycle + (int64_t)i - seg->start;
        if (st->ramp > 0)
            value *= ramp_gain(st->ramp, offset, seg->end - seg->start);
        if (st->am_depth > 0.0)
            value *= 1.0 + st->am_depth
                               * sin_cycles(st->am_cycles_per_sample * (double)(position + (int64_t)i));
        value = value > 32767.0 ? 32767.0 : (value < -32768.0 ? -32768.0 : value);
        out[i] = (int16_t)lround(value);
    }
}

int lr_tonegen_generate(lr_tonegen *st, int16_t *out, size_t n)
{
    size_t done = 0;

    if (st == NULL || (n > 0 && out == NULL))
        return LR_ERR_NULL;
    if (st->magic != GEN_MAGIC)
        return LR_ERR_STATE;
    while (done < n) {
        int64_t position = st->position;
        int64_t in_cycle = st->repeat ? position % st->cycle : position;
        size_t run = n - done < CHUNK ? n - done : CHUNK;
        const gen_segment *seg = NULL;
        double sign = 1.0;
        int s;

        if (in_cycle >= st->cycle) {
            memset(out + done, 0, (n - done) * sizeof *out);
            st->position += (int64_t)(n - done);
            return LR_OK;
        }
        for (s = 0; s < st->n_segments; s++) {
            if (in_cycle < st->segments[s].end) {
                seg = &st->segments[s];
                break;
            }
        }
        if ((int64_t)run > seg->end - in_cycle)
            run = (size_t)(seg->end - in_cycle);
        if (st->reversal > 0.0) {
            double period = floor((double)position / st->reversal);
            int64_t flip = (int64_t)ceil((period + 1.0) * st->reversal);
            if (flip <= position)
                flip = position + 1;
            if ((int64_t)run > flip - position)
                run = (size_t)(flip - position);
            sign = fmod(period, 2.0) == 0.0 ? 1.0 : -1.0;
        }
        if (seg->n_tones == 0)
            memset(out + done, 0, run * sizeof *out);
        else
            tone_run(st, seg, position, in_cycle, sign, out + done, run);
        done += run;
        st->position += (int64_t)run;
    }
    return LR_OK;
}
