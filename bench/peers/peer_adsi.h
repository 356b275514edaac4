/*
 * peer_adsi.h - spandsp's ADSI (caller ID) transmitter and receiver, for
 * the caller-ID cross-checks and benchmarks. standard: 1 = CLASS (Bell
 * 202), 2 = CLIP (V.23), as spandsp's ADSI_STANDARD_* numbers.
 */

/*
 * The burst for one message (type, length, body; spandsp adds the
 * checksum), with spandsp's default seizure and mark. Returns samples
 * written, or -1.
 */
int peer_adsi_tx(int standard, const uint8_t *message, int length, int16_t *out, int max_out);

/*
 * Runs a fresh receiver over the samples. Messages it accepts are stored
 * one after the other in messages (their lengths in lengths). Returns the
 * number of messages, or -1.
 */
int peer_adsi_rx(int standard, const int16_t *samples, int n, uint8_t *messages,
                 int max_bytes, int *lengths, int max_messages);
