/* peer_speex.c - see peer_speex.h. Test and benchmark use only. */
#include <stdint.h>
#include <string.h>
#include <speex/speex_echo.h>

#include "peer_speex.h"

int peer_speex_echo_run(const int16_t *far, const int16_t *near, int16_t *out, int n,
                        int frame, int tail)
{
    SpeexEchoState *echo;
    int rate = 8000;
    int at;

    if (frame < 1 || tail < 1 || n < 0)
        return -1;
    echo = speex_echo_state_init(frame, tail);
    if (echo == NULL)
        return -1;
    speex_echo_ctl(echo, SPEEX_ECHO_SET_SAMPLING_RATE, &rate);
    for (at = 0; at + frame <= n; at += frame)
        speex_echo_cancellation(echo, near + at, far + at, out + at);
    memcpy(out + at, near + at, (size_t)(n - at) * sizeof *out);
    speex_echo_state_destroy(echo);
    return at;
}
