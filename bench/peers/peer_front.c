/* peer_front.c - see peer_front.h. Test and benchmark use only. */
#include <stdint.h>
#include <stdlib.h>
#include <spandsp.h>

#include "peer_front.h"

struct line {
    dtmf_rx_state_t *dtmf;
    adsi_rx_state_t *adsi;
    power_meter_t meter;
    float level;
};

static void count_digits(void *user_data, const char *digits, int len)
{
    (void)digits;
    *(int *)user_data += len;
}

static void ignore_message(void *user_data, const uint8_t *message, int length)
{
    (void)user_data;
    (void)message;
    (void)length;
}

int peer_spandsp_front_run_lines(const int16_t *x, int n_lines, int n, int frame,
                                 int adsi_standard)
{
    int found = 0, line, at, i;
    struct line *lines = calloc((size_t)n_lines, sizeof *lines);
    volatile float levels = 0.0f;

    if (lines == NULL)
        return -1;
    for (line = 0; line < n_lines; line++) {
        lines[line].dtmf = dtmf_rx_init(NULL, count_digits, &found);
        power_meter_init(&lines[line].meter, 7);
        if (adsi_standard)
            lines[line].adsi = adsi_rx_init(NULL, adsi_standard, ignore_message, NULL);
    }
    for (at = 0; at < n; at += frame) {
        int len = n - at < frame ? n - at : frame;
        for (line = 0; line < n_lines; line++) {
            const int16_t *samples = x + (long)line * n + at;
            struct line *l = &lines[line];

            dtmf_rx(l->dtmf, samples, len);
            for (i = 0; i < len; i++)
                power_meter_update(&l->meter, samples[i]);
            l->level = power_meter_current_dbm0(&l->meter);
            if (l->adsi != NULL)
                adsi_rx(l->adsi, samples, len);
        }
    }
    for (line = 0; line < n_lines; line++) {
        levels += lines[line].level;
        dtmf_rx_free(lines[line].dtmf);
        if (lines[line].adsi != NULL)
            adsi_rx_free(lines[line].adsi);
    }
    free(lines);
    return found;
}
