/* peer_adsi.c - see peer_adsi.h. Test and benchmark use only. */
#include <stdint.h>
#include <string.h>
#include <spandsp.h>

#include "peer_adsi.h"

int peer_adsi_tx(int standard, const uint8_t *message, int length, int16_t *out, int max_out)
{
    adsi_tx_state_t *tx = adsi_tx_init(NULL, standard);
    int done = 0;

    if (tx == NULL)
        return -1;
    if (adsi_tx_put_message(tx, message, length) != length) {
        adsi_tx_free(tx);
        return -1;
    }
    while (done < max_out) {
        int chunk = max_out - done < 160 ? max_out - done : 160;
        int made = adsi_tx(tx, out + done, chunk);
        done += made;
        if (made < chunk)
            break;
    }
    adsi_tx_free(tx);
    return done;
}

struct collected {
    uint8_t *messages;
    int max_bytes, used;
    int *lengths;
    int max_messages, count;
};

static void collect(void *user_data, const uint8_t *message, int length)
{
    struct collected *c = (struct collected *)user_data;

    if (length <= 0 || c->count >= c->max_messages || c->used + length > c->max_bytes)
        return;
    memcpy(c->messages + c->used, message, (size_t)length);
    c->used += length;
    c->lengths[c->count++] = length;
}

int peer_adsi_rx(int standard, const int16_t *samples, int n, uint8_t *messages,
                 int max_bytes, int *lengths, int max_messages)
{
    struct collected c = {messages, max_bytes, 0, lengths, max_messages, 0};
    adsi_rx_state_t *rx = adsi_rx_init(NULL, standard, collect, &c);

    if (rx == NULL)
        return -1;
    adsi_rx(rx, samples, n);
    adsi_rx_free(rx);
    return c.count;
}
