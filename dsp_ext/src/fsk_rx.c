/*
 * fsk_rx.c - 1200 baud FSK receiver for caller ID (Bell 202, V.23).
 *
 * Steps 1-3, per block of input, are the front end (fsk_rx_front.c): the
 * analytic baseband at 4 kHz, turned so that the mark tone and the space
 * tone each sit at 0 Hz, and a frequency discriminator summed over about
 * one bit, with where it crosses zero. Here:
 *   3. The crossings are the transitions that drive the bit clock: a
 *      second-order loop that also learns the bit rate on the channel
 *      seizure, and a re-synchronisation on the start bit after the mark
 *      run: the start edge is fitted where a zero crossing or, when noise
 *      hides that, the first space window on the mark run's clock puts it.
 *   4. Tone correlations over exactly one bit window (fractional edges).
 *   5. A clear bit is decided on its own two energies. A close one uses its
 *      neighbours too: the transmitter is phase continuous, so across three
 *      bits the correlations add coherently for the right bit pattern only.
 *      Taking the best pattern for each value of the middle bit gains about
 *      2 dB over deciding each bit alone, and more for V.23, whose tones are
 *      closer together. No decision needs the level: they compare energies,
 *      so there is no AGC.
 *   6. A framer finds the seizure and the mark run, then reads 8N1
 *      characters until the line idles or the carrier goes. Where a start
 *      bit is due inside a message and reads mark by a small margin, it
 *      is read both ways for one character (frame_fork).
 *
 * Speed: at most baseband samples nothing happens. The clock goes from
 * event to event (a crossing, or the end of a bit window) rather than
 * sample by sample, and counts in integer ticks, so that the next window
 * end is a shift away and a window's samples and edge weights come out of
 * the same integers. Counting on the idle line, where the bits are random,
 * uses selects, not branches. Only around the start bit after the mark run
 * does the clock step sample by sample.
 *
 * All tone frequencies involved are multiples of 100 Hz, so one table of
 * the 80 roots of unity (8000 / 100) serves every oscillator here, exactly.
 * Times inside are in baseband samples (4 kHz); events are reported in
 * input samples.
 */
#include "lr_fsk.h"

#include <string.h>

#include "fsk_rx_front.h"
#include "vec4.h"

#define RX_MAGIC 0x4c524658u    /* "LRFX" */
#define BIT_SAMPLES (4000.0 / 1200.0)  /* in baseband samples (4 kHz) */
#define MARK_RUN_BITS 40        /* marks before a message (180 sent; 80 on call waiting) */
#define SEIZURE_BITS 20         /* alternations that count as a channel seizure */
#define MAX_IDLE_BITS 16        /* marks between characters before the burst ends */
#define LOOP_GAIN 0.1           /* bit clock: phase gain per transition */
#define RATE_GAIN 0.01          /* bit clock: rate gain per transition */
#define REFINE_STEPS 18         /* start-edge search: +-2.25 baseband samples in eighths */
#define CLEAR_MARGIN 0.4f        /* (mark - space) / (mark + space) beyond which a bit is clear */
#define WEAK_MARK 0.2f           /* the same, under which a mark may be a start bit (frame_fork) */
#define INTER_GAIN 0.25         /* phase gain on a start bit inside a message */
/* Bit energy below that of a tone of about -61 dBm0 counts as no carrier. */
#define ENERGY_FLOOR 1000.0f
/*
 * Inside a burst, the carrier is gone too once two bits in a row come 12 dB
 * or more under the mark run's bit energy: one transmitter sends the whole
 * burst at one level, and noise at the burst's level does not take a bit
 * that far down (at 4 dB S/N about one bit in 10^4; two in a row, next to
 * never).
 */
#define CARRIER_DROP 0.0625f

/*
 * The bit clock counts in ticks, 2^32 to a baseband sample. Times relative
 * to a sample are exact integers: the sample where the next bit window
 * ends is a shift away (a double would need a conversion in front of
 * every branch on it), and a window's samples and edge weights come out of
 * the same integers. Gains are fractions of 2^32.
 */
#define TICK_BITS 32
#define TICKS ((int64_t)1 << TICK_BITS)                 /* one baseband sample */
#define HALF_SAMPLE (TICKS / 2)
#define PER_TICK (1.0 / 4294967296.0)                   /* ticks to samples */
#define IN_TICKS(samples) ((int64_t)((samples) * 4294967296.0 + 0.5))  /* for constants >= 0 */
#define BIT_TICKS IN_TICKS(BIT_SAMPLES)
#define PERIOD_MAX IN_TICKS(BIT_SAMPLES * 1.03)
#define PERIOD_MIN IN_TICKS(BIT_SAMPLES * 0.97)
#define REFINE_STEP (TICKS / 8)
/*
 * The start of the oldest sample whose tones the front end keeps, in
 * ticks relative to t (sample t is at front.tones[cur], cur >= FRONT_HISTORY
 * while the clock runs): no window or edge search may begin before it.
 */
#define OLDEST_KEPT (-FRONT_HISTORY * TICKS - HALF_SAMPLE)
/* floor(x / TICKS) for x in ticks above -64 samples */
#define WHOLE_SAMPLES(x) ((int)((uint64_t)((x) + 64 * TICKS) >> TICK_BITS) - 64)

