/*
 * dtmf_rx.c - DTMF receiver.
 *
 * Analysis: the input is cut into 26-sample sub-blocks (3.25 ms). For each,
 * dtmf_kernel.c gives the partial DFT of the eight DTMF frequencies and the
 * energy; the partial sums are rotated to a common phase origin, so any four
 * consecutive ones add up to the exact DFT of a 104-sample window (13 ms,
 * bins 77 Hz apart: each tone sits near the nulls of its group neighbours).
 * That is a 104-sample rectangular DFT every 3.25 ms for the price of one
 * pass over the samples, where Goertzel filters would need four.
 *
 * Each window is a digit candidate when all of these hold:
 *   - level: the strongest row and column tones are above the threshold;
 *   - twist: their ratio is within the normal / reverse limits;
 *   - purity: the two tones carry most of the window's energy (speech and
 *     music spread theirs over many harmonics and formants);
 *   - peaks: no other tone of either group comes near the strongest one;
 *   - frequency: the phase of each tone advances between windows no faster
 *     than a tone 2.7 % off frequency would make it. This, not the width of
 *     the DFT bins, is what rejects off-frequency tones, so the accept and
 *     reject limits of Q.24 (1.5 % / 3.5 %) are met in the low group too,
 *     where bins are too wide to tell 1.5 % from 3.5 % by level.
 *
 * Digits: a candidate repeated for on_hops windows is a digit (LR_DTMF_ON).
 * It ends after off_hops windows without it, so a short interruption inside
 * a tone is bridged (ES 201 235-3), or as soon as another digit is
 * confirmed. Start and end are placed to the sample from the tones' level in
 * the first and last partial windows: a tone covering a fraction p of a
 * window gives p times its full DFT magnitude.
 */
#include <math.h>
#include <string.h>

#include "dtmf_kernel.h"
#include "levels.h"
#include "lr_dtmf.h"
#include "sub_block.h"
#include "vec4.h"

enum {
    SUBS_PER_WINDOW = 4,
    WINDOW = DTMF_SUB * SUBS_PER_WINDOW,
    RING = 16,         /* sub-blocks kept: a power of two above 4 + LOW_LAG + PAIRS */
    LOW_LAG = 4,       /* phase lag in sub-blocks for the low group ... */
    HIGH_LAG = 2,      /* ... and the high group: under half a turn at 3.5 % off */
    PAIRS = 3,         /* window pairs averaged in the phase test */
    NO_DIGIT = -1
};

static const uint32_t RX_MAGIC = 0x44544d46u; /* "DTMF" */
static const double SAMPLE_RATE = 8000.0;
static const double PI = 3.14159265358979323846;
static const float Q11 = 2048.0f;

static const double TONE_HZ[DTMF_TONES] = {697.0, 770.0, 852.0, 941.0,
                                           1209.0, 1336.0, 1477.0, 1633.0};
static const char KEYPAD[16] = {'1', '2', '3', 'A', '4', '5', '6', 'B',
                                '7', '8', '9', 'C', '*', '0', '#', 'D'};

/* Share of the window energy the two tones must carry. */
static const float PURITY = 0.70f;
/* Any other tone of a group must be this far (power ratio) under the peak. */
static const float PEAK_MARGIN = 0.25f; /* 6 dB */
/* Largest frequency error taken as a DTMF tone: between Q.24's 1.5 and 3.5 %. */
static const double FREQUENCY_TOLERANCE = 0.027;
/* Added to the twist limits: what is left of the measurement spread after
 * cancel_leakage, so that a tone pair exactly at the limit still passes. */
static const double TWIST_GUARD_DB = 0.4;

