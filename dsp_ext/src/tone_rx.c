/*
 * tone_rx.c - call-progress and fax tone detector driven by a tone plan.
 *
 * Analysis: the input is cut into 40-sample sub-blocks (5 ms, the hop). One
 * pass over each sub-block gives its partial DFT at every plan frequency
 * (16x16-bit dot products with cos/sin tables, plain C that gcc -O2
 * vectorises: pmaddwd on x86-64) and its energy. Rotated to a
 * common phase origin, the last K partial sums add up to the exact DFT of a
 * window of K sub-blocks, so every frequency gets its own window length for
 * the price of one pass: K is chosen from the frequency's tolerance (a tone
 * off by the tolerance still keeps 74 % of its power in the bin), from 5 ms
 * for fax CNG's +-38 Hz to 40 ms for call-progress tones a few hertz wide,
 * where the 40 ms bins also keep 440 Hz apart from 480 Hz.
 *
 * Each hop, the window ending there is classified as one of the plan's
 * frequency sets (the "signatures" its steps use) or as none. A signature
 * wins when every one of its tones is above the level threshold, their
 * levels are within the twist limit, and together they carry min_purity of
 * the window's energy (speech, music and noise spread theirs); the best
 * share wins among several.
 *
 * Segments and cadences: tone_cadence.c.
 */
#include <math.h>
#include <string.h>

#include "levels.h"
#include "sub_block.h"
#include "tone_rx_state.h"

/* The header spells the array sizes out for cffi: they must match the enum. */
_Static_assert(sizeof(((lr_tone_plan *)0)->frequencies_hz) == MAX_FREQ * sizeof(float),
               "lr_tone_plan.frequencies_hz");
_Static_assert(sizeof(((lr_tone_plan *)0)->patterns) == MAX_PAT * sizeof(lr_tone_pattern),
               "lr_tone_plan.patterns");
_Static_assert(sizeof(((lr_tone_pattern *)0)->steps) == MAX_STEPS * sizeof(lr_tone_step),
               "lr_tone_pattern.steps");

static const uint32_t RX_MAGIC = 0x544f4e45u; /* "TONE" */
static const double SAMPLE_RATE = 8000.0;
static const double PI = 3.14159265358979323846;
/* Tables in Q10: 40 * 32768 * 1024 < 2^31, so no sum can overflow. */
static const double Q10 = 1024.0;
/* A tone off by its tolerance is this far from the bin centre, in bins: it
 * keeps sinc(0.3)^2 = 74 % of its power. */
static const double BIN_OFFSET_AT_TOLERANCE = 0.3;

void lr_tone_plan_defaults(lr_tone_plan *plan)
{
    if (plan == NULL)
        return;
    memset(plan, 0, sizeof *plan);
    plan->min_level_dbm0 = -42.0f;
    plan->max_twist_db = 10.0f;
    plan->min_purity = 0.7f;
}

size_t lr_tone_rx_state_size(void)
{
    return sizeof(lr_tone_rx);
}

size_t lr_tone_rx_max_events(size_t n)
{
    /* At most an OFF and an ON per hop, and the hop a partial block completes. */
    return 2 * (n / SUB + 2);
}

static int64_t ms_to_samples(float ms)
{
    return (int64_t)llround((double)ms * SAMPLE_RATE / 1000.0);
}