/*
 * The idle line's step, which runs every bit, is kept inline in the
 * clock's loop (a call there would cost about as much as the step); the
 * decision with neighbours, off the idle line, is kept out of line, so
 * that the idle step stays small and needs few registers saved.
 */
#if defined(__GNUC__)
#define IDLE_PATH inline __attribute__((always_inline))
#define OFF_IDLE_PATH __attribute__((noinline))
#else
#define IDLE_PATH inline
#define OFF_IDLE_PATH
#endif

enum framer_state { F_IDLE, F_MARK, F_DATA, F_INTER };

/* The framer: the seizure, the mark run, then 8N1 characters. */
struct framer {
    int state;                     /* enum framer_state */
    int mark_count;
    int alt_count, last_bit, alt_reported;
    int64_t alt_start;
    int bit_index, char_value, char_flags;
    int64_t char_start;
    int idle_count;
    int flowing;                   /* the character began right after the one before */
};

/* Tone correlations of one bit window. */
struct bit_corr {
    float tone[4];           /* mark re, im, space re, im */
    float mark, space;       /* their energies */
    float beat_re, beat_im;  /* e^{j 2 pi (f_space - f_mark) a / fs}, a = window start */
    int64_t start;           /* window start in input samples (filter time line) */
    int dead;                /* energy under the floor: no carrier */
    int solo;                /* decided alone, whatever its neighbours */
    int placed;              /* the first window after a placed start edge */
    int beat_ready;          /* beat_re/im computed (only when a decision needs them) */
    int64_t t;               /* t when the window closed ... */
    int64_t lo;              /* ... and its start relative to that t (ticks): for the beat */
};

struct lr_fsk_rx {
    uint32_t magic;
    int standard;
    int k_mark, k_space, k_beat;   /* tone offsets from 1700 Hz, in 100 Hz */
    float unit_re[80], unit_im[80];

    struct fsk_front front;        /* steps 1-3 */
    int64_t t;                     /* baseband time (4 kHz) of the newest sample */
    int cur;                       /* index of sample t in front.tones */

    /* bit clock */
    int64_t boundary;              /* end of the pending bit window, relative to t (ticks) */
    int64_t period;                /* bit period in ticks, learnt */
    int64_t holdoff_until;         /* no hard re-sync before this time */
    float mark_level;              /* typical |disc_sum| on mark, for start-bit checks */
    int pending;                   /* a start-bit edge awaits confirmation */
    int64_t pending_edge;          /* its time relative to t (ticks) */
    int pending_age;
    int refining;                  /* a confirmed start edge waits for place_start_edge() */
    int64_t refine_edge;           /* its rough time relative to t (ticks) */

    /*
     * The last three bit windows, in a ring of four; bits[newest] is the
     * latest. n_bits counts them up to 3 since the windows were last
     * re-timed: only windows of the same grid are neighbours.
     */
    struct bit_corr bits[4];
    int newest, n_bits;

    struct framer fr;
    /*
     * A start bit that may have been read as mark: fr reads it as the
     * start, idle reads it as the idle mark it was decided to be, until fr
     * reaches the stop bit and one of them is kept (see frame_fork).
     */
    struct framer idle;
    int forked;
    int placed;                    /* the next window starts at a placed start edge */
    float burst_level;             /* bit energy in the mark run (0: none yet) */
    int weak_bits;                 /* bits in a row under CARRIER_DROP of it */

    /* output of the current call */
    struct lr_fsk_event *events;
    size_t max_events, n_events;
};

size_t lr_fsk_rx_state_size(void)
{
    return sizeof(struct lr_fsk_rx);
}

/* e^{j 2 pi k / 80} by rotation in double precision: no libm needed. */
static void make_unit_table(float *re, float *im)
{
    const double c = 0.996917333733128, s = 0.07845909572784494;  /* 2 pi / 80 */
    double x = 1.0, y = 0.0;
    for (int k = 0; k < 80; k++) {
        re[k] = (float)x;
        im[k] = (float)y;
        double nx = x * c - y * s;
        y = x * s + y * c;
        x = nx;
    }
}

int lr_fsk_rx_reset(struct lr_fsk_rx *st)
{
    if (st == NULL)
        return LR_ERR_NULL;
    if (st->magic != RX_MAGIC)
        return LR_ERR_STATE;
    fsk_front_reset(&st->front);
    st->t = -1;
    st->cur = FRONT_HISTORY - 1;
    st->boundary = BIT_TICKS;
    st->period = BIT_TICKS;
    st->holdoff_until = 0;
    st->mark_level = 0.0f;
    st->pending = 0;
    st->pending_edge = 0;
    st->pending_age = 0;
    st->refining = 0;
    st->refine_edge = 0;
    memset(st->bits, 0, sizeof st->bits);
    st->newest = 0;
    st->n_bits = 0;
    memset(&st->fr, 0, sizeof st->fr);
    st->fr.state = F_IDLE;
    st->fr.last_bit = 1;
    st->idle = st->fr;
    st->forked = 0;
    st->placed = 0;
    st->burst_level = 0.0f;
    st->weak_bits = 0;
    st->events = NULL;
    st->max_events = st->n_events = 0;
    return LR_OK;
}