struct lr_dtmf_rx {
    uint32_t magic;
    /* From the parameters. */
    float min_tone_power;  /* |X|^2 in Q11 units of a tone at the threshold */
    float normal_twist;    /* power ratios */
    float reverse_twist;
    int on_hops;
    int off_hops;
    float phase_cos[DTMF_TONES]; /* cos of the largest phase step accepted */
    float step_re[DTMF_TONES];   /* exp(-j w 26) */
    float step_im[DTMF_TONES];
    float leak_re[4][4];         /* leakage of row tone r into column bin c, see cancel_leakage */
    float leak_im[4][4];
    dtmf_tables tables;

    /* Analysis. */
    int16_t pending[DTMF_SUB_PAD]; /* the sub-block being filled, zero-padded */
    int fill;
    float phase_re[DTMF_TONES];    /* exp(-j w m) at the current sub-block start m */
    float phase_im[DTMF_TONES];
    float sub_re[RING][DTMF_TONES]; /* partial DFTs of the sub-blocks */
    float sub_im[RING][DTMF_TONES];
    float sub_energy[RING];
    float win_re[RING][DTMF_TONES]; /* DFTs of the windows ending with them */
    float win_im[RING][DTMF_TONES];
    float win_energy[RING];
    int64_t subs_done;

    /* Digit tracking: a candidate not yet confirmed, and the digit sounding. */
    int candidate;
    int candidate_hops;
    int64_t candidate_sub;       /* last sub-block of its first window */
    float candidate_peak_amp;
    int active;
    int64_t active_start;
    float active_amp;            /* full-window magnitude of its tones */
    int gap_hops;
    int64_t last_window;         /* start of the last window that held it */
    int after_pending;           /* the window after that one is still to come */
    float after_amp;             /* its tones' magnitude there */
};

void lr_dtmf_rx_default_params(lr_dtmf_rx_params *params)
{
    if (params == NULL)
        return;
    params->normal_twist_db = 8.0f;
    params->reverse_twist_db = 4.0f;
    params->min_level_dbm0 = -45.0f;
    params->min_on_ms = 30.0f;
    params->min_off_ms = 30.0f;
}

size_t lr_dtmf_rx_state_size(void)
{
    return sizeof(lr_dtmf_rx);
}

size_t lr_dtmf_rx_max_events(size_t n)
{
    /* At most an OFF and an ON per window, plus one window left from before. */
    return 2 * (n / DTMF_SUB + 2);
}

static int params_valid(const lr_dtmf_rx_params *p)
{
    /* Written so that NaN fails every test. */
    return p->normal_twist_db >= 0.0f && p->normal_twist_db <= 20.0f
        && p->reverse_twist_db >= 0.0f && p->reverse_twist_db <= 20.0f
        && p->min_level_dbm0 >= -60.0f && p->min_level_dbm0 <= 0.0f
        && p->min_on_ms >= 20.0f && p->min_on_ms <= 100.0f
        && p->min_off_ms >= 15.0f && p->min_off_ms <= 100.0f;
}

/*
 * Windows a tone of d samples fills to the purity share: the window must
 * overlap it by PURITY * WINDOW samples, so about (d - (2 PURITY - 1) WINDOW)
 * / DTMF_SUB + 1 of them, less one: the first window also fails the phase
 * test, whose earlier window of the pair still straddles the tone's start.
 * A gap of g samples spoils about
 * (g + (2 PURITY - 1) WINDOW) / DTMF_SUB.
 */
static int hops_for_tone(double samples)
{
    double hops = (samples - (2.0 * PURITY - 1.0) * WINDOW) / DTMF_SUB;
    return hops < 1.0 ? 1 : (int)lround(hops);
}

static int hops_for_gap(double samples)
{
    double hops = (samples + (2.0 * PURITY - 1.0) * WINDOW) / DTMF_SUB;
    return hops < 1.0 ? 1 : (int)lround(hops);
}

