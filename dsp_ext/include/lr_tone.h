/*
 * lr_tone.h - call-progress and fax tone detector, configured by a tone plan.
 *
 * The plan is plain numbers (the caller builds it from a country profile):
 * up to 16 frequencies, each with the tolerance it must be accepted within,
 * and up to 16 patterns. A pattern is a cadence of up to 8 steps; a step is
 * either a set of the plan's frequencies sounding together (a bit mask over
 * frequencies_hz) or silence (mask 0: no plan tone, whatever else is heard),
 * with the shortest and longest duration accepted for it.
 *
 * One caller-allocated state per line (lr_tone_rx_state_size() bytes,
 * aligned for a double), set up by lr_tone_rx_init. lr_tone_rx_process takes
 * any number of 8 kHz int16 samples and reports, with sample positions
 * counted from the last init or reset:
 *   LR_TONE_ON  when a pattern has been heard for its confirm_steps steps in
 *               a row (start known, end = -1);
 *   LR_TONE_OFF when it has ended: a step came out of its duration range,
 *               another sound took a step's place, or a one-shot pattern
 *               (repeats 0) ran through. end is one past the last sample of
 *               its last step that sounded.
 * At most one pattern is reported at a time.
 */
#ifndef LR_TONE_H
#define LR_TONE_H

#include "lr_common.h"

/* The sizes of the arrays below (cffi reads the literal numbers). */
enum {
    LR_TONE_MAX_FREQUENCIES = 16,
    LR_TONE_MAX_PATTERNS = 16,
    LR_TONE_MAX_STEPS = 8
};

typedef struct lr_tone_step {
    uint32_t frequencies; /* bit i: frequencies_hz[i] sounds in this step; 0: silence */
    float min_ms;         /* shortest duration accepted, 0..600000 */
    float max_ms;         /* longest, >= min_ms; 0: no limit */
} lr_tone_step;

typedef struct lr_tone_pattern {
    int code;             /* the caller's number for the tone, reported in events */
    int n_steps;          /* 1..8 */
    int repeats;          /* 1: the steps repeat (a cadence); 0: once, then it is over */
    int confirm_steps;    /* steps heard in a row before it is reported, 1..16;
                             the first is a tone step, the last may be in progress
                             (it counts once it has lasted its min_ms) */
    lr_tone_step steps[8];
} lr_tone_pattern;

typedef struct lr_tone_plan {
    int n_frequencies;          /* 1..16 */
    float frequencies_hz[16];   /* 100..3900 Hz */
    float tolerances_hz[16];    /* accepted offset of each, 5..60 Hz: sets its window */
    int n_patterns;             /* 1..16 */
    lr_tone_pattern patterns[16];
    float min_level_dbm0;       /* weakest tone component accepted, -60..0 */
    float max_twist_db;         /* largest level difference between components, 0..20 */
    float min_purity;           /* share of the window energy in the step's tones, 0.3..0.99 */
} lr_tone_plan;

enum lr_tone_event_kind {
    LR_TONE_ON = 1,
    LR_TONE_OFF = 2
};

typedef struct lr_tone_event {
    int kind;       /* enum lr_tone_event_kind */
    int code;       /* the pattern's code */
    int64_t start;  /* first sample of its first step */
    int64_t end;    /* one past its last sample; -1 in an LR_TONE_ON event */
} lr_tone_event;

typedef struct lr_tone_rx lr_tone_rx;

/* An empty plan with the defaults: -42 dBm0, 10 dB twist, purity 0.7. */
void lr_tone_plan_defaults(lr_tone_plan *plan);

size_t lr_tone_rx_state_size(void);

/* LR_ERR_NULL, or LR_ERR_ARG for a plan outside the ranges above (a step
 * naming a frequency past n_frequencies, a one-shot pattern with more
 * confirm_steps than steps, ...). */
int lr_tone_rx_init(lr_tone_rx *state, const lr_tone_plan *plan);

/* Forget the audio seen so far; sample positions start again at 0. */
int lr_tone_rx_reset(lr_tone_rx *state);

/* The most events one lr_tone_rx_process call can report for n samples. */
size_t lr_tone_rx_max_events(size_t n);

/*
 * Process n samples. Events go to events[0 .. *n_events); max_events must be
 * at least lr_tone_rx_max_events(n), else LR_ERR_ARG and nothing is consumed.
 */
int lr_tone_rx_process(lr_tone_rx *state, const int16_t *samples, size_t n,
                       lr_tone_event *events, size_t max_events, size_t *n_events);

/* End of input: end the pattern being reported, if any (at most one event). */
int lr_tone_rx_finish(lr_tone_rx *state, lr_tone_event *events, size_t max_events,
                      size_t *n_events);

/* The frequency mask heard now (0: none of the plan's tones), and the code of
 * the pattern being reported (-1: none). */
uint32_t lr_tone_rx_heard(const lr_tone_rx *state);
int lr_tone_rx_sounding(const lr_tone_rx *state);

#endif