int lr_fsk_rx_init(struct lr_fsk_rx *st, int standard)
{
    if (st == NULL)
        return LR_ERR_NULL;
    if (standard != LR_FSK_BELL202 && standard != LR_FSK_V23)
        return LR_ERR_ARG;
    memset(st, 0, sizeof *st);
    st->magic = RX_MAGIC;
    st->standard = standard;
    st->k_mark = standard == LR_FSK_BELL202 ? -5 : -4;
    st->k_space = -st->k_mark;
    st->k_beat = st->k_space - st->k_mark;
    make_unit_table(st->unit_re, st->unit_im);
    fsk_front_init(&st->front, st->unit_re, st->unit_im, st->k_mark);
    return lr_fsk_rx_reset(st);
}

size_t lr_fsk_rx_events_needed(size_t n)
{
    /* At most one bit window closes per sample and each bit makes at most one event. */
    return n + 4;
}

/* input_time: in input samples, on the filter's (delayed) time line */
static void emit(struct lr_fsk_rx *st, int kind, int64_t input_time, int value, int flags)
{
    if (st->n_events >= st->max_events)
        return;  /* cannot happen with the documented buffer size */
    struct lr_fsk_event *event = &st->events[st->n_events++];
    int64_t sample = input_time - FRONT_DELAY;
    event->sample = sample < 0 ? 0 : sample;
    event->kind = kind;
    event->value = value;
    event->flags = flags;
}

static int64_t bits_back(int64_t time, int n_bits)
{
    return time - (int64_t)((double)n_bits * (8000.0 / 1200.0) + 0.5);
}

/*
 * The framer, one decided bit at a time. Selects rather than branches on
 * the bit in the counting for the idle line: in the noise between bursts
 * the bits are random, and branches on them would be mispredicted half the
 * time.
 */

/* Runs of alternating bits: the channel seizure. */
static inline void frame_alternation(struct lr_fsk_rx *st, struct framer *fr, int bit, int dead,
                                     int64_t start)
{
    int alternates = !dead & (bit != fr->last_bit);
    int64_t first_alternation = -(int64_t)(alternates & (fr->alt_count == 0));  /* all ones or 0 */
    fr->alt_start = (start & first_alternation) | (fr->alt_start & ~first_alternation);
    fr->alt_count = (fr->alt_count + 1) & -alternates;
    fr->alt_reported &= alternates;
    if (fr->alt_count == SEIZURE_BITS && !fr->alt_reported && fr->state == F_IDLE) {
        fr->alt_reported = 1;
        emit(st, LR_FSK_EVENT_SEIZURE, fr->alt_start, 0, 0);
    }
    fr->last_bit = dead | bit;
}

/* A bit on the idle line: count marks towards a mark run. */
static inline void frame_idle(struct lr_fsk_rx *st, struct framer *fr, int bit, int dead,
                              int64_t start)
{
    frame_alternation(st, fr, bit, dead, start);
    if (dead) {
        fr->mark_count = 0;
        st->period = BIT_TICKS;  /* a new transmitter may come */
        return;
    }
    /* An odd space in a long mark run only sets it back a little. */
    fr->mark_count = ((fr->mark_count + 1) & -bit) |
                     ((fr->mark_count > 10 ? fr->mark_count - 10 : 0) & (bit - 1));
    if (fr->mark_count == MARK_RUN_BITS && bit) {
        fr->state = F_MARK;
        st->burst_level = 0.0f;  /* measured again on this run */
        emit(st, LR_FSK_EVENT_MARK, bits_back(start, MARK_RUN_BITS - 1), 0, 0);
    }
}

/* A bit in any state. */
static void frame_bit(struct lr_fsk_rx *st, struct framer *fr, int bit, int dead, int64_t start)
{
    if (fr->state == F_IDLE) {
        frame_idle(st, fr, bit, dead, start);
        return;
    }
    frame_alternation(st, fr, bit, dead, start);
    switch (fr->state) {
    case F_MARK:
    case F_INTER:
        if (dead) {
            if (fr->state == F_INTER)
                emit(st, LR_FSK_EVENT_END, start, 0, 0);
            fr->state = F_IDLE;
            fr->mark_count = 0;
        } else if (!bit) {
            fr->char_flags = fr->state == F_MARK ? LR_FSK_CHAR_FIRST : 0;
            fr->flowing = fr->state == F_MARK || fr->idle_count == 0;
            fr->state = F_DATA;
            fr->bit_index = 0;
            fr->char_value = 0;
            fr->char_start = start;
        } else if (fr->state == F_INTER && ++fr->idle_count > MAX_IDLE_BITS) {
            emit(st, LR_FSK_EVENT_END, bits_back(start, MAX_IDLE_BITS), 0, 0);
            fr->state = F_IDLE;
            fr->mark_count = fr->idle_count;
        }
        break;
    case F_DATA:
        if (dead) {
            emit(st, LR_FSK_EVENT_END, start, 0, 0);
            fr->state = F_IDLE;
            fr->mark_count = 0;
        } else if (fr->bit_index < 8) {
            fr->char_value |= bit << fr->bit_index;
            fr->bit_index++;
        } else {
            if (!bit)
                fr->char_flags |= LR_FSK_CHAR_FRAMING_ERROR;
            if (fr->char_flags == LR_FSK_CHAR_FIRST && fr->char_value == 0xff) {
                /* A space error inside the mark run, not a start bit. */
                fr->state = F_MARK;
                break;
            }
            emit(st, LR_FSK_EVENT_CHAR, fr->char_start, fr->char_value, fr->char_flags);
            fr->state = F_INTER;
            fr->idle_count = 0;
        }
        break;
    default:
        break;
    }
}

