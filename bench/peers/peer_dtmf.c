/* peer_dtmf.c - see peer_dtmf.h. Test and benchmark use only. */
#include <stdint.h>
#include <stdlib.h>
#include <spandsp.h>

#include "peer_dtmf.h"

struct record {
    long position; /* samples fed so far */
    char *digits;
    int *starts;
    int *ends;
    int max;
    int count;
    int on;
};

static void on_tone(void *user_data, int code, int level, int delay)
{
    struct record *r = (struct record *)user_data;
    (void)level;
    (void)delay;
    if (code != 0) {
        if (r->count < r->max) {
            r->digits[r->count] = (char)code;
            r->starts[r->count] = (int)r->position;
            r->ends[r->count] = -1;
            r->on = 1;
        }
        r->count++;
    } else if (r->on && r->count > 0 && r->count <= r->max) {
        r->ends[r->count - 1] = (int)r->position;
        r->on = 0;
    }
}

static void ignore_digits(void *user_data, const char *digits, int len)
{
    (void)user_data;
    (void)digits;
    (void)len;
}

int peer_spandsp_dtmf_detect(const int16_t *x, int n, int chunk, int filter_dialtone,
                             char *digits, int *starts, int *ends, int max)
{
    struct record r = {0, digits, starts, ends, max, 0, 0};
    dtmf_rx_state_t *rx = dtmf_rx_init(NULL, ignore_digits, NULL);
    int at;

    if (rx == NULL)
        return -1;
    if (chunk < 1)
        chunk = 1;
    dtmf_rx_set_realtime_callback(rx, on_tone, &r);
    if (filter_dialtone >= 0)
        dtmf_rx_parms(rx, filter_dialtone, -1, -1, -99);
    for (at = 0; at < n; at += chunk) {
        int len = n - at < chunk ? n - at : chunk;
        r.position = at + len;
        dtmf_rx(rx, x + at, len);
    }
    dtmf_rx_free(rx);
    return r.count < max ? r.count : max;
}

static void count_digits(void *user_data, const char *digits, int len)
{
    (void)digits;
    *(int *)user_data += len;
}

int peer_spandsp_dtmf_run(const int16_t *x, int n)
{
    int found = 0;
    dtmf_rx_state_t *rx = dtmf_rx_init(NULL, count_digits, &found);

    if (rx == NULL)
        return -1;
    dtmf_rx(rx, x, n);
    dtmf_rx_free(rx);
    return found;
}

int peer_spandsp_dtmf_run_lines(const int16_t *x, int n_lines, int n, int frame)
{
    int found = 0, line, at;
    dtmf_rx_state_t **rx = calloc((size_t)n_lines, sizeof *rx);

    if (rx == NULL)
        return -1;
    for (line = 0; line < n_lines; line++)
        rx[line] = dtmf_rx_init(NULL, count_digits, &found);
    for (at = 0; at < n; at += frame) {
        int len = n - at < frame ? n - at : frame;
        for (line = 0; line < n_lines; line++)
            dtmf_rx(rx[line], x + (long)line * n + at, len);
    }
    for (line = 0; line < n_lines; line++)
        dtmf_rx_free(rx[line]);
    free(rx);
    return found;
}

int peer_spandsp_dtmf_generate(const char *digits, int level, int twist, int on_ms,
                               int off_ms, int16_t *out, int max)
{
    dtmf_tx_state_t *tx = dtmf_tx_init(NULL);
    int total = 0, got;

    if (tx == NULL)
        return -1;
    dtmf_tx_set_level(tx, level, twist);
    dtmf_tx_set_timing(tx, on_ms, off_ms);
    dtmf_tx_put(tx, digits, -1);
    while (total < max && (got = dtmf_tx(tx, out + total, max - total)) > 0)
        total += got;
    dtmf_tx_free(tx);
    return total;
}
