/*
 * tone_rx_state.h - private: the tone detector's state, shared by tone_rx.c
 * (analysis: partial DFTs and the class of each window) and tone_cadence.c
 * (segments and cadence matching).
 */
#ifndef LR_TONE_RX_STATE_H
#define LR_TONE_RX_STATE_H

#include "lr_tone.h"

enum {
    SUB = 40,          /* samples per sub-block, the hop */
    MAX_K = 8,         /* longest window, in sub-blocks (40 ms) */
    SETTLE = 5,        /* hops a new class must hold */
    HISTORY = 16,      /* closed segments kept, a power of two >= 16 (confirm_steps) */
    MAX_FREQ = LR_TONE_MAX_FREQUENCIES,
    MAX_PAT = LR_TONE_MAX_PATTERNS,
    MAX_STEPS = LR_TONE_MAX_STEPS,
    MAX_SIG = MAX_PAT * MAX_STEPS
};

/* A step with no longest duration. */
#define TONE_NO_LIMIT INT64_MAX

typedef struct segment {
    uint32_t mask;
    int64_t start;
    int64_t end;
} segment;

typedef struct step_limits {
    uint32_t mask;
    int64_t min;  /* samples */
    int64_t max;  /* samples, TONE_NO_LIMIT for none */
} step_limits;

typedef struct pattern {
    int code;
    int n_steps;
    int repeats;
    int confirm;
    step_limits steps[MAX_STEPS];
} pattern;

struct lr_tone_rx {
    uint32_t magic;
    /* From the plan. */
    int n_freq;
    int n_pat;
    int n_sig;
    float purity;
    float twist;                 /* power ratio */
    pattern patterns[MAX_PAT];
    int window[MAX_FREQ];        /* K, in sub-blocks */
    float step_re[MAX_FREQ];     /* exp(-j w SUB) */
    float step_im[MAX_FREQ];
    float amp2_scale[MAX_FREQ];  /* |X|^2 -> A^2 of a sine at the bin: 4 / (N Q10)^2 */
    float min_amp2;              /* A^2 of a component at the level threshold */
    uint32_t sig_mask[MAX_SIG];
    int sig_onset[MAX_SIG];      /* samples between a class change and the edge: off -> sig */
    int sig_offset[MAX_SIG];     /* sig -> off */
    int sig_change[MAX_SIG];     /* other sig -> sig */
    int sig_settle_off[MAX_SIG]; /* hops silence must hold to end sig */
    int max_onset;
    int16_t table[MAX_FREQ][2][SUB];

    /* Analysis. */
    int16_t pending[SUB];
    int fill;
    int64_t hops;                /* sub-blocks done */
    float phase_re[MAX_FREQ];    /* exp(-j w m) at the current sub-block start m */
    float phase_im[MAX_FREQ];
    float sub_re[MAX_K][MAX_FREQ];
    float sub_im[MAX_K][MAX_FREQ];
    double win_re[MAX_FREQ];     /* running sums of each frequency's last K sub-blocks */
    double win_im[MAX_FREQ];
    float sub_energy[MAX_K];
    uint32_t heard;              /* class of the newest window */

    /* Segments. */
    uint32_t cur_mask;
    int64_t cur_start;
    uint32_t cand_mask;
    int cand_hops;
    int64_t cand_start;
    segment history[HISTORY];
    int64_t n_history;

    /* Patterns. */
    int active;                  /* pattern index, or -1 */
    int pos;                     /* its step that the segment in progress is */
    int64_t active_start;
    int64_t last_on_end;
    int64_t reported_until;      /* a new pattern may not start before this */
    int next;                    /* pattern that may be confirmed on the segment in progress */
    int next_pos;
    int64_t next_start;
    int64_t next_last_on_end;
    int64_t next_min;
    int64_t next_max;
};

/* tone_cadence.c: a window's class into segments, segments into tone events. */
void tone_track_segments(lr_tone_rx *st, uint32_t heard, lr_tone_event *events,
                         size_t *n_events);
/* End of input: end the tone being reported, if any. */
void tone_finish(lr_tone_rx *st, lr_tone_event *events, size_t *n_events);
/* The index of a frequency mask among st->sig_mask, or st->n_sig. */
int tone_sig_index(const lr_tone_rx *st, uint32_t mask);

#endif