int lr_dtmf_rx_reset(lr_dtmf_rx *st)
{
    if (st == NULL)
        return LR_ERR_NULL;
    if (st->magic != RX_MAGIC)
        return LR_ERR_STATE;
    memset(st->pending, 0, sizeof st->pending);
    st->fill = 0;
    sub_block_phasors_reset(st->phase_re, st->phase_im, DTMF_TONES);
    memset(st->sub_re, 0, sizeof st->sub_re);
    memset(st->sub_im, 0, sizeof st->sub_im);
    memset(st->sub_energy, 0, sizeof st->sub_energy);
    memset(st->win_re, 0, sizeof st->win_re);
    memset(st->win_im, 0, sizeof st->win_im);
    memset(st->win_energy, 0, sizeof st->win_energy);
    st->subs_done = 0;
    st->candidate = NO_DIGIT;
    st->candidate_hops = 0;
    st->active = NO_DIGIT;
    st->gap_hops = 0;
    st->after_pending = 0;
    return LR_OK;
}

int lr_dtmf_rx_init(lr_dtmf_rx *st, const lr_dtmf_rx_params *params)
{
    double amplitude;
    int t;

    if (st == NULL || params == NULL)
        return LR_ERR_NULL;
    if (!params_valid(params))
        return LR_ERR_ARG;
    memset(st, 0, sizeof *st);

    /* An on-bin sine of amplitude A gives |X| = A * WINDOW / 2 (times Q11). */
    amplitude = DBM0_PEAK * pow(10.0, params->min_level_dbm0 / 20.0) * WINDOW / 2.0 * Q11;
    st->min_tone_power = (float)(amplitude * amplitude);
    st->normal_twist = (float)pow(10.0, (params->normal_twist_db + TWIST_GUARD_DB) / 10.0);
    st->reverse_twist = (float)pow(10.0, (params->reverse_twist_db + TWIST_GUARD_DB) / 10.0);
    st->on_hops = hops_for_tone(params->min_on_ms * SAMPLE_RATE / 1000.0);
    st->off_hops = hops_for_gap(params->min_off_ms * SAMPLE_RATE / 1000.0);

    for (t = 0; t < DTMF_TONES; t++) {
        double w = 2.0 * PI * TONE_HZ[t] / SAMPLE_RATE;
        int lag = t < 4 ? LOW_LAG : HIGH_LAG;
        st->phase_cos[t] = (float)cos(2.0 * PI * FREQUENCY_TOLERANCE * TONE_HZ[t]
                                      * lag * DTMF_SUB / SAMPLE_RATE);
        sub_block_tables(w, DTMF_SUB, Q11, st->tables.row[t], st->tables.row[DTMF_TONES + t],
                         &st->step_re[t], &st->step_im[t]);
    }
    dtmf_tables_finish(&st->tables);
    for (t = 0; t < 4; t++) {
        int c;
        for (c = 0; c < 4; c++) {
            /* D(d) e^{-j d N} / N with D(d) = sum_{i<N} e^{j d i}
             *   = e^{j d (N-1)/2} sin(d N / 2) / sin(d / 2), d = w_row - w_col. */
            double d = 2.0 * PI * (TONE_HZ[t] - TONE_HZ[4 + c]) / SAMPLE_RATE;
            double gain = sin(d * WINDOW / 2.0) / sin(d / 2.0) / WINDOW;
            double angle = d * (WINDOW - 1) / 2.0 - d * WINDOW;
            st->leak_re[t][c] = (float)(gain * cos(angle));
            st->leak_im[t][c] = (float)(gain * sin(angle));
        }
    }
    st->magic = RX_MAGIC;
    return lr_dtmf_rx_reset(st);
}

/* The DFT of tone t over the window ending with sub-block `last`. */
static void window_dft(const lr_dtmf_rx *st, int64_t last, int t, float *re, float *im)
{
    int slot = (int)((uint64_t)last % RING);
    *re = st->win_re[slot][t];
    *im = st->win_im[slot][t];
}

/*
 * Does tone t keep its phase from window to window? The cross products of
 * PAIRS window pairs `lag` sub-blocks apart are summed: their angle is the
 * phase step, and the sum averages out the leakage of the other group's
 * tone, which turns at the difference frequency. Windows before the start
 * of the input are silence and vote for nothing.
 */
