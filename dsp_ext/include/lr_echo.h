/*
 * lr_echo.h - line echo canceller: removes from what the box hears (the
 * near end) the echo of what it sends (the far end), as the line's hybrid
 * returns it.
 *
 * One state per line. lr_echo_process takes the far and near samples of the
 * same instants and writes the cleaned near end, sample for sample: any
 * number of samples per call, no latency, the same output whatever the
 * calls' lengths. Tails of 32, 64 or 128 ms (256, 512, 1024 taps) cover the
 * line's bulk delay plus the hybrid's response.
 */
#ifndef LR_ECHO_H
#define LR_ECHO_H

#include "lr_common.h"

typedef struct lr_echo_state lr_echo_state;

typedef struct lr_echo_params {
    int tail_ms; /* 32, 64 or 128 */
    int nlp;     /* 1: non-linear processor on (suppresses the residual echo in single talk) */
} lr_echo_params;

/* What the canceller knows about the line, for diagnostics and tests. */
typedef struct lr_echo_status {
    float erle_db;            /* echo return loss enhancement it is achieving (estimate) */
    int converged;            /* 1 once it cancels at least 15 dB */
    int double_talk;          /* 1 while it hears the near end talking over the echo */
    uint32_t filter_updates;  /* times the output filter took the adapting filter's coefficients */
    uint32_t divergences;     /* times the output filter made the echo worse and was dropped */
    int64_t samples;          /* samples processed since init or reset */
} lr_echo_status;

size_t lr_echo_state_size(void);
/* Fill params with the defaults: 64 ms, no NLP. */
void lr_echo_default_params(lr_echo_params *params);
/* LR_ERR_ARG for a tail other than 32, 64 or 128 ms or nlp not 0 or 1. */
int lr_echo_init(lr_echo_state *state, const lr_echo_params *params);
/* Forget the line (a new call): filters, levels, counters; keeps the parameters. */
int lr_echo_reset(lr_echo_state *state);
/* far[i] and near[i] are the same instant; writes n cleaned samples to out
 * (out may be near itself). */
int lr_echo_process(lr_echo_state *state, const int16_t *far, const int16_t *near,
                    int16_t *out, size_t n);
int lr_echo_get_status(const lr_echo_state *state, lr_echo_status *status);

#endif
