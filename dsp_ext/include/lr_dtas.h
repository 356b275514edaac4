/*
 * lr_dtas.h - the dual-tone alerting signal of ETSI EN 300 659-1 (DT-AS,
 * 2130 + 2750 Hz), sent before caller ID that comes before the first ring;
 * also Bellcore's CPE alerting signal (CAS), the same pair of tones.
 *
 * Detector: one opaque state per line; reports each tone of at least the
 * chosen duration when it ends, with 10 ms resolution. Generator: the two
 * tones at chosen peak amplitudes.
 */
#ifndef LR_DTAS_H
#define LR_DTAS_H

#include "lr_common.h"

/* One alerting tone; samples counted from init or reset, end exclusive. */
struct lr_dtas_event {
    int64_t start;
    int64_t end;
};

struct lr_dtas_rx;

size_t lr_dtas_rx_state_size(void);
/* min_ms: the shortest tone reported, 20 to 500 ms (EN 300 659-1 sends 80-100 ms). */
int lr_dtas_rx_init(struct lr_dtas_rx *st, int min_ms);
int lr_dtas_rx_reset(struct lr_dtas_rx *st);
/* The smallest max_events that lr_dtas_rx_process accepts for n samples. */
size_t lr_dtas_rx_events_needed(size_t n);
int lr_dtas_rx_process(struct lr_dtas_rx *st, const int16_t *in, size_t n,
                       struct lr_dtas_event *events, size_t max_events, size_t *n_events);

/*
 * n samples of 2130 Hz at peak amplitude_low plus 2750 Hz at peak
 * amplitude_high (each 0 to 32767, sum clipped to 16 bits), both from
 * phase 0.
 */
int lr_dtas_generate(int16_t *out, size_t n, double amplitude_low, double amplitude_high);

#endif
