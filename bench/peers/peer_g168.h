/*
 * peer_g168.h - the ITU-T G.168 test data as spandsp ships it
 * (g168models.h), for the echo canceller tests and benchmarks: the hybrid
 * echo path models of G.168 Annex D and the voiced part of the composite
 * source signal.
 *
 * peer_g168_echo_path copies the impulse response of model D.<model>
 * (model 2 to 9) into taps, scaled by the gain G.168 gives with it, and
 * returns its length (at most max), or -1 for an unknown model.
 */
int peer_g168_echo_path(int model, float *taps, int max);

/* The voiced segment of the composite source signal (G.168 Table C.1);
 * returns its length (at most max). */
int peer_g168_css_voiced(int16_t *out, int max);