/* Written so that NaN fails every test. */
static int plan_valid(const lr_tone_plan *p)
{
    int f, k, s;

    if (!(p->n_frequencies >= 1 && p->n_frequencies <= MAX_FREQ && p->n_patterns >= 1
          && p->n_patterns <= MAX_PAT && p->min_level_dbm0 >= -60.0f
          && p->min_level_dbm0 <= 0.0f && p->max_twist_db >= 0.0f && p->max_twist_db <= 20.0f
          && p->min_purity >= 0.3f && p->min_purity <= 0.99f))
        return 0;
    for (f = 0; f < p->n_frequencies; f++)
        if (!(p->frequencies_hz[f] >= 100.0f && p->frequencies_hz[f] <= 3900.0f
              && p->tolerances_hz[f] >= 5.0f && p->tolerances_hz[f] <= 60.0f))
            return 0;
    for (k = 0; k < p->n_patterns; k++) {
        const lr_tone_pattern *pat = &p->patterns[k];
        int has_tone = 0;
        if (!(pat->n_steps >= 1 && pat->n_steps <= MAX_STEPS && pat->confirm_steps >= 1
              && pat->confirm_steps <= HISTORY && (pat->repeats == 0 || pat->repeats == 1)))
            return 0;
        if (!pat->repeats && pat->confirm_steps > pat->n_steps)
            return 0;
        for (s = 0; s < pat->n_steps; s++) {
            const lr_tone_step *st = &pat->steps[s];
            if (st->frequencies >> p->n_frequencies != 0)
                return 0;
            if (!(st->min_ms >= 0.0f && st->min_ms <= 600000.0f && st->max_ms >= 0.0f
                  && st->max_ms <= 600000.0f && (st->max_ms == 0.0f || st->max_ms >= st->min_ms)))
                return 0;
            has_tone |= st->frequencies != 0;
        }
        if (!has_tone)
            return 0;
    }
    return 1;
}

/* The class of the window ending with the newest sub-block. */
static uint32_t classify(const lr_tone_rx *st)
{
    float amp2[MAX_FREQ], share[MAX_FREQ], energy[MAX_K + 1];
    uint32_t loud = 0, best = 0;
    float best_share = 0.0f;
    int f, k, s;

    energy[0] = 0.0f;
    for (k = 0; k < MAX_K; k++)
        energy[k + 1] = energy[k] + st->sub_energy[(st->hops - 1 - k) & (MAX_K - 1)];
    for (f = 0; f < st->n_freq; f++) {
        float re = (float)st->win_re[f], im = (float)st->win_im[f];
        amp2[f] = (re * re + im * im) * st->amp2_scale[f];
        /* A sine of amplitude A over N samples has energy A^2 N / 2. */
        share[f] = energy[st->window[f]] > 0.0f
                       ? amp2[f] * (float)(st->window[f] * SUB) / (2.0f * energy[st->window[f]])
                       : 0.0f;
        if (amp2[f] >= st->min_amp2)
            loud |= 1u << f;
    }
    for (s = 0; s < st->n_sig; s++) {
        uint32_t mask = st->sig_mask[s];
        float total = 0.0f, low = 3.4e38f, high = 0.0f;
        if ((mask & loud) != mask)
            continue;
        for (uint32_t bits = mask; bits != 0; bits &= bits - 1) {
            f = __builtin_ctz(bits);
            total += share[f];
            low = amp2[f] < low ? amp2[f] : low;
            high = amp2[f] > high ? amp2[f] : high;
        }
        if (total >= st->purity && high <= low * st->twist && total > best_share) {
            best = mask;
            best_share = total;
        }
    }
    return best;
}

