/*
 * vad.c - energy voice activity detector with a tracked noise floor.
 *
 * Levels are in dBm0 (levels.h). The noise floor is the lowest block level
 * of the last 4 to 4.5 seconds (minimum statistics): speech has pauses that
 * keep it down, while a steady noise that starts (a fan, a hum) raises it
 * within that time, so the noise stops counting as voice.
 */
#include <math.h>
#include <string.h>

#include "levels.h"
#include "lr_vad.h"
#include "vec4.h"

#define BLOCK 80                   /* 10 ms at 8 kHz */
#define STATE_MAGIC 0x56414431u    /* "VAD1": set by init, checked by process */
#define FLOOR_START_DBM0 -60.0f    /* what the floor is taken to be before it is known */
#define FLOOR_MIN_DBM0 -90.0f
#define SPAN_BLOCKS 50             /* the floor keeps one minimum per 0.5 s span */
#define SPANS 8                    /* for the last 8 spans: 4 s of memory */
#define DC_POLE 0.97f              /* one-pole DC blocker, corner near 40 Hz: short tails */

_Static_assert(BLOCK % 8 == 0, "block_level takes eight samples at a time");

struct lr_vad_state {
    uint32_t magic;
    lr_vad_params params;
    int min_on_blocks;
    int hangover_blocks;
    int16_t pending[BLOCK];
    int pending_count;
    int64_t samples_seen; /* samples of completed blocks */
    float dc_in;
    float dc_out;
    float level_dbm0;
    float floor_dbm0;
    float span_minimum[SPANS];   /* the lowest level of each of the last spans */
    int span_index;              /* the span being filled */
    int span_blocks;             /* blocks in it so far */
    int active_run;    /* consecutive active blocks */
    int inactive_run;  /* consecutive inactive blocks while voice is on */
    int voice;
    int64_t run_start; /* first sample of the current active run */
};

size_t lr_vad_state_size(void)
{
    return sizeof(lr_vad_state);
}

void lr_vad_default_params(lr_vad_params *params)
{
    if (params == NULL)
        return;
    params->threshold_dbm0 = -45.0f;
    params->snr_db = 9.0f;
    params->min_on_ms = 30;
    params->hangover_ms = 3000;
}

static int params_valid(const lr_vad_params *params)
{
    return params->threshold_dbm0 >= -70.0f && params->threshold_dbm0 <= 0.0f
        && params->snr_db >= 0.0f && params->snr_db <= 40.0f
        && params->min_on_ms >= 10 && params->min_on_ms <= 1000
        && params->hangover_ms >= 0 && params->hangover_ms <= 60000;
}

int lr_vad_init(lr_vad_state *state, const lr_vad_params *params)
{
    if (state == NULL || params == NULL)
        return LR_ERR_NULL;
    if (!params_valid(params))
        return LR_ERR_ARG;
    memset(state, 0, sizeof(*state));
    state->params = *params;
    state->min_on_blocks = (params->min_on_ms + 9) / 10;
    state->hangover_blocks = (params->hangover_ms + 9) / 10;
    state->floor_dbm0 = FLOOR_START_DBM0;
    state->level_dbm0 = FLOOR_MIN_DBM0;
    for (int span = 0; span < SPANS; span++)
        state->span_minimum[span] = FLOOR_START_DBM0;
    state->magic = STATE_MAGIC;
    return LR_OK;
}

int lr_vad_reset(lr_vad_state *state)
{
    if (state == NULL)
        return LR_ERR_NULL;
    if (state->magic != STATE_MAGIC)
        return LR_ERR_STATE;
    lr_vad_params params = state->params;
    return lr_vad_init(state, &params);
}

/* The level of a block whose mean square (after the DC blocker) is energy_sum / BLOCK. */
static float level_of(float energy_sum)
{
    float energy = energy_sum / (float)BLOCK;
    if (energy < 1e-3f)
        return FLOOR_MIN_DBM0;
    return 10.0f * log10f(energy / (float)DBM0_POWER);
}

/*
 * The DC blocker out[i] = x[i] - x[i-1] + DC_POLE out[i-1] and the sum of
 * out[i]^2 over a block, eight samples at a time. Run sample by sample,
 * each output waits on the one before (a multiply and an add). Here the
 * inputs' part of eight outputs is made first, without the output before
 * them: with d[i] = x[i] - x[i-1],
 *   out[i + k] = sum_{j <= k} DC_POLE^(k - j) d[i + j] + DC_POLE^(k + 1) out[i - 1],
 * the sums in two steps over each four (a shifted copy added times DC_POLE,
 * then times DC_POLE^2), the first four's last carried into the second;
 * the output before then enters once per eight samples. The squares are
 * summed in eight lanes, added up at the end.
 */
