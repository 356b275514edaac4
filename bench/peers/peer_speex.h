/*
 * peer_speex.h - speexdsp's echo canceller (MDF), for the echo canceller
 * tests and benchmarks.
 *
 * peer_speex_echo_run runs one fresh canceller (speex_echo_state_init with
 * `frame` samples per frame and a tail of `tail` samples, sampling rate
 * set to 8000) over far[0 .. n) and near[0 .. n), frame after frame, and
 * writes the cleaned near end to out. A last partial frame is passed
 * through uncancelled. Returns the samples cancelled (whole frames), or -1.
 */
int peer_speex_echo_run(const int16_t *far, const int16_t *near, int16_t *out, int n,
                        int frame, int tail);
