/*
 * peer_tones.h - spandsp's supervisory tone detector (super_tone_rx) and
 * modem connect tone detector (modem_connect_tones_rx: fax CNG, CED/ANS,
 * ANSam), for the tone tests and benchmarks.
 *
 * A super_tone_rx plan is flat arrays: tone t has n_steps[t] elements, taken
 * in order from f1, f2 (0: none; both 0: silence), min_ms and max_ms (0: no
 * limit), as super_tone_rx_add_element takes them.
 *
 * peer_spandsp_super_tone_detect runs one fresh detector over x[0 .. n), fed
 * `chunk` samples per call, and records each report of its callback: the
 * tone's index (or -1 when it stops) in codes[i] and the sample position
 * reached when it came in positions[i]. Returns the number of reports (at
 * most max).
 */
int peer_spandsp_super_tone_detect(const int16_t *x, int n, int chunk, int n_tones,
                                   const int *n_steps, const int *f1, const int *f2,
                                   const int *min_ms, const int *max_ms,
                                   int *codes, int *positions, int max);

/* Speed: the same over x in one call; returns the number of reports. */
int peer_spandsp_super_tone_run(const int16_t *x, int n, int n_tones, const int *n_steps,
                                const int *f1, const int *f2, const int *min_ms,
                                const int *max_ms);

/*
 * modem_connect_tones_rx for `tone_type` (MODEM_CONNECT_TONES_FAX_CNG = 1,
 * _ANS = 2, _ANSAM_PR = 5, ...): its reports (the tone code, 0 when it
 * stops) and their sample positions, as above.
 */
int peer_spandsp_connect_tones_detect(const int16_t *x, int n, int chunk, int tone_type,
                                      int *codes, int *positions, int max);

/* Speed: one call over x; returns the number of reports. */
int peer_spandsp_connect_tones_run(const int16_t *x, int n, int tone_type);