static int on_frequency(const lr_dtmf_rx *st, int t)
{
    int lag = t < 4 ? LOW_LAG : HIGH_LAG;
    float cross_re = 0.0f, cross_im = 0.0f;
    int64_t last = st->subs_done - 1;
    int k;

    for (k = 0; k < PAIRS && last - k - lag >= SUBS_PER_WINDOW - 1; k++) {
        float re, im, old_re, old_im;
        window_dft(st, last - k, t, &re, &im);
        window_dft(st, last - k - lag, t, &old_re, &old_im);
        cross_re += re * old_re + im * old_im; /* X(now) * conj(X(before)) */
        cross_im += im * old_re - re * old_im;
    }
    return cross_re >= sqrtf(cross_re * cross_re + cross_im * cross_im) * st->phase_cos[t];
}

/* The digit the newest window holds, or NO_DIGIT; *amplitude gets |X_row| + |X_col|. */
/*
 * The powers of row tone `row` and column tone `col` with each one's
 * spill into the other's bin taken out. A rectangular window leaks up to
 * -21 dB of a 941 Hz tone into the 1209 Hz bin; under 8 dB of twist that is
 * +-2 dB on the weak tone, depending on the tones' relative phase. A tone of
 * amplitude a at w_r adds a e^{j(w_r - w_c) m} D(w_r - w_c) to the column
 * DFT of the window starting at m, and its own DFT is a N, so the spill is
 * X_r times a known phasor: the phases give e^{j(w_r - w_c)(m + N)}, leak_*
 * holds the rest.
 */
static void cancel_leakage(const lr_dtmf_rx *st, int row, int col, const float *re,
                           const float *im, float *row_power, float *col_power)
{
    int c = col - 4;
    /* p = conj(phase_r) * phase_c * leak */
    float ar = st->phase_re[row], ai = -st->phase_im[row];
    float br = st->phase_re[col], bi = st->phase_im[col];
    float qr = ar * br - ai * bi, qi = ar * bi + ai * br;
    float pr = qr * st->leak_re[row][c] - qi * st->leak_im[row][c];
    float pi = qr * st->leak_im[row][c] + qi * st->leak_re[row][c];
    /* X_c -= X_r p; X_r -= X_c conj(p) */
    float cr = re[col] - (re[row] * pr - im[row] * pi);
    float ci = im[col] - (re[row] * pi + im[row] * pr);
    float rr = re[row] - (re[col] * pr + im[col] * pi);
    float ri = im[row] - (im[col] * pr - re[col] * pi);
    *row_power = rr * rr + ri * ri;
    *col_power = cr * cr + ci * ci;
}

static int classify_window(const lr_dtmf_rx *st, float *amplitude)
{
    const int slot = (int)((uint64_t)(st->subs_done - 1) % RING);
    const float *re = st->win_re[slot], *im = st->win_im[slot];
    const float energy = st->win_energy[slot];
    float power[DTMF_TONES], row_power, col_power, total, row_best, col_best;
    int t, row = 0, col = 4;

    *amplitude = 0.0f;
    for (t = 0; t < DTMF_TONES; t++)
        power[t] = re[t] * re[t] + im[t] * im[t];
    /* Summed as a tree, not one long chain of additions. */
    total = ((power[0] + power[4]) + (power[1] + power[5]))
        + ((power[2] + power[6]) + (power[3] + power[7]));
    /* Quick exit for most speech, music and noise: even all eight tones
     * together fail the purity test. The 1.25 allows for cancel_leakage
     * adding back what the other group's tone took away. */
    if (total * (1.25f * 2.0f / WINDOW) < energy * (PURITY * Q11 * Q11))
        return NO_DIGIT;
    /* Branch-free maxima: which tone leads is random in noise. */
    row_best = power[0];
    for (t = 1; t < 4; t++) {
        int higher = power[t] > row_best;
        row = higher ? t : row;
        row_best = higher ? power[t] : row_best;
    }
    col_best = power[4];
    for (t = 5; t < DTMF_TONES; t++) {
        int higher = power[t] > col_best;
        col = higher ? t : col;
        col_best = higher ? power[t] : col_best;
    }
    cancel_leakage(st, row, col, re, im, &row_power, &col_power);

    if (row_power < st->min_tone_power || col_power < st->min_tone_power)
        return NO_DIGIT;
    if (row_power > col_power * st->normal_twist || col_power > row_power * st->reverse_twist)
        return NO_DIGIT;
    /* Purity: for a pure two-tone window, (|Xr|^2 + |Xc|^2) * 2 / WINDOW = energy * Q11^2. */
    if ((row_power + col_power) * (2.0f / WINDOW) < PURITY * energy * Q11 * Q11)
        return NO_DIGIT;
    for (t = 0; t < DTMF_TONES; t++) {
        if (t == row || t == col)
            continue;
        if (power[t] > PEAK_MARGIN * (t < 4 ? row_power : col_power))
            return NO_DIGIT;
    }
    if (!on_frequency(st, row) || !on_frequency(st, col))
        return NO_DIGIT;
    *amplitude = sqrtf(row_power) + sqrtf(col_power);
    return (row << 2) | (col - 4);
}

