/*
 * lr_fsk.h - 1200 baud FSK for caller ID: Bell 202 (mark 1200 Hz, space
 * 2200 Hz) and ITU-T V.23 forward channel (1300 / 2100 Hz).
 *
 * Receiver: one opaque state per line, fed any number of 16-bit samples at
 * a time. It finds the channel seizure and the mark run, recovers the 8N1
 * characters that follow, and reports them as events. What the characters
 * mean (SDMF, MDMF, checksum) is the message layer's business.
 *
 * Transmitter: phase-continuous FSK from a bit sequence (1 = mark), with a
 * chosen amplitude and optional tone and baud-rate offsets, for the line
 * simulator and the tests.
 */
#ifndef LR_FSK_H
#define LR_FSK_H

#include "lr_common.h"

enum lr_fsk_standard {
    LR_FSK_BELL202 = 0,
    LR_FSK_V23 = 1
};

enum lr_fsk_event_kind {
    LR_FSK_EVENT_CHAR = 0,     /* value: the character, flags: lr_fsk_char_flag */
    LR_FSK_EVENT_SEIZURE = 1,  /* a run of alternating bits (channel seizure) began */
    LR_FSK_EVENT_MARK = 2,     /* a mark run long enough to precede a message */
    LR_FSK_EVENT_END = 3       /* characters stopped (idle mark or carrier gone) */
};

enum lr_fsk_char_flag {
    LR_FSK_CHAR_FIRST = 1,         /* first character after a mark run */
    LR_FSK_CHAR_FRAMING_ERROR = 2  /* its stop bit was read as space */
};

/* One receiver event; sample counts input samples since init or reset. */
struct lr_fsk_event {
    int64_t sample;  /* where the event starts (a character: its start bit) */
    int32_t kind;    /* enum lr_fsk_event_kind */
    int32_t value;   /* the character for LR_FSK_EVENT_CHAR, else 0 */
    int32_t flags;   /* enum lr_fsk_char_flag bits for LR_FSK_EVENT_CHAR */
};

struct lr_fsk_rx;

size_t lr_fsk_rx_state_size(void);
/* standard: enum lr_fsk_standard. */
int lr_fsk_rx_init(struct lr_fsk_rx *st, int standard);
int lr_fsk_rx_reset(struct lr_fsk_rx *st);
/* The smallest max_events that lr_fsk_rx_process accepts for n samples. */
size_t lr_fsk_rx_events_needed(size_t n);
/*
 * Demodulate n samples; writes up to max_events events and their number to
 * *n_events. max_events must be at least lr_fsk_rx_events_needed(n).
 */
int lr_fsk_rx_process(struct lr_fsk_rx *st, const int16_t *in, size_t n,
                      struct lr_fsk_event *events, size_t max_events, size_t *n_events);

struct lr_fsk_tx;

size_t lr_fsk_tx_state_size(void);
/*
 * amplitude: peak of the sine in 16-bit units (0 to 32767).
 * freq_offset: relative tone offset, e.g. 0.01 for +1 % (-0.05 to 0.05).
 * baud_offset: relative bit-rate offset, likewise (-0.05 to 0.05).
 */
int lr_fsk_tx_init(struct lr_fsk_tx *st, int standard, double amplitude,
                   double freq_offset, double baud_offset);
int lr_fsk_tx_reset(struct lr_fsk_tx *st);
/* The largest number of samples lr_fsk_tx_process can write for n_bits bits. */
size_t lr_fsk_tx_samples_needed(size_t n_bits);
/*
 * Modulate n_bits bits (each 0 = space or 1 = mark); writes the samples and
 * their number to *n_out. max_out must be at least
 * lr_fsk_tx_samples_needed(n_bits). Phase and bit timing carry over between
 * calls.
 */
int lr_fsk_tx_process(struct lr_fsk_tx *st, const uint8_t *bits, size_t n_bits,
                      int16_t *out, size_t max_out, size_t *n_out);

#endif