/* Where a start bit is due: right after a stop bit while the characters come back to back. */
static inline int start_due(const struct framer *fr)
{
    return fr->state == F_INTER && fr->idle_count == 0 && fr->flowing;
}

/*
 * A start bit read as mark by noise costs more than itself: the framer
 * would wait for the next space, a data bit, and misframe every character
 * after it. So a bit where a start bit is due that comes out mark by a
 * small margin is read both ways for one character: fr as the start bit,
 * st->idle as the mark it was decided to be. At fr's stop bit one of them
 * is kept: fr if that bit is mark and its character is not all marks (an
 * idle line reads so), else the idle reading. Neither can emit a
 * character before then (the idle reading's earliest stop bit is one bit
 * later), nor anything else while the carrier holds.
 */
static void frame_fork(struct lr_fsk_rx *st, int bit, int dead, int64_t start)
{
    struct framer *fr = &st->fr;
    if (dead) {
        st->forked = 0;  /* both end the burst here */
    } else if (fr->bit_index < 8) {
        frame_bit(st, &st->idle, bit, dead, start);
    } else {
        st->forked = 0;
        if (!bit || fr->char_value == 0xff)
            *fr = st->idle;
    }
    frame_bit(st, fr, bit, dead, start);
}

/* a * b, complex */
static inline void cmul(float ar, float ai, float br, float bi, float *re, float *im)
{
    *re = ar * br - ai * bi;
    *im = ar * bi + ai * br;
}

/*
 * The phase step from one bit to the next, when the tone changes: mark to
 * space multiplies by beat, space to mark by its conjugate.
 */
static inline void step_rotation(int from, int to, const struct bit_corr *b, float *re, float *im)
{
    if (from == to) {
        *re = 1.0f;
        *im = 0.0f;
    } else if (from == 1) {
        *re = b->beat_re;
        *im = b->beat_im;
    } else {
        *re = b->beat_re;
        *im = -b->beat_im;
    }
}

static inline void tone(const struct bit_corr *b, int bit, float *re, float *im)
{
    *re = b->tone[bit ? 0 : 2];
    *im = b->tone[bit ? 1 : 3];
}

/*
 * Decide the middle bit of (prev, mid, next): for each value of it, the
 * energy of the best phase-continuous pattern over the windows available
 * (best[0] space, best[1] mark).
 */
static int decide(const struct bit_corr *prev, const struct bit_corr *mid,
                  const struct bit_corr *next, float best[2])
{
    best[0] = best[1] = 0.0f;
    int n_prev = prev != NULL ? 2 : 1, n_next = next != NULL ? 2 : 1;

    for (int b1 = 0; b1 < 2; b1++) {
        for (int i0 = 0; i0 < n_prev; i0++) {
            float sum_re = 0.0f, sum_im = 0.0f, rot_re = 1.0f, rot_im = 0.0f;
            float re, im;
            if (prev != NULL) {
                tone(prev, i0, &sum_re, &sum_im);
                step_rotation(i0, b1, mid, &rot_re, &rot_im);
            }
            tone(mid, b1, &re, &im);
            cmul(re, im, rot_re, rot_im, &re, &im);
            sum_re += re;
            sum_im += im;
            for (int i2 = 0; i2 < n_next; i2++) {
                float total_re = sum_re, total_im = sum_im;
                if (next != NULL) {
                    float step_re, step_im, r2_re, r2_im;
                    step_rotation(b1, i2, next, &step_re, &step_im);
                    cmul(rot_re, rot_im, step_re, step_im, &r2_re, &r2_im);
                    tone(next, i2, &re, &im);
                    cmul(re, im, r2_re, r2_im, &re, &im);
                    total_re += re;
                    total_im += im;
                }
                float energy = total_re * total_re + total_im * total_im;
                /* a select, not a branch: which pattern wins is noise on the idle line */
                best[b1] = energy > best[b1] ? energy : best[b1];
            }
        }
    }
    return best[1] >= best[0];  /* ties (silence) read as mark */
}

/* Computes a window's beat the first time a decision needs it. */
static void need_beat(const struct lr_fsk_rx *st, struct bit_corr *b);

/*
 * A bit whose own tone energies differ clearly is decided on them alone:
 * the neighbours only ever overturn close calls, and most bits, even at
 * 6 dB S/N, are not close. That keeps the three-bit search (and the beat
 * it needs) to the few bits where it matters. energy: what the decision
 * weighed, for space and for mark.
 */
static int decide_bit(const struct lr_fsk_rx *st, const struct bit_corr *prev, struct bit_corr *mid,
                      struct bit_corr *next, float energy[2])
{
    float mark = mid->mark, space = mid->space;
    float margin = mark - space;
    energy[0] = space;
    energy[1] = mark;
    if (prev == NULL && next == NULL)
        return margin >= 0.0f;
    if (margin > CLEAR_MARGIN * (mark + space) || -margin > CLEAR_MARGIN * (mark + space))
        return margin > 0.0f;
    need_beat(st, mid);
    if (next != NULL)
        need_beat(st, next);
    return decide(prev, mid, next, energy);
}