/* The partial DFTs and energy of the full sub-block in st->pending. */
static void analyse_sub_block(lr_tone_rx *st)
{
    int slot = (int)(st->hops & (MAX_K - 1));
    int64_t energy = 0;
    int f, i, k, leaving;

    for (i = 0; i < SUB; i++)
        energy += (int32_t)st->pending[i] * (int32_t)st->pending[i];
    st->sub_energy[slot] = (float)energy;
    for (f = 0; f < st->n_freq; f++) {
        int32_t c = 0, s = 0;
        float pr = st->phase_re[f], pi = st->phase_im[f], nr;
        for (i = 0; i < SUB; i++)
            c += (int32_t)st->pending[i] * st->table[f][0][i];
        for (i = 0; i < SUB; i++)
            s += (int32_t)st->pending[i] * st->table[f][1][i];
        /* The sub-block leaving this frequency's window (it may be in `slot`). */
        leaving = (int)((st->hops - st->window[f]) & (MAX_K - 1));
        st->win_re[f] -= st->sub_re[leaving][f];
        st->win_im[f] -= st->sub_im[leaving][f];
        /* sum x e^{-j w (m + i)} = e^{-j w m} (c - j s) */
        st->sub_re[slot][f] = pr * (float)c + pi * (float)s;
        st->sub_im[slot][f] = pi * (float)c - pr * (float)s;
        st->win_re[f] += st->sub_re[slot][f];
        st->win_im[f] += st->sub_im[slot][f];
        nr = pr * st->step_re[f] - pi * st->step_im[f];
        st->phase_im[f] = pr * st->step_im[f] + pi * st->step_re[f];
        st->phase_re[f] = nr;
    }
    /* Keep the phasors on the unit circle and the running sums exact
     * (rounding creeps into both). */
    if ((st->hops & 255) == 255) {
        for (f = 0; f < st->n_freq; f++) {
            float norm = sqrtf(st->phase_re[f] * st->phase_re[f]
                               + st->phase_im[f] * st->phase_im[f]);
            st->phase_re[f] /= norm;
            st->phase_im[f] /= norm;
            st->win_re[f] = st->win_im[f] = 0.0;
            for (k = 0; k < st->window[f]; k++) {
                int back = (int)((st->hops - k) & (MAX_K - 1));
                st->win_re[f] += st->sub_re[back][f];
                st->win_im[f] += st->sub_im[back][f];
            }
        }
    }
    st->hops++;
}

int lr_tone_rx_reset(lr_tone_rx *st)
{
    if (st == NULL)
        return LR_ERR_NULL;
    if (st->magic != RX_MAGIC)
        return LR_ERR_STATE;
    memset(st->pending, 0, sizeof st->pending);
    st->fill = 0;
    st->hops = 0;
    sub_block_phasors_reset(st->phase_re, st->phase_im, MAX_FREQ);
    memset(st->sub_re, 0, sizeof st->sub_re);
    memset(st->sub_im, 0, sizeof st->sub_im);
    memset(st->win_re, 0, sizeof st->win_re);
    memset(st->win_im, 0, sizeof st->win_im);
    memset(st->sub_energy, 0, sizeof st->sub_energy);
    st->heard = 0;
    st->cur_mask = 0;
    st->cur_start = 0;
    st->cand_mask = 0;
    st->cand_hops = 0;
    st->cand_start = 0;
    st->n_history = 0;
    st->active = -1;
    st->pos = 0;
    st->reported_until = 0;
    st->next = -1;
    return LR_OK;
}

static void add_signature(lr_tone_rx *st, uint32_t mask)
{
    if (mask != 0 && tone_sig_index(st, mask) == st->n_sig)
        st->sig_mask[st->n_sig++] = mask;
}

