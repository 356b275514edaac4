/* peer_tones.c - see peer_tones.h. Test and benchmark use only. */
#include <stdint.h>
#include <stdlib.h>
#include <spandsp.h>

#include "peer_tones.h"

struct reports {
    long position; /* samples fed so far */
    int *codes;
    int *positions;
    int max;
    int count;
};

static void on_report(void *user_data, int code, int level, int delay)
{
    struct reports *r = (struct reports *)user_data;
    (void)level;
    (void)delay;
    if (r->codes != NULL && r->count < r->max) {
        r->codes[r->count] = code;
        r->positions[r->count] = (int)r->position;
    }
    r->count++;
}

static super_tone_rx_descriptor_t *make_plan(int n_tones, const int *n_steps, const int *f1,
                                             const int *f2, const int *min_ms,
                                             const int *max_ms)
{
    super_tone_rx_descriptor_t *desc = super_tone_rx_make_descriptor(NULL);
    int t, s, at = 0;

    if (desc == NULL)
        return NULL;
    for (t = 0; t < n_tones; t++) {
        int tone = super_tone_rx_add_tone(desc);
        for (s = 0; s < n_steps[t]; s++, at++)
            super_tone_rx_add_element(desc, tone, f1[at], f2[at], min_ms[at], max_ms[at]);
    }
    return desc;
}

/* One of spandsp's tone receivers taking n samples. */
typedef int (*receive_fn)(void *rx, const int16_t *x, int n);

static int super_tone_receive(void *rx, const int16_t *x, int n)
{
    return super_tone_rx((super_tone_rx_state_t *)rx, x, n);
}

static int connect_tones_receive(void *rx, const int16_t *x, int n)
{
    return modem_connect_tones_rx((modem_connect_tones_rx_state_t *)rx, x, n);
}

/* x[0 .. n) into `receive`, `chunk` samples per call, r->position saying how
 * far the input has gone when a report comes in. */
static void feed_in_chunks(void *rx, receive_fn receive, const int16_t *x, int n, int chunk,
                           struct reports *r)
{
    int at;

    if (chunk < 1)
        chunk = 1;
    for (at = 0; at < n; at += chunk) {
        int len = n - at < chunk ? n - at : chunk;
        r->position = at + len;
        receive(rx, x + at, len);
    }
}

/* A fresh super_tone_rx with the plan over x[0 .. n), fed `chunk` samples
 * per call, its reports in *r; -1 if spandsp could not make one. */
static int super_tone_feed(const int16_t *x, int n, int chunk, int n_tones, const int *n_steps,
                           const int *f1, const int *f2, const int *min_ms, const int *max_ms,
                           struct reports *r)
{
    super_tone_rx_descriptor_t *desc = make_plan(n_tones, n_steps, f1, f2, min_ms, max_ms);
    super_tone_rx_state_t *rx;

    if (desc == NULL)
        return -1;
    rx = super_tone_rx_init(NULL, desc, on_report, r);
    if (rx == NULL) {
        super_tone_rx_free_descriptor(desc);
        return -1;
    }
    feed_in_chunks(rx, super_tone_receive, x, n, chunk, r);
    super_tone_rx_free(rx);
    super_tone_rx_free_descriptor(desc);
    return 0;
}

/* The same for modem_connect_tones_rx listening for `tone_type`. */
static int connect_tones_feed(const int16_t *x, int n, int chunk, int tone_type,
                              struct reports *r)
{
    modem_connect_tones_rx_state_t *rx =
        modem_connect_tones_rx_init(NULL, tone_type, on_report, r);

    if (rx == NULL)
        return -1;
    feed_in_chunks(rx, connect_tones_receive, x, n, chunk, r);
    modem_connect_tones_rx_free(rx);
    return 0;
}

int peer_spandsp_super_tone_detect(const int16_t *x, int n, int chunk, int n_tones,
                                   const int *n_steps, const int *f1, const int *f2,
                                   const int *min_ms, const int *max_ms,
                                   int *codes, int *positions, int max)
{
    struct reports r = {0, codes, positions, max, 0};

    if (super_tone_feed(x, n, chunk, n_tones, n_steps, f1, f2, min_ms, max_ms, &r) < 0)
        return -1;
    return r.count < max ? r.count : max;
}

int peer_spandsp_super_tone_run(const int16_t *x, int n, int n_tones, const int *n_steps,
                                const int *f1, const int *f2, const int *min_ms,
                                const int *max_ms)
{
    struct reports r = {0, NULL, NULL, 0, 0};

    /* The whole input in one call. */
    if (super_tone_feed(x, n, n, n_tones, n_steps, f1, f2, min_ms, max_ms, &r) < 0)
        return -1;
    return r.count;
}

int peer_spandsp_connect_tones_detect(const int16_t *x, int n, int chunk, int tone_type,
                                      int *codes, int *positions, int max)
{
    struct reports r = {0, codes, positions, max, 0};

    if (connect_tones_feed(x, n, chunk, tone_type, &r) < 0)
        return -1;
    return r.count < max ? r.count : max;
}

int peer_spandsp_connect_tones_run(const int16_t *x, int n, int tone_type)
{
    struct reports r = {0, NULL, NULL, 0, 0};

    if (connect_tones_feed(x, n, n, tone_type, &r) < 0)
        return -1;
    return r.count;
}
