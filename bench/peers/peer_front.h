/*
 * peer_front.h - spandsp doing a line engine's per-frame detector work,
 * for the line front end benchmark.
 *
 * n_lines lines, line i reading x + i * n, fed `frame` samples at a time,
 * line after line for each frame (as a line engine would). Each line runs
 * dtmf_rx and a power meter over every sample (power_meter_update, then
 * the frame's level in dBm0: what a voice detector starts from) and, when
 * adsi_standard is 1 (CLASS, Bell 202) or 2 (CLIP, V.23), an adsi_rx
 * caller-ID receiver; 0: none. Returns the digits found on all lines.
 */
int peer_spandsp_front_run_lines(const int16_t *x, int n_lines, int n, int frame,
                                 int adsi_standard);