/* |X_row| + |X_col| of `digit`'s tones in the window ending with sub-block `last`. */
static float digit_amplitude(const lr_dtmf_rx *st, int digit, int64_t last)
{
    float re, im, total;

    window_dft(st, last, digit >> 2, &re, &im);
    total = sqrtf(re * re + im * im);
    window_dft(st, last, 4 + (digit & 3), &re, &im);
    return total + sqrtf(re * re + im * im);
}

static float clamp01(float x)
{
    return x < 0.0f ? 0.0f : (x > 1.0f ? 1.0f : x);
}

static void emit(lr_dtmf_event *events, size_t *n_events, int kind, int digit,
                 int64_t start, int64_t end)
{
    lr_dtmf_event *e = &events[(*n_events)++];
    e->kind = kind;
    e->digit = KEYPAD[digit];
    e->start = start;
    e->end = end;
}

static void end_active(lr_dtmf_rx *st, lr_dtmf_event *events, size_t *n_events)
{
    /* The window after the last one that held the digit covers a fraction
     * after_amp / active_amp of the tone's tail. */
    float covered = st->after_pending ? 0.0f : clamp01(st->after_amp / st->active_amp);
    int64_t end = st->last_window + DTMF_SUB + (int64_t)lroundf(covered * WINDOW);

    if (end <= st->active_start)
        end = st->active_start + 1;
    emit(events, n_events, LR_DTMF_OFF, st->active, st->active_start, end);
    st->active = NO_DIGIT;
    st->after_pending = 0;
}

/*
 * Where the confirmed candidate `digit` began. The first window that passed
 * may already lie wholly inside the tone (the phase test needs a pair of
 * windows), so step back through the kept windows to the last one the tone
 * only partly covers: a tone covering a fraction p of a window starts
 * (1 - p) WINDOW samples into it.
 */
static int64_t tone_start(const lr_dtmf_rx *st, int digit)
{
    const int64_t oldest = st->subs_done - RING + 1;
    int64_t last = st->candidate_sub;
    float covered = clamp01(digit_amplitude(st, digit, last) / st->active_amp);

    while (covered > 0.95f && last - 1 >= oldest && last - 1 >= SUBS_PER_WINDOW - 1) {
        last--;
        covered = clamp01(digit_amplitude(st, digit, last) / st->active_amp);
    }
    return (last - SUBS_PER_WINDOW + 1) * DTMF_SUB + WINDOW - (int64_t)lroundf(covered * WINDOW);
}