/* e^{j theta} for |theta| <= pi / 4 by Taylor series (error < 1e-5). */
static void small_rotation(float theta, float *re, float *im)
{
    float t2 = theta * theta;
    *re = 1.0f - t2 * (0.5f - t2 * (1.0f / 24.0f - t2 * (1.0f / 720.0f)));
    *im = theta * (1.0f - t2 * (1.0f / 6.0f - t2 * (1.0f / 120.0f - t2 * (1.0f / 5040.0f))));
}

/*
 * The four tone correlations (mark re, im, space re, im) over the window
 * [lo, hi) (ticks relative to t); sample r covers [r - 0.5, r + 0.5). Any
 * window length; the first and last samples are partly inside, those
 * between wholly.
 */
static void correlate(const struct lr_fsk_rx *st, int64_t lo, int64_t hi, float out[4])
{
    int first = WHOLE_SAMPLES(lo + HALF_SAMPLE);
    int last = WHOLE_SAMPLES(hi + HALF_SAMPLE + TICKS - 1) - 1;  /* ceil(hi + 0.5) - 1 */
    const float(*x)[4] = &st->front.tones[st->cur];
    if (last > 0)
        last = 0;
    if (first >= last) {
        float w = (float)(hi - lo) * (float)PER_TICK;
        store4(out, splat(w) * load4(x[first]));
        return;
    }
    float w_first = (float)(first * TICKS + HALF_SAMPLE - lo) * (float)PER_TICK;
    float w_last = (float)(hi - last * TICKS + HALF_SAMPLE) * (float)PER_TICK;
    /* a quad at a time, each lane summed in the order of a scalar loop */
    v4f sum = splat(w_first) * load4(x[first]) + splat(w_last) * load4(x[last]);
    for (int r = first + 1; r < last; r++)
        sum += load4(x[r]);
    store4(out, sum);
}

/*
 * The same over one bit window that ends at or before sample t: it spans
 * four or five samples (a period is 3.2 to 3.5 samples), so the two or three
 * whole samples are summed without a loop; a third whole sample that is
 * not there is added with weight 0, which leaves the sums unchanged.
 */
static v4f correlate_bit(const struct lr_fsk_rx *st, int64_t lo, int64_t hi)
{
    int first = WHOLE_SAMPLES(lo + HALF_SAMPLE);
    int last = WHOLE_SAMPLES(hi + HALF_SAMPLE + TICKS - 1) - 1;
    const float(*x)[4] = &st->front.tones[st->cur];
    float w_first = (float)(first * TICKS + HALF_SAMPLE - lo) * (float)PER_TICK;
    float w_last = (float)(hi - last * TICKS + HALF_SAMPLE) * (float)PER_TICK;
    float third = (float)(last - first - 3);        /* 1 when three samples lie between */
    /* a quad at a time, in the order of the scalar sums (no contraction in C11 mode) */
    v4f sum = splat(w_first) * load4(x[first]) + splat(w_last) * load4(x[last]);
    sum += load4(x[first + 1]);
    sum += load4(x[first + 2]);
    sum += splat(third) * load4(x[first + 3]);
    return sum;
}

/*
 * The part of the beat below for the fraction of a sample in at (ticks):
 * the same for times a whole number of samples apart. *whole: floor(at).
 */
static void beat_fraction(const struct lr_fsk_rx *st, int64_t at, int *whole, float *re, float *im)
{
    *whole = WHOLE_SAMPLES(at);
    double frac = (double)(at - *whole * TICKS) * PER_TICK;
    float fr, fi;
    /* the fraction in two halves keeps each angle under pi / 4 */
    small_rotation((float)(frac * st->k_beat * (3.141592653589793 / 40.0)), &fr, &fi);
    cmul(fr, fi, fr, fi, re, im);
}

/* The beat at time t + whole samples, given its fraction's part (beat_fraction). */
static void beat_whole(const struct lr_fsk_rx *st, int64_t t, int whole, float fr, float fi,
                       float *re, float *im)
{
    int index = (int)(((t + whole) % 40 + 40) % 40);
    index = (2 * index * st->k_beat) % 80;
    cmul(st->unit_re[index], st->unit_im[index], fr, fi, re, im);
}

/* e^{j 2 pi (f_space - f_mark) a / 4000} for the baseband time a = t + at (ticks). */
static void beat_at(const struct lr_fsk_rx *st, int64_t t, int64_t at, float *re, float *im)
{
    int whole;
    float fr, fi;
    beat_fraction(st, at, &whole, &fr, &fi);
    beat_whole(st, t, whole, fr, fi, re, im);
}

static void need_beat(const struct lr_fsk_rx *st, struct bit_corr *b)
{
    if (!b->beat_ready) {
        beat_at(st, b->t, b->lo, &b->beat_re, &b->beat_im);
        b->beat_ready = 1;
    }
}

/*
 * In a mark run the bit windows wait while a start edge is pending or
 * being placed, and fall behind: a few samples, up to 16 on a burst at
 * 4 dB S/N. A tone that only looks like a mark run, such as a DTMF digit
 * with its column tone on the mark, crosses into space at every beat of
 * its two tones and keeps them waiting. Before the next window would begin
 * before the tones the front end keeps, the run is dropped, back to the
 * idle line as when the carrier goes in a mark run, and the windows that
 * can no longer be read are skipped.
 */
