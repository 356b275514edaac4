/*
 * lr_vad.h - voice activity detector: drives voice-activated recording.
 *
 * Works on 10 ms blocks (80 samples at 8 kHz); buffers may be any length,
 * the remainder of a block is kept in the state. A block is active when its
 * level is above an absolute threshold and a margin above the tracked noise
 * floor. Voice starts after min_on_ms of active blocks (the start is dated
 * to the first of them) and stops hangover_ms after the last active block.
 */
#ifndef LR_VAD_H
#define LR_VAD_H

#include "lr_common.h"

typedef struct lr_vad_state lr_vad_state;

typedef struct lr_vad_params {
    float threshold_dbm0; /* no voice below this level, -70..0 */
    float snr_db;         /* and not less than this above the noise floor, 0..40 */
    int min_on_ms;        /* active this long before voice starts, 10..1000 */
    int hangover_ms;      /* voice stops this long after the last active block, 0..60000 */
} lr_vad_params;

enum lr_vad_event_kind {
    LR_VAD_START = 1,
    LR_VAD_STOP = 2
};

typedef struct lr_vad_event {
    int kind;        /* enum lr_vad_event_kind */
    int64_t sample;  /* start: first sample of the speech; stop: when the hangover ran out */
} lr_vad_event;

size_t lr_vad_state_size(void);
/* Fill params with the defaults: -45 dBm0, 9 dB, 30 ms, 3000 ms. */
void lr_vad_default_params(lr_vad_params *params);
int lr_vad_init(lr_vad_state *state, const lr_vad_params *params);
int lr_vad_reset(lr_vad_state *state);
/*
 * Feed n samples. Writes at most max_events events and their count to
 * *n_events. max_events must be at least n / 80 + 2, enough for any input,
 * else LR_ERR_ARG and nothing is consumed.
 */
int lr_vad_process(lr_vad_state *state, const int16_t *pcm, size_t n,
                   lr_vad_event *events, size_t max_events, size_t *n_events);
/*
 * Several lines at once: states[i] is fed pcm[i][0 .. n), its events go to
 * events[i] (room for max_events, at least n / 80 + 2) and their count to
 * n_events[i]: what lr_vad_process gives each, the lines one after
 * another (each line's blocks are cheap enough on their own).
 */
int lr_vad_process_lines(lr_vad_state *const *states, const int16_t *const *pcm, size_t n_lines,
                         size_t n, lr_vad_event *const *events, size_t max_events,
                         size_t *n_events);
/* 1 while voice is active, 0 otherwise; the level of the last block in dBm0. */
int lr_vad_active(const lr_vad_state *state);
float lr_vad_level_dbm0(const lr_vad_state *state);
float lr_vad_noise_dbm0(const lr_vad_state *state);

#endif
