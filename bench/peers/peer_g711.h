/*
 * peer_g711.h - spandsp's G.711 through its own bulk API, for the G.711
 * tests and benchmarks. law: 0 = A-law, 1 = mu-law. Returns samples done.
 */
int peer_spandsp_g711_encode(int law, const int16_t *pcm, int n, uint8_t *codes);
int peer_spandsp_g711_decode(int law, const uint8_t *codes, int n, int16_t *pcm);
/* Transcodes n codes from law to the other law with g711_transcode. */
int peer_spandsp_g711_transcode(int law, const uint8_t *in, int n, uint8_t *out);
uint8_t peer_spandsp_alaw_to_ulaw(uint8_t alaw);
uint8_t peer_spandsp_ulaw_to_alaw(uint8_t ulaw);
/*
 * g711_transcode with a state made on the first call and kept (no
 * allocation per call), as a caller transcoding frame after frame would.
 * _frames calls it for each `frame` codes of in[0 .. n): the loop in C.
 */
int peer_spandsp_g711_transcode_kept(int law, const uint8_t *in, int n, uint8_t *out);
int peer_spandsp_g711_transcode_frames(int law, const uint8_t *in, int n, int frame,
                                       uint8_t *out);