static float block_level(lr_vad_state *state, const int16_t *block)
{
    const float p1 = DC_POLE, p2 = p1 * p1, p3 = p2 * p1, p4 = p3 * p1;
    const v4f low = {p1, p2, p3, p4}, high = low * p4, zero = splat(0.0f);
    const v4i by_one = {4, 0, 1, 2}, by_two = {4, 5, 0, 1}, across = {7, 0, 1, 2};
    v4f energy_low = zero, energy_high = zero;
    float in = state->dc_in, out = state->dc_out;

    for (int i = 0; i < BLOCK; i += 8) {
        v4f x0 = load4s(block + i), x1 = load4s(block + i + 4);
        v4f d0 = x0 - __builtin_shuffle(x0, splat(in), by_one);
        v4f d1 = x1 - __builtin_shuffle(x1, x0, across);
        d0 += splat(p1) * __builtin_shuffle(d0, zero, by_one);
        d1 += splat(p1) * __builtin_shuffle(d1, zero, by_one);
        d0 += splat(p2) * __builtin_shuffle(d0, zero, by_two);
        d1 += splat(p2) * __builtin_shuffle(d1, zero, by_two);
        d1 += low * splat(d0[3]);
        d0 += low * splat(out);
        d1 += high * splat(out);
        energy_low += d0 * d0;
        energy_high += d1 * d1;
        out = d1[3];
        in = x1[3];
    }
    state->dc_in = in;
    state->dc_out = out;
    energy_low += energy_high;
    return level_of((energy_low[0] + energy_low[1]) + (energy_low[2] + energy_low[3]));
}

static void track_floor(lr_vad_state *state, float level)
{
    float floor_level;

    if (state->span_blocks == 0 || level < state->span_minimum[state->span_index])
        state->span_minimum[state->span_index] = level;
    if (++state->span_blocks == SPAN_BLOCKS) {
        state->span_index = (state->span_index + 1) % SPANS;
        state->span_blocks = 0;
    }
    floor_level = state->span_minimum[0];
    for (int span = 1; span < SPANS; span++)
        if (state->span_minimum[span] < floor_level)
            floor_level = state->span_minimum[span];
    state->floor_dbm0 = floor_level;
}

static void emit(lr_vad_event *events, size_t *count, int kind, int64_t sample)
{
    events[*count].kind = kind;
    events[*count].sample = sample;
    (*count)++;
}

/* One block of this level: its decision, and the start or stop it causes. */
static void decide_level(lr_vad_state *state, float level, lr_vad_event *events, size_t *count)
{
    int64_t block_start = state->samples_seen;
    int active;

    state->level_dbm0 = level;
    track_floor(state, level);
    active = level > state->params.threshold_dbm0
        && level > state->floor_dbm0 + state->params.snr_db;
    state->samples_seen += BLOCK;

    if (active) {
        if (state->active_run == 0)
            state->run_start = block_start;
        state->active_run++;
        state->inactive_run = 0;
        if (!state->voice && state->active_run >= state->min_on_blocks) {
            state->voice = 1;
            emit(events, count, LR_VAD_START, state->run_start);
        }
        return;
    }
    state->active_run = 0;
    if (state->voice && ++state->inactive_run > state->hangover_blocks) {
        state->voice = 0;
        state->inactive_run = 0;
        emit(events, count, LR_VAD_STOP, state->samples_seen - BLOCK);
    }
}

static void decide(lr_vad_state *state, const int16_t *block, lr_vad_event *events,
                   size_t *count)
{
    decide_level(state, block_level(state, block), events, count);
}

int lr_vad_process(lr_vad_state *state, const int16_t *pcm, size_t n,
                   lr_vad_event *events, size_t max_events, size_t *n_events)
{
    size_t count = 0;
    size_t used = 0;

    if (state == NULL || n_events == NULL || (n > 0 && (pcm == NULL || events == NULL)))
        return LR_ERR_NULL;
    if (state->magic != STATE_MAGIC)
        return LR_ERR_STATE;
    if (max_events < n / BLOCK + 2)
        return LR_ERR_ARG;

    if (state->pending_count > 0) {
        size_t take = (size_t)(BLOCK - state->pending_count);
        if (take > n)
            take = n;
        memcpy(state->pending + state->pending_count, pcm, take * sizeof(int16_t));
        state->pending_count += (int)take;
        used = take;
        if (state->pending_count == BLOCK) {
            decide(state, state->pending, events, &count);
            state->pending_count = 0;
        }
    }
    for (; used + BLOCK <= n; used += BLOCK)
        decide(state, pcm + used, events, &count);
    if (used < n) {
        memcpy(state->pending + state->pending_count, pcm + used, (n - used) * sizeof(int16_t));
        state->pending_count += (int)(n - used);
    }
    *n_events = count;
    return LR_OK;
}

int lr_vad_active(const lr_vad_state *state)
{
    return state != NULL && state->voice;
}

float lr_vad_level_dbm0(const lr_vad_state *state)
{
    return state != NULL ? state->level_dbm0 : FLOOR_MIN_DBM0;
}

float lr_vad_noise_dbm0(const lr_vad_state *state)
{
    return state != NULL ? state->floor_dbm0 : FLOOR_MIN_DBM0;
}

int lr_vad_process_lines(lr_vad_state *const *states, const int16_t *const *pcm, size_t n_lines,
                         size_t n, lr_vad_event *const *events, size_t max_events,
                         size_t *n_events)
{
    size_t line;

    if (states == NULL || n_events == NULL || (n > 0 && (pcm == NULL || events == NULL)))
        return LR_ERR_NULL;
    if (max_events < n / BLOCK + 2)
        return LR_ERR_ARG;
    for (size_t i = 0; i < n_lines; i++) {
        if (states[i] == NULL || (n > 0 && (pcm[i] == NULL || events[i] == NULL)))
            return LR_ERR_NULL;
        if (states[i]->magic != STATE_MAGIC)
            return LR_ERR_STATE;
    }
    for (line = 0; line < n_lines; line++) {
        int status = lr_vad_process(states[line], pcm[line], n, events[line], max_events,
                                    &n_events[line]);
        if (status != LR_OK)
            return status;
    }
    return LR_OK;
}