static void leave_mark_run(struct lr_fsk_rx *st)
{
    st->fr.state = F_IDLE;
    st->fr.mark_count = 0;
    st->pending = 0;
    st->refining = 0;
    while (st->boundary - st->period < OLDEST_KEPT)
        st->boundary += st->period;
    st->n_bits = 0;  /* the windows before the gap are no neighbours */
}

/*
 * Hold the bit windows until the start edge is placed around `edge` (ticks
 * relative to t) by place_start_edge; no other edge is awaited, and none is
 * taken for 2.5 bits.
 */
static void refine_start_edge(struct lr_fsk_rx *st, int64_t edge)
{
    st->pending = 0;
    st->refining = 1;
    st->refine_edge = edge;
    st->holdoff_until = st->t + (int64_t)(2.5 * BIT_SAMPLES);
}

/* The bit of mid, with its neighbours where they count (b is the window after it). */
OFF_IDLE_PATH static void decide_and_frame(struct lr_fsk_rx *st, struct bit_corr *b,
                                         struct bit_corr *mid)
{
    const struct bit_corr *prev = NULL;
    struct bit_corr *next = NULL;
    const struct bit_corr *before = &st->bits[(st->newest + 2) & 3];
    float total = mid->mark + mid->space;
    if (st->fr.state == F_MARK && !mid->dead) {
        /* the burst's level: the mark run's bit energy, smoothed */
        st->burst_level = st->burst_level > 0.0f
                              ? st->burst_level + (total - st->burst_level) * 0.125f
                              : total;
        st->weak_bits = 0;
    } else if (st->fr.state == F_DATA || st->fr.state == F_INTER) {
        st->weak_bits = total < CARRIER_DROP * st->burst_level ? st->weak_bits + 1 : 0;
        if (st->weak_bits >= 2)
            mid->dead = 1;  /* the carrier is gone: the burst ends as on silence */
    }
    if (st->n_bits == 3 && !mid->solo && !before->dead)
        prev = before;
    if (!b->solo && !b->dead)
        next = b;
    float energy[2];
    int bit = decide_bit(st, prev, mid, next, energy);
    if (st->forked) {
        frame_fork(st, bit, mid->dead, mid->start);
    } else if (st->fr.state == F_MARK && !bit && !mid->dead && !mid->placed) {
        /*
         * A space on the mark run's clock, which has run free since the
         * seizure and may be off by half a bit: noise kept the start edge
         * from being confirmed. Place it around this window before
         * framing, as after a confirmation; windows are re-read from it.
         */
        int64_t edge = mid->lo - (st->t - mid->t) * TICKS;
        /*
         * An edge this far back is fitted at the next sample, its search
         * reaching two periods and REFINE_STEPS steps before it: not
         * before the tones kept (see leave_mark_run for how far back the
         * windows can be).
         */
        int64_t oldest = OLDEST_KEPT + 2 * st->period + REFINE_STEPS * REFINE_STEP + TICKS;
        refine_start_edge(st, edge > oldest ? edge : oldest);
    } else if (bit && !mid->dead && energy[1] - energy[0] < WEAK_MARK * (energy[1] + energy[0]) &&
               start_due(&st->fr)) {
        /* a start bit, or an idle mark? both, until the stop bit tells */
        st->idle = st->fr;
        frame_bit(st, &st->idle, 1, 0, mid->start);
        frame_bit(st, &st->fr, 0, 0, mid->start);
        st->forked = 1;
    } else {
        frame_bit(st, &st->fr, bit, mid->dead, mid->start);
    }
}

/*
 * Close the bit window [hi - period, hi) (ticks relative to t; hi <= -0.5
 * samples, so the window ends within sample t) and decide the bit before
 * it. The caller moves the boundary on by a period.
 */
static IDLE_PATH void close_bit(struct lr_fsk_rx *st, int64_t hi)
{
    int64_t lo = hi - st->period;
    int newest = (st->newest + 1) & 3;
    struct bit_corr *b = &st->bits[newest];
    v4f quad = correlate_bit(st, lo, hi);
    float c[4];
    memcpy(c, &quad, sizeof c);
    store4(b->tone, quad);
    float mark = c[0] * c[0] + c[1] * c[1];
    b->mark = mark;
    b->space = c[2] * c[2] + c[3] * c[3];
    b->dead = mark + c[2] * c[2] + c[3] * c[3] < ENERGY_FLOOR;
    /*
     * While no mark run has been seen, bits only look for one: a bit on its
     * own is good enough for that, and the idle line is cheap.
     */
    b->solo = st->fr.state == F_IDLE;
    b->placed = st->placed;
    st->placed = 0;
    b->t = st->t;
    b->lo = lo;
    b->beat_ready = 0;
    /* the window start in input samples (two per baseband sample), to the nearest */
    b->start = 2 * st->t + WHOLE_SAMPLES(2 * lo + HALF_SAMPLE);
    st->newest = newest;

    if (st->n_bits < 3 && ++st->n_bits < 2)
        return;
    /* the bit before this window is decided now, with its neighbours where they count */
    struct bit_corr *mid = &st->bits[(newest + 3) & 3];
    if (mid->solo & b->solo)
        frame_idle(st, &st->fr, mid->mark >= mid->space, mid->dead, mid->start);  /* F_IDLE */
    else
        decide_and_frame(st, b, mid);
}

/* x times a gain given in 2^-32 units (x at most a few samples in ticks) */
static inline int64_t times_gain(int64_t x, int64_t gain)
{
    return x * gain / TICKS;
}