/* One new window (the newest sub-block completes it): update the digit state. */
static void track_digit(lr_dtmf_rx *st, lr_dtmf_event *events, size_t *n_events)
{
    int64_t window_start = (st->subs_done - SUBS_PER_WINDOW) * DTMF_SUB;
    float amplitude;
    int digit = classify_window(st, &amplitude);

    if (st->active != NO_DIGIT) {
        if (digit == st->active) {
            st->gap_hops = 0;
            st->last_window = window_start;
            st->after_pending = 1;
            if (amplitude > st->active_amp)
                st->active_amp = amplitude;
        } else {
            if (st->after_pending) {
                st->after_amp = digit_amplitude(st, st->active, st->subs_done - 1);
                st->after_pending = 0;
            }
            if (++st->gap_hops >= st->off_hops)
                end_active(st, events, n_events);
        }
    }

    if (digit == NO_DIGIT || digit == st->active) {
        st->candidate = NO_DIGIT;
        st->candidate_hops = 0;
        return;
    }
    if (digit != st->candidate) {
        st->candidate = digit;
        st->candidate_hops = 0;
        st->candidate_sub = st->subs_done - 1;
        st->candidate_peak_amp = amplitude;
    }
    st->candidate_hops++;
    if (amplitude > st->candidate_peak_amp)
        st->candidate_peak_amp = amplitude;
    if (st->candidate_hops < st->on_hops)
        return;

    /* Confirmed. A new digit ends the one before it. */
    if (st->active != NO_DIGIT)
        end_active(st, events, n_events);
    st->active = digit;
    st->active_amp = st->candidate_peak_amp;
    st->active_start = tone_start(st, digit);
    st->gap_hops = 0;
    st->last_window = window_start;
    st->after_pending = 1;
    st->candidate = NO_DIGIT;
    st->candidate_hops = 0;
    emit(events, n_events, LR_DTMF_ON, digit, st->active_start, -1);
}

/* A complete sub-block, x[0 .. DTMF_SUB): analyse it. */
static void analyse_subblock(lr_dtmf_rx *st, const int16_t *x, lr_dtmf_event *events,
                             size_t *n_events)
{
    int32_t sums[2 * DTMF_TONES];
    const int slot = (int)((uint64_t)st->subs_done % RING);
    const float *s1 = st->sub_re[(slot + RING - 1) % RING], *s2 = st->sub_re[(slot + RING - 2) % RING];
    const float *s3 = st->sub_re[(slot + RING - 3) % RING];
    const float *m1 = st->sub_im[(slot + RING - 1) % RING], *m2 = st->sub_im[(slot + RING - 2) % RING];
    const float *m3 = st->sub_im[(slot + RING - 3) % RING];
    float *sr = st->sub_re[slot], *si = st->sub_im[slot];
    int t;

    st->sub_energy[slot] = (float)dtmf_subblock_sums(x, &st->tables, sums);
    /* Four tones at a time (GCC/Clang vector extensions: SSE2 here, NEON on the Pi). */
    for (t = 0; t < DTMF_TONES; t += 4) {
        /* sum x e^{-jwi} = C - jS, rotated to the common origin by exp(-j w m). */
        v4f c = __builtin_convertvector(load4i(sums + t), v4f);
        v4f s = -__builtin_convertvector(load4i(sums + DTMF_TONES + t), v4f);
        v4f pr = load4(st->phase_re + t), pi = load4(st->phase_im + t);
        v4f qr = load4(st->step_re + t), qi = load4(st->step_im + t);
        v4f nr = pr * qr - pi * qi;
        v4f ni = pr * qi + pi * qr;
        /* Keep |phase| at 1: one Newton step of 1/sqrt, so rounding cannot build up. */
        v4f g = 1.5f - 0.5f * (nr * nr + ni * ni);
        v4f re = c * pr - s * pi, im = c * pi + s * pr;
        store4(sr + t, re);
        store4(si + t, im);
        store4(st->phase_re + t, nr * g);
        store4(st->phase_im + t, ni * g);
        store4(st->win_re[slot] + t, re + load4(s1 + t) + load4(s2 + t) + load4(s3 + t));
        store4(st->win_im[slot] + t, im + load4(m1 + t) + load4(m2 + t) + load4(m3 + t));
    }
    st->win_energy[slot] = st->sub_energy[slot] + st->sub_energy[(slot + RING - 1) % RING]
        + st->sub_energy[(slot + RING - 2) % RING] + st->sub_energy[(slot + RING - 3) % RING];
    st->subs_done++;
    if (st->subs_done >= SUBS_PER_WINDOW)
        track_digit(st, events, n_events);
}