int lr_tone_rx_init(lr_tone_rx *st, const lr_tone_plan *plan)
{
    int f, k, s;

    if (st == NULL || plan == NULL)
        return LR_ERR_NULL;
    if (!plan_valid(plan))
        return LR_ERR_ARG;
    memset(st, 0, sizeof *st);
    st->n_freq = plan->n_frequencies;
    st->n_pat = plan->n_patterns;
    st->purity = plan->min_purity;
    st->twist = (float)pow(10.0, plan->max_twist_db / 10.0);
    st->min_amp2 = (float)pow(DBM0_PEAK * pow(10.0, plan->min_level_dbm0 / 20.0), 2.0);

    for (f = 0; f < st->n_freq; f++) {
        double w = 2.0 * PI * plan->frequencies_hz[f] / SAMPLE_RATE;
        int window = (int)floor(BIN_OFFSET_AT_TOLERANCE * SAMPLE_RATE
                                / (plan->tolerances_hz[f] * SUB));
        double n;
        st->window[f] = window < 1 ? 1 : (window > MAX_K ? MAX_K : window);
        n = (double)(st->window[f] * SUB) * Q10;
        st->amp2_scale[f] = (float)(4.0 / (n * n));
        sub_block_tables(w, SUB, Q10, st->table[f][0], st->table[f][1], &st->step_re[f],
                         &st->step_im[f]);
    }

    for (k = 0; k < st->n_pat; k++) {
        const lr_tone_pattern *in = &plan->patterns[k];
        pattern *p = &st->patterns[k];
        p->code = in->code;
        p->n_steps = in->n_steps;
        p->repeats = in->repeats;
        p->confirm = in->confirm_steps;
        for (s = 0; s < in->n_steps; s++) {
            p->steps[s].mask = in->steps[s].frequencies;
            p->steps[s].min = ms_to_samples(in->steps[s].min_ms);
            p->steps[s].max = in->steps[s].max_ms == 0.0f ? TONE_NO_LIMIT
                                                         : ms_to_samples(in->steps[s].max_ms);
            add_signature(st, in->steps[s].frequencies);
        }
    }

    /*
     * Edge dating. A tone filling a fraction p of a window of N samples (in
     * silence) has a share p of its energy, so it turns a window on at
     * p = purity and off below it; against another tone its share is p^2.
     * The change shows in the first window past that point, half a hop
     * later on average.
     */
    for (s = 0; s < st->n_sig; s++) {
        int window = 0;
        double n;
        for (f = 0; f < st->n_freq; f++)
            if (st->sig_mask[s] >> f & 1u && st->window[f] > window)
                window = st->window[f];
        n = (double)(window * SUB);
        st->sig_onset[s] = (int)lround(st->purity * n + SUB / 2.0);
        st->sig_offset[s] = (int)lround((1.0 - st->purity) * n + SUB / 2.0);
        st->sig_change[s] = (int)lround(sqrt(st->purity) * n + SUB / 2.0);
        /* A gap of g samples leaves a window a share 1 - g / N of its tone
         * while it lies inside: it shows as a run of about g + (2 purity - 1) N,
         * and a hop more where the gap's abrupt edges splash over the band. */
        st->sig_settle_off[s] = SETTLE + 1;
        if (st->purity > 0.5f)
            st->sig_settle_off[s] += (int)ceil((2.0 * st->purity - 1.0) * n / SUB);
        if (st->sig_onset[s] > st->max_onset)
            st->max_onset = st->sig_onset[s];
    }
    st->magic = RX_MAGIC;
    return lr_tone_rx_reset(st);
}

int lr_tone_rx_process(lr_tone_rx *st, const int16_t *samples, size_t n, lr_tone_event *events,
                       size_t max_events, size_t *n_events)
{
    size_t at = 0;

    if (st == NULL || n_events == NULL || (n > 0 && (samples == NULL || events == NULL)))
        return LR_ERR_NULL;
    if (st->magic != RX_MAGIC)
        return LR_ERR_STATE;
    if (max_events < lr_tone_rx_max_events(n))
        return LR_ERR_ARG;
    *n_events = 0;
    while (at < n) {
        at += sub_block_fill(st->pending, &st->fill, SUB, samples + at, n - at);
        if (st->fill < SUB)
            break;
        st->fill = 0;
        /* Before the input is silence: the first windows reach back into it. */
        analyse_sub_block(st);
        st->heard = classify(st);
        tone_track_segments(st, st->heard, events, n_events);
    }
    return LR_OK;
}

int lr_tone_rx_finish(lr_tone_rx *st, lr_tone_event *events, size_t max_events,
                      size_t *n_events)
{
    if (st == NULL || n_events == NULL || events == NULL)
        return LR_ERR_NULL;
    if (st->magic != RX_MAGIC)
        return LR_ERR_STATE;
    if (max_events < 1)
        return LR_ERR_ARG;
    *n_events = 0;
    tone_finish(st, events, n_events);
    return LR_OK;
}

uint32_t lr_tone_rx_heard(const lr_tone_rx *st)
{
    return st != NULL && st->magic == RX_MAGIC ? st->heard : 0u;
}

int lr_tone_rx_sounding(const lr_tone_rx *st)
{
    if (st == NULL || st->magic != RX_MAGIC || st->active < 0)
        return -1;
    return st->patterns[st->active].code;
}