/*
 * A discriminator zero crossing: a bit transition at edge, with the
 * boundary at boundary (ticks relative to the same time). Returns the
 * boundary moved towards the transition. Outside the mark run only: there,
 * a transition is a start-bit candidate (see transition_in_mark).
 */
static inline int64_t transition(struct lr_fsk_rx *st, int64_t edge, int64_t boundary,
                                 int into_space)
{
    int64_t period = st->period;
    int64_t error = edge - boundary;
    /*
     * Distance to the nearest expected boundary, within half a bit. Most
     * crossings come before the window end (and need one period added):
     * that step is a select, the loops are for the rare others.
     */
    error += period & -(int64_t)(error < -period / 2);
    while (error > period / 2)
        error -= period;
    while (error < -period / 2)
        error += period;

    int64_t gain = IN_TICKS(LOOP_GAIN);
    if (st->fr.state == F_INTER && into_space)
        gain = IN_TICKS(INTER_GAIN);  /* a start bit re-times like a UART, but not blindly */
    /* Learn the rate only from real transitions: the seizure or a character. */
    if ((st->fr.state == F_IDLE && st->fr.alt_count >= 8) || st->fr.state == F_DATA) {
        st->period += times_gain(error, IN_TICKS(RATE_GAIN));
        if (st->period > PERIOD_MAX)
            st->period = PERIOD_MAX;
        if (st->period < PERIOD_MIN)
            st->period = PERIOD_MIN;
    }
    return boundary + times_gain(error, gain);
}

/* In the mark run the clock runs free; a turn to space may be the start bit. */
static void transition_in_mark(struct lr_fsk_rx *st, int64_t edge, int into_space)
{
    if (into_space && st->t >= st->holdoff_until && !st->pending) {
        /* a start-bit candidate; confirmed once the space is clear */
        st->pending = 1;
        st->pending_edge = edge;
        st->pending_age = 0;
    }
}

/* Confirm or drop a pending start-bit edge; on confirmation, re-time to it. */
static void check_pending(struct lr_fsk_rx *st)
{
    if (!st->pending)
        return;
    st->pending_edge -= TICKS;
    st->pending_age++;
    float level = st->front.disc_sum[1 + st->cur - FRONT_HISTORY];
    /* dropped when clearly back on mark, or when it never becomes clear space */
    if (level < -0.5f * st->mark_level || st->pending_age > 5 || st->fr.state != F_MARK) {
        st->pending = 0;
        return;
    }
    if (level > 0.5f * st->mark_level) {
        /* confirmed: hold the bit windows until the edge can be placed precisely */
        refine_start_edge(st, st->pending_edge + TICKS);  /* step_sample moves it on a sample next */
    }
}

/*
 * Place the start edge where a phase-continuous mark-to-space step fits
 * best: two bits of mark before it and one of space after it, added
 * coherently. One noisy zero crossing alone misplaces the edge by a
 * sample or two at low S/N, enough to lose the next character whose bits
 * have no transition (0x80, the MDMF type, is one). The search spans
 * +-0.68 bit around refine_edge: less than a bit, so that a placement
 * made after a space window always lies after the last placed edge.
 */
static void place_start_edge(struct lr_fsk_rx *st)
{
    int64_t best_edge = st->refine_edge;
    double best = -1.0;
    /*
     * Edges eight steps apart are a whole sample apart: their beats share
     * the fraction's part, worked out for the first eight only.
     */
    _Static_assert(REFINE_STEP * 8 == TICKS, "eight steps to a sample");
    float frac_re[8], frac_im[8];
    for (int step = -REFINE_STEPS; step <= REFINE_STEPS; step++) {
        int64_t edge = st->refine_edge + step * REFINE_STEP;
        float before[4], after[4], br, bi, rr, ri;
        correlate(st, edge - 2 * st->period, edge, before);
        correlate(st, edge, edge + st->period, after);
        int slot = (step + REFINE_STEPS) % 8, whole;
        if (step + REFINE_STEPS < 8)
            beat_fraction(st, edge, &whole, &frac_re[slot], &frac_im[slot]);
        else
            whole = WHOLE_SAMPLES(edge);
        beat_whole(st, st->t, whole, frac_re[slot], frac_im[slot], &br, &bi);
        cmul(after[2], after[3], br, bi, &rr, &ri);
        double sum_re = (double)before[0] + rr, sum_im = (double)before[1] + ri;
        double metric = sum_re * sum_re + sum_im * sum_im;
        if (metric > best) {
            best = metric;
            best_edge = edge;
        }
    }
    st->refining = 0;
    st->boundary = best_edge + st->period;
    st->n_bits = 0;  /* windows of the old grid overlap the start bit: drop them */
    st->placed = 1;
}

/*
 * The transition for a zero crossing of the discriminator sum at
 * after_before (before / (before - now)): ticks relative to now.
 */
static inline int64_t crossing_edge(float after_before)
{
    /*
     * The crossing lies that fraction of a sample after before (one sample
     * back); the sum over FRONT_DISC_SUM samples is centred half that many
     * samples further back (each discriminator value sits between two
     * samples), where the transition lies. after_before * 2^32 is exact in
     * float.
     */
    return (int64_t)(after_before * 4294967296.0f) - TICKS - FRONT_DISC_SUM * HALF_SAMPLE;
}