int lr_dtmf_rx_process(lr_dtmf_rx *st, const int16_t *samples, size_t n,
                       lr_dtmf_event *events, size_t max_events,
                       size_t *n_events, size_t *n_consumed)
{
    size_t done = 0, count = 0;

    if (st == NULL || n_events == NULL || n_consumed == NULL || events == NULL
        || (samples == NULL && n > 0))
        return LR_ERR_NULL;
    if (st->magic != RX_MAGIC)
        return LR_ERR_STATE;
    if (max_events < 2)
        return LR_ERR_ARG;

    while (done < n) {
        if (st->fill == 0 && n - done >= DTMF_SUB) {
            /* A whole sub-block in the input: analysed where it lies. */
            analyse_subblock(st, samples + done, events, &count);
            done += DTMF_SUB;
        } else {
            done += sub_block_fill(st->pending, &st->fill, DTMF_SUB, samples + done, n - done);
            if (st->fill < DTMF_SUB)
                continue;
            analyse_subblock(st, st->pending, events, &count);
            st->fill = 0;
        }
        /* A window reports at most two events: stop while both fit. */
        if (max_events - count < 2)
            break;
    }
    *n_events = count;
    *n_consumed = done;
    return LR_OK;
}

int lr_dtmf_rx_sounding(const lr_dtmf_rx *st, int64_t *start)
{
    if (st == NULL || st->magic != RX_MAGIC || st->active == NO_DIGIT)
        return 0;
    if (start != NULL)
        *start = st->active_start;
    return KEYPAD[st->active];
}

int lr_dtmf_rx_finish(lr_dtmf_rx *st, lr_dtmf_event *events, size_t max_events,
                      size_t *n_events)
{
    size_t count = 0;

    if (st == NULL || events == NULL || n_events == NULL)
        return LR_ERR_NULL;
    if (st->magic != RX_MAGIC)
        return LR_ERR_STATE;
    if (max_events < 1)
        return LR_ERR_ARG;
    if (st->active != NO_DIGIT) {
        if (st->after_pending) {
            /* Still sounding when the input stopped: it ends with the input. */
            int64_t end = st->subs_done * DTMF_SUB + st->fill;
            emit(events, &count, LR_DTMF_OFF, st->active, st->active_start, end);
            st->active = NO_DIGIT;
            st->after_pending = 0;
        } else {
            end_active(st, events, &count);
        }
    }
    *n_events = count;
    return LR_OK;
}

int lr_dtmf_rx_process_lines(lr_dtmf_rx *const *states, const int16_t *samples,
                             size_t n_lines, size_t n, lr_dtmf_event *events,
                             size_t events_per_line, size_t *n_events)
{
    size_t line;

    if (states == NULL || events == NULL || n_events == NULL || (samples == NULL && n > 0))
        return LR_ERR_NULL;
    if (events_per_line < lr_dtmf_rx_max_events(n))
        return LR_ERR_ARG;
    for (line = 0; line < n_lines; line++) {
        if (states[line] == NULL)
            return LR_ERR_NULL;
        if (states[line]->magic != RX_MAGIC)
            return LR_ERR_STATE;
    }
    for (line = 0; line < n_lines; line++) {
        size_t consumed;
        int status = lr_dtmf_rx_process(states[line], samples + line * n, n,
                                         events + line * events_per_line, events_per_line,
                                         &n_events[line], &consumed);
        if (status != LR_OK)
            return status;
    }
    return LR_OK;
}
