/* peer_g711.c - see peer_g711.h. Test and benchmark use only. */
#include <stdint.h>
#include <spandsp.h>

#include "peer_g711.h"

static int run_g711(int law, int encode, const void *in, int n, void *out)
{
    g711_state_t *state = g711_init(NULL, law ? G711_ULAW : G711_ALAW);
    int done;

    if (state == NULL)
        return -1;
    if (encode)
        done = g711_encode(state, (uint8_t *)out, (const int16_t *)in, n);
    else
        done = g711_decode(state, (int16_t *)out, (const uint8_t *)in, n);
    g711_free(state);
    return done;
}

int peer_spandsp_g711_encode(int law, const int16_t *pcm, int n, uint8_t *codes)
{
    return run_g711(law, 1, pcm, n, codes);
}

int peer_spandsp_g711_decode(int law, const uint8_t *codes, int n, int16_t *pcm)
{
    return run_g711(law, 0, codes, n, pcm);
}

int peer_spandsp_g711_transcode(int law, const uint8_t *in, int n, uint8_t *out)
{
    g711_state_t *state = g711_init(NULL, law ? G711_ULAW : G711_ALAW);
    int done;

    if (state == NULL)
        return -1;
    done = g711_transcode(state, out, in, n);
    g711_free(state);
    return done;
}

uint8_t peer_spandsp_alaw_to_ulaw(uint8_t alaw)
{
    return alaw_to_ulaw(alaw);
}

uint8_t peer_spandsp_ulaw_to_alaw(uint8_t ulaw)
{
    return ulaw_to_alaw(ulaw);
}

int peer_spandsp_g711_transcode_kept(int law, const uint8_t *in, int n, uint8_t *out)
{
    static g711_state_t *states[2];
    int which = law ? 1 : 0;

    if (states[which] == NULL)
        states[which] = g711_init(NULL, law ? G711_ULAW : G711_ALAW);
    if (states[which] == NULL)
        return -1;
    return g711_transcode(states[which], out, in, n);
}

int peer_spandsp_g711_transcode_frames(int law, const uint8_t *in, int n, int frame,
                                       uint8_t *out)
{
    int at, done = 0;

    for (at = 0; at < n; at += frame)
        done += peer_spandsp_g711_transcode_kept(law, in + at, n - at < frame ? n - at : frame,
                                                 out + at);
    return done;
}
