/*
 * lr_front.h - a line's front end: every detector the line engine runs on
 * a frame, behind one call.
 *
 * One caller-allocated state per line (lr_front_state_size() bytes,
 * aligned for a double) holds the line's DTMF receiver, voice detector
 * and FSK caller-ID receiver. lr_front_process runs a frame of up to
 * LR_FRONT_MAX_SAMPLES samples through the DTMF receiver and the voice
 * detector, and through the FSK receiver when the flags ask for it (the
 * engine listens for FSK caller ID only while the line is idle or ringing).
 * What they report goes to the caller's lr_front_result, exactly as each
 * detector's own process function reports it (same events, same sample
 * positions, same order), with the voice detector's state after the frame.
 * Nothing is allocated; a call costs the detectors' own work and a few
 * dozen instructions.
 *
 * lr_front_process_lines does the same for several lines' frames in one
 * call: fronts[i] processes samples[i * n .. (i + 1) * n) with flags[i]
 * into results[i], and the lines whose frame gave events are listed, so
 * that the caller reads only their results.
 */
#ifndef LR_FRONT_H
#define LR_FRONT_H

#include "lr_common.h"
#include "lr_dtmf.h"
#include "lr_fsk.h"
#include "lr_vad.h"

enum {
    LR_FRONT_MAX_SAMPLES = 320,      /* the longest frame one call takes (40 ms) */
    LR_FRONT_MAX_DTMF_EVENTS = 28,   /* lr_dtmf_rx_max_events(LR_FRONT_MAX_SAMPLES) */
    LR_FRONT_MAX_VOICE_EVENTS = 6,   /* LR_FRONT_MAX_SAMPLES / 80 + 2 */
    LR_FRONT_MAX_FSK_EVENTS = 324,   /* lr_fsk_rx_events_needed(LR_FRONT_MAX_SAMPLES) */
    LR_FRONT_MESSAGE_MAX = 258,      /* type, length (255 at most), data, checksum */
    LR_FRONT_MAX_MESSAGES = 324,     /* one per FSK event at most */
    LR_FRONT_MAX_MESSAGE_BYTES = 582 /* a message held from before and every character */
};

enum lr_front_flag {
    LR_FRONT_FSK = 1,          /* run the FSK caller-ID receiver on this frame */
    LR_FRONT_FSK_MESSAGES = 2  /* with LR_FRONT_FSK: put its characters together into
                                  caller-ID messages (see lr_front_message) */
};

/*
 * A caller-ID message the FSK characters made, as firmware.callerid's
 * CallerIdReceiver.take_events puts them together: a character flagged
 * first starts one (at the seizure or mark run before it, if any, else at
 * its own start bit), characters outside one are dropped, and one ends when
 * it holds 3 + its length byte's bytes, at the next first character, or at
 * an LR_FSK_EVENT_END (cut short then). Its bytes are
 * message_bytes[offset .. offset + length).
 */
typedef struct lr_front_message {
    int64_t start;      /* its first sample */
    uint32_t offset;
    uint32_t length;
} lr_front_message;

typedef struct lr_front_params {
    lr_dtmf_rx_params dtmf;
    lr_vad_params voice;
    int fsk_standard;   /* enum lr_fsk_standard, or -1: no FSK receiver */
} lr_front_params;

/* What one frame gave; the array sizes are the LR_FRONT_MAX_* figures. */
typedef struct lr_front_result {
    uint32_t n_dtmf;            /* events in dtmf[] */
    uint32_t n_voice;           /* events in voice[] */
    uint32_t n_fsk;             /* events in fsk[] (0 when the FSK receiver did not run) */
    uint32_t n_ended;           /* of dtmf[], the LR_DTMF_OFF events: digits that ended */
    uint32_t n_messages;        /* in messages[] (0 without LR_FRONT_FSK_MESSAGES) */
    int32_t voice_active;       /* lr_vad_active after the frame */
    float level_dbm0;           /* lr_vad_level_dbm0 after the frame */
    float noise_dbm0;           /* lr_vad_noise_dbm0 after the frame */
    int64_t samples;            /* samples fed since init or reset, this frame included */
    lr_dtmf_event dtmf[28];
    lr_vad_event voice[6];
    struct lr_fsk_event fsk[324];
    lr_front_message messages[324];
    uint8_t message_bytes[582];
} lr_front_result;

typedef struct lr_front lr_front;

size_t lr_front_state_size(void);

/* LR_ERR_NULL, or LR_ERR_ARG for a detector parameter outside its range. */
int lr_front_init(lr_front *front, const lr_front_params *params);

/* Every detector forgets what it heard; sample positions start again at 0. */
int lr_front_reset(lr_front *front);

/*
 * One frame: n (0 .. LR_FRONT_MAX_SAMPLES) samples, flags lr_front_flag
 * bits. Returns the number of events the caller has to read: the digits
 * that ended (LR_DTMF_OFF events), n_voice and n_fsk (with
 * LR_FRONT_FSK_MESSAGES n_messages instead: the FSK events are in fsk[] all
 * the same), so 0 when nothing happened but perhaps a digit's start (an
 * LR_DTMF_ON event, which is in dtmf[] all the same, and in
 * lr_front_sounding), or a negative lr_status.
 */
int lr_front_process(lr_front *front, const int16_t *samples, size_t n, int flags,
                     lr_front_result *result);

/*
 * The result struct lr_front_feed reports into: the caller's, which must
 * outlive the calls (NULL: none, and lr_front_feed refuses).
 */
int lr_front_bind(lr_front *front, lr_front_result *result);

/*
 * lr_front_process for a frame given as its bytes (n_bytes, even: the
 * samples as native int16), into the bound result: what a caller that
 * holds the frame as a byte string passes without wrapping it.
 */
int lr_front_feed(lr_front *front, const char *frame, size_t n_bytes, int flags);

/* The digit sounding on the front's DTMF receiver: lr_dtmf_rx_sounding. */
int lr_front_sounding(const lr_front *front, int64_t *start);

/*
 * n_lines frames of n samples each. Returns the number of lines whose frame
 * gave events to read (as lr_front_process counts them: 0 when nothing
 * happened on any), with their indices in
 * ascending order in lines_found[0 .. that), or a negative lr_status.
 * lines_found has room for n_lines.
 */
int lr_front_process_lines(lr_front *const *fronts, const int16_t *samples, size_t n_lines,
                           size_t n, const int *flags, lr_front_result *results,
                           uint32_t *lines_found);

/* Samples fed since init or reset (-1 for a front not set up). */
int64_t lr_front_samples(const lr_front *front);

/* The front's DTMF receiver, for lr_dtmf_rx_finish at the end of the input. */
lr_dtmf_rx *lr_front_dtmf(lr_front *front);

#endif