/*
 * Steps 3-6 for sample i of the pass, one sample at a time: used in the
 * mark run, where the start bit is looked for, confirmed and placed.
 */
static void step_sample(struct lr_fsk_rx *st, int i)
{
    st->t++;
    st->cur = FRONT_HISTORY + i;
    st->boundary -= TICKS;
    if (st->fr.state == F_MARK && st->boundary - st->period < OLDEST_KEPT)
        leave_mark_run(st);

    float now = st->front.disc_sum[i + 1];
    if (st->fr.state == F_MARK && now < 0.0f)
        st->mark_level += (-now - st->mark_level) * (1.0f / 32.0f);
    if (st->pending)
        check_pending(st);
    if ((st->front.crossings >> i) & 1) {
        int64_t edge = crossing_edge(st->front.crossing_at[i]);
        int into_space = st->front.disc_sum[i] < 0.0f;
        if (st->fr.state == F_MARK)
            transition_in_mark(st, edge, into_space);
        else
            st->boundary = transition(st, edge, st->boundary, into_space);
    }
    if (st->refining) {
        st->refine_edge -= TICKS;
        if (st->refine_edge + st->period + REFINE_STEPS * REFINE_STEP <= -HALF_SAMPLE)
            place_start_edge(st);
    }
    /* windows wait while a start edge is unconfirmed or unplaced */
    if (!st->refining && !st->pending && st->boundary <= -HALF_SAMPLE) {
        close_bit(st, st->boundary);
        st->boundary += st->period;
    }
}

/* The first sample s with boundary - s <= -0.5, for boundary in ticks relative to sample 0. */
static inline int due_sample(int64_t boundary)
{
    return WHOLE_SAMPLES(boundary + HALF_SAMPLE + TICKS - 1);
}

#define NO_CROSSING (1 << 20)  /* after every window end of a pass */

/*
 * Steps 3-6 for the made baseband samples of a pass. Nothing happens at
 * most samples: only a zero crossing of the discriminator sum (a
 * transition, which moves the bit clock) or the end of a bit window (a bit
 * to decide) does something. So the clock goes from one of these events to
 * the next: the next window end follows from the boundary, and the
 * crossings before it are taken in order (each may move it). The same
 * events as stepping sample by sample, for a fraction of the work; in the
 * mark run it steps after all (step_sample).
 */
static void run_clock(struct lr_fsk_rx *st, int made)
{
    /* the crossing flags of the made samples (crossings are cleared as they are taken) */
    uint64_t crossings = st->front.crossings;
    if (made < FRONT_OUT)
        crossings &= ((uint64_t)1 << made) - 1;

    const int64_t t_first = st->t + 1;         /* t of sample 0 of the pass */
    int64_t boundary = st->boundary - TICKS;   /* relative to sample 0 */
    int i = 0;  /* events before sample i are done (a window may still close at i) */
    for (;;) {
        /* (a start edge pending or being placed implies the mark run) */
        if (st->fr.state == F_MARK) {
            if (i >= made)
                break;
            st->t = t_first + i - 1;
            st->boundary = boundary - (i - 1) * TICKS;
            step_sample(st, i);
            boundary = st->boundary + i * TICKS;
            crossings &= ~((uint64_t)1 << i);
            i++;
            continue;
        }
        /*
         * The next event: the next crossing, or the window end if that
         * comes first (a crossing at the same sample goes first). One branch
         * per event, on values that are quickly known.
         */
        int crossing = crossings != 0 ? __builtin_ctzll(crossings) : NO_CROSSING;
        int due = due_sample(boundary);
        if (due < i)
            due = i;  /* a transition may leave it behind: the window closes now */
        if (crossing <= due) {
            int64_t at = crossing * TICKS;
            boundary = at + transition(st, crossing_edge(st->front.crossing_at[crossing]),
                                       boundary - at, st->front.disc_sum[crossing] < 0.0f);
            crossings &= crossings - 1;
            i = crossing;
            continue;
        }
        if (due >= made)
            break;
        st->t = t_first + due;
        st->cur = FRONT_HISTORY + due;
        close_bit(st, boundary - due * TICKS);
        boundary += st->period;
        i = due + 1;
    }
    st->t = t_first + made - 1;
    st->cur = FRONT_HISTORY + made - 1;
    st->boundary = boundary - (made - 1) * TICKS;
}

int lr_fsk_rx_process(struct lr_fsk_rx *st, const int16_t *in, size_t n,
                      struct lr_fsk_event *events, size_t max_events, size_t *n_events)
{
    if (st == NULL || n_events == NULL || (n > 0 && (in == NULL || events == NULL)))
        return LR_ERR_NULL;
    if (st->magic != RX_MAGIC)
        return LR_ERR_STATE;
    if (max_events < lr_fsk_rx_events_needed(n))
        return LR_ERR_ARG;
    st->events = events;
    st->max_events = max_events;
    st->n_events = 0;

    for (size_t done = 0; done < n;) {
        int count = n - done < FRONT_BLOCK ? (int)(n - done) : FRONT_BLOCK;
        int made = fsk_front_pass(&st->front, &in[done], count, (int)((st->t + 1) % 40));
        if (made > 0) {
            run_clock(st, made);
            fsk_front_keep(&st->front, made);
        }
        done += (size_t)count;
    }
    *n_events = st->n_events;
    st->events = NULL;
    return LR_OK;
}
