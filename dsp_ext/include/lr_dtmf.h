/*
 * lr_dtmf.h - DTMF receiver and generator (ITU-T Q.24, ETSI ES 201 235-3).
 *
 * Receiver: one caller-allocated state per line (lr_dtmf_rx_state_size()
 * bytes, aligned for a double), set up by lr_dtmf_rx_init. lr_dtmf_rx_process
 * takes any number of 8 kHz int16 samples and reports digit events with
 * sample positions counted from the last init or reset:
 *   LR_DTMF_ON  when a digit is confirmed (start known, end = -1);
 *   LR_DTMF_OFF when it has ended (start and end; end is exclusive).
 * A digit is confirmed some 30 ms after it starts and ended some 30 ms after
 * it stops; a gap shorter than min_off_ms inside a tone does not end it.
 *
 * Generator: lr_dtmf_tx_length says how many samples a digit string takes,
 * lr_dtmf_tx_generate writes them.
 */
#ifndef LR_DTMF_H
#define LR_DTMF_H

#include "lr_common.h"

enum lr_dtmf_event_kind {
    LR_DTMF_ON = 1,
    LR_DTMF_OFF = 2
};

typedef struct lr_dtmf_event {
    int kind;           /* enum lr_dtmf_event_kind */
    char digit;         /* one of 0123456789*#ABCD */
    int64_t start;      /* first sample of the tone */
    int64_t end;        /* one past its last sample; -1 in an LR_DTMF_ON event */
} lr_dtmf_event;

/* Receiver settings: the country profile's figures. */
typedef struct lr_dtmf_rx_params {
    float normal_twist_db;   /* how much weaker the high tone may be, 0..20 */
    float reverse_twist_db;  /* how much stronger the high tone may be, 0..20 */
    float min_level_dbm0;    /* weakest tone accepted, -60..0 */
    float min_on_ms;         /* shortest tone that is a digit, 20..100 */
    float min_off_ms;        /* shortest gap that ends a digit, 15..100 */
} lr_dtmf_rx_params;

typedef struct lr_dtmf_rx lr_dtmf_rx;

/* Q.24 figures: twist 8 / 4 dB, -45 dBm0, on 30 ms, off 30 ms. */
void lr_dtmf_rx_default_params(lr_dtmf_rx_params *params);

size_t lr_dtmf_rx_state_size(void);

/* LR_ERR_NULL, or LR_ERR_ARG for a parameter outside its range. */
int lr_dtmf_rx_init(lr_dtmf_rx *state, const lr_dtmf_rx_params *params);

/* Forget the audio seen so far; sample positions start again at 0. */
int lr_dtmf_rx_reset(lr_dtmf_rx *state);

/*
 * Process up to n samples. Events go to events[0 .. *n_events); processing
 * stops early (*n_consumed < n) only when max_events would be exceeded, so
 * call again with the rest. max_events must be at least 2.
 */
int lr_dtmf_rx_process(lr_dtmf_rx *state, const int16_t *samples, size_t n,
                       lr_dtmf_event *events, size_t max_events,
                       size_t *n_events, size_t *n_consumed);

/*
 * The digit sounding: confirmed (its LR_DTMF_ON reported), not ended yet.
 * Returns its character and puts its first sample in *start (if start is
 * not NULL); 0 when none is sounding, or for a state not set up.
 */
int lr_dtmf_rx_sounding(const lr_dtmf_rx *state, int64_t *start);

/* End of input: end a digit still sounding (at most one LR_DTMF_OFF event). */
int lr_dtmf_rx_finish(lr_dtmf_rx *state, lr_dtmf_event *events, size_t max_events,
                      size_t *n_events);

/* The most events one call can report for n samples (for sizing buffers). */
size_t lr_dtmf_rx_max_events(size_t n);

/*
 * Several lines in one call: states[i] processes samples[i * n .. (i + 1) * n)
 * (the lines' blocks one after the other) and writes at most events_per_line
 * events to events[i * events_per_line ...], their count to n_events[i].
 * events_per_line must be at least lr_dtmf_rx_max_events(n), so every line
 * consumes all n samples.
 */
int lr_dtmf_rx_process_lines(lr_dtmf_rx *const *states, const int16_t *samples,
                             size_t n_lines, size_t n, lr_dtmf_event *events,
                             size_t events_per_line, size_t *n_events);

/* Generator settings. Durations in ms are rounded to whole samples. */
typedef struct lr_dtmf_tx_params {
    float level_dbm0;   /* level of the low-group tone, -60..0 */
    float twist_db;     /* high-group level minus low-group level, -20..20 */
    float on_ms;        /* tone length, 1..10000 */
    float off_ms;       /* silence after each digit, 0..10000 */
    float ramp_ms;      /* raised-cosine rise and fall inside on_ms, 0..10 */
} lr_dtmf_tx_params;

/* -10 dBm0, no twist, 100 ms on, 100 ms off, 1 ms ramps. */
void lr_dtmf_tx_default_params(lr_dtmf_tx_params *params);

/*
 * Samples for the digits digits[0 .. n_digits), in *n_samples. LR_ERR_ARG for
 * a character outside 0123456789*#ABCD (lower-case abcd accepted) or a
 * parameter outside its range.
 */
int lr_dtmf_tx_length(const char *digits, size_t n_digits, const lr_dtmf_tx_params *params,
                      size_t *n_samples);

/* Write the tones; max_samples must be at least what lr_dtmf_tx_length says. */
int lr_dtmf_tx_generate(const char *digits, size_t n_digits, const lr_dtmf_tx_params *params,
                        int16_t *out, size_t max_samples, size_t *n_samples);

#endif
