/*
 * peer_dtmf.h - spandsp's DTMF receiver and generator, for the DTMF
 * conformance tests and benchmarks.
 *
 * peer_spandsp_dtmf_detect runs one fresh dtmf_rx over x[0 .. n), fed
 * `chunk` samples per call, and records each digit from its real-time
 * callback: digits[i], and the sample positions at which spandsp reported
 * its start and its end (end -1 if still on at the end of x). spandsp
 * reports both two 102-sample blocks late. filter_dialtone: 1 on, 0 off,
 * -1 spandsp's default. Returns the number of digits (at most max).
 */
int peer_spandsp_dtmf_detect(const int16_t *x, int n, int chunk, int filter_dialtone,
                             char *digits, int *starts, int *ends, int max);

/* Speed: one fresh dtmf_rx over x in one call; returns the digits found. */
int peer_spandsp_dtmf_run(const int16_t *x, int n);

/*
 * Speed, several lines: n_lines receivers, line i reads x + i * n, fed
 * `frame` samples at a time, line after line for each frame (as a line
 * engine would). Returns the digits found on all lines.
 */
int peer_spandsp_dtmf_run_lines(const int16_t *x, int n_lines, int n, int frame);

/*
 * dtmf_tx: digits at `level` dBm0 (low tone) and `twist` dB, on/off in ms.
 * Returns the samples written (at most max).
 */
int peer_spandsp_dtmf_generate(const char *digits, int level, int twist, int on_ms,
                               int off_ms, int16_t *out, int max);
