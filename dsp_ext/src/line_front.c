/*
 * line_front.c - a line's detectors behind one call per frame (lr_front.h).
 *
 * The front's memory is a small header followed by the three detectors'
 * own states, each at an offset rounded up to ALIGN; the detectors are
 * driven through their public functions, so a frame through the front
 * gives what the same frame through each detector gives.
 */
#include <string.h>

#include "lr_front.h"
#include "dtmf_kernel.h"

#define FRONT_MAGIC 0x4C524654u /* "LRFT" */
#define ALIGN 64
#define VOICE_BLOCK 80

_Static_assert(LR_FRONT_MAX_DTMF_EVENTS >= 2 * (LR_FRONT_MAX_SAMPLES / DTMF_SUB + 2),
               "the DTMF event room must cover lr_dtmf_rx_max_events(LR_FRONT_MAX_SAMPLES)");
_Static_assert(LR_FRONT_MAX_VOICE_EVENTS >= LR_FRONT_MAX_SAMPLES / VOICE_BLOCK + 2,
               "the voice event room must cover what lr_vad_process asks for");

struct lr_front {
    uint32_t magic;
    int fsk_standard;   /* -1: none */
    int64_t samples;
    size_t voice_offset, fsk_offset; /* the DTMF state is at HEADER */
    lr_front_result *bound;          /* lr_front_feed's result, or NULL */
    /* The caller-ID message being put together (LR_FRONT_FSK_MESSAGES). */
    int message_length;              /* -1: none under way */
    int burst_pending;               /* a seizure or mark run came since the last message */
    int64_t burst_start;
    int64_t message_start;
    uint8_t message[LR_FRONT_MESSAGE_MAX];
};

_Static_assert(LR_FRONT_MAX_MESSAGES >= LR_FRONT_MAX_FSK_EVENTS,
               "each FSK event ends at most one message");
_Static_assert(LR_FRONT_MAX_MESSAGE_BYTES >= LR_FRONT_MESSAGE_MAX + LR_FRONT_MAX_FSK_EVENTS,
               "a frame's messages are a message held from before and its characters at most");

static size_t round_up(size_t size)
{
    return (size + ALIGN - 1) / ALIGN * ALIGN;
}

#define HEADER round_up(sizeof(struct lr_front))

static lr_dtmf_rx *dtmf_of(lr_front *front)
{
    return (lr_dtmf_rx *)(void *)((char *)front + HEADER);
}

static lr_vad_state *voice_of(lr_front *front)
{
    return (lr_vad_state *)(void *)((char *)front + front->voice_offset);
}

static struct lr_fsk_rx *fsk_of(lr_front *front)
{
    return (struct lr_fsk_rx *)(void *)((char *)front + front->fsk_offset);
}

size_t lr_front_state_size(void)
{
    return HEADER + round_up(lr_dtmf_rx_state_size()) + round_up(lr_vad_state_size())
           + round_up(lr_fsk_rx_state_size());
}

int lr_front_init(lr_front *front, const lr_front_params *params)
{
    int status;

    if (front == NULL || params == NULL)
        return LR_ERR_NULL;
    if (params->fsk_standard != -1 && params->fsk_standard != LR_FSK_BELL202
        && params->fsk_standard != LR_FSK_V23)
        return LR_ERR_ARG;
    if (lr_fsk_rx_events_needed(LR_FRONT_MAX_SAMPLES) > LR_FRONT_MAX_FSK_EVENTS)
        return LR_ERR_STATE; /* the header's figure is out of date */
    memset(front, 0, sizeof *front);
    front->voice_offset = HEADER + round_up(lr_dtmf_rx_state_size());
    front->fsk_offset = front->voice_offset + round_up(lr_vad_state_size());
    front->fsk_standard = params->fsk_standard;
    front->message_length = -1;
    status = lr_dtmf_rx_init(dtmf_of(front), &params->dtmf);
    if (status != LR_OK)
        return status;
    status = lr_vad_init(voice_of(front), &params->voice);
    if (status != LR_OK)
        return status;
    if (front->fsk_standard != -1) {
        status = lr_fsk_rx_init(fsk_of(front), front->fsk_standard);
        if (status != LR_OK)
            return status;
    }
    front->magic = FRONT_MAGIC;
    return LR_OK;
}

int lr_front_reset(lr_front *front)
{
    int status;

    if (front == NULL)
        return LR_ERR_NULL;
    if (front->magic != FRONT_MAGIC)
        return LR_ERR_STATE;
    status = lr_dtmf_rx_reset(dtmf_of(front));
    if (status == LR_OK)
        status = lr_vad_reset(voice_of(front));
    if (status == LR_OK && front->fsk_standard != -1)
        status = lr_fsk_rx_reset(fsk_of(front));
    front->samples = 0;
    front->message_length = -1;
    front->burst_pending = 0;
    return status;
}

static int check_frame(const lr_front *front, const int16_t *samples, size_t n,
                       const lr_front_result *result)
{
    if (front == NULL || result == NULL || (samples == NULL && n > 0))
        return LR_ERR_NULL;
    if (front->magic != FRONT_MAGIC)
        return LR_ERR_STATE;
    if (n > LR_FRONT_MAX_SAMPLES)
        return LR_ERR_ARG;
    return LR_OK;
}

/* The message under way is done: into the result's messages, none under way now. */
static void end_message(lr_front *front, lr_front_result *result, uint32_t *used)
{
    lr_front_message *message = &result->messages[result->n_messages++];

    message->start = front->message_start;
    message->offset = *used;
    message->length = (uint32_t)front->message_length;
    memcpy(result->message_bytes + *used, front->message, (size_t)front->message_length);
    *used += (uint32_t)front->message_length;
    front->message_length = -1;
}

/* The FSK events of a frame put together into caller-ID messages (lr_front_message). */
static void assemble_messages(lr_front *front, lr_front_result *result)
{
    uint32_t used = 0;

    for (uint32_t i = 0; i < result->n_fsk; i++) {
        const struct lr_fsk_event *event = &result->fsk[i];

        if (event->kind == LR_FSK_EVENT_SEIZURE || event->kind == LR_FSK_EVENT_MARK) {
            if (!front->burst_pending || event->kind == LR_FSK_EVENT_SEIZURE) {
                front->burst_start = event->sample;
                front->burst_pending = 1;
            }
            continue;
        }
        if (event->kind == LR_FSK_EVENT_END) {
            if (front->message_length > 0)
                end_message(front, result, &used);
            front->message_length = -1;
            front->burst_pending = 0;
            continue;
        }
        if (event->flags & LR_FSK_CHAR_FIRST) {
            if (front->message_length > 0)
                end_message(front, result, &used);
            front->message_length = 0;
            front->message_start = front->burst_pending ? front->burst_start : event->sample;
            front->burst_pending = 0;
        }
        if (front->message_length < 0)
            continue; /* characters outside a message: nothing to do with caller ID */
        front->message[front->message_length++] = (uint8_t)event->value;
        if (front->message_length >= 2 && front->message_length >= 3 + front->message[1])
            end_message(front, result, &used);
    }
}

/* The DTMF receiver, and the FSK receiver if asked for. */
static int signalling(lr_front *front, const int16_t *samples, size_t n, int flags,
                      lr_front_result *result)
{
    size_t count = 0, consumed = 0;
    int status = lr_dtmf_rx_process(dtmf_of(front), samples, n, result->dtmf,
                                    LR_FRONT_MAX_DTMF_EVENTS, &count, &consumed);
    if (status != LR_OK)
        return status;
    if (consumed != n)
        return LR_ERR_STATE; /* cannot happen with room for lr_dtmf_rx_max_events(n) */
    result->n_dtmf = (uint32_t)count;
    result->n_ended = 0;
    for (size_t i = 0; i < count; i++)
        result->n_ended += result->dtmf[i].kind == LR_DTMF_OFF;

    result->n_fsk = 0;
    result->n_messages = 0;
    if ((flags & LR_FRONT_FSK) && front->fsk_standard != -1 && n > 0) {
        status = lr_fsk_rx_process(fsk_of(front), samples, n, result->fsk,
                                   LR_FRONT_MAX_FSK_EVENTS, &count);
        if (status != LR_OK)
            return status;
        result->n_fsk = (uint32_t)count;
        if (flags & LR_FRONT_FSK_MESSAGES)
            assemble_messages(front, result);
    }
    return LR_OK;
}

/* After the voice detector's n_voice events: its state, the sample count, the events in all. */
static int finish_frame(lr_front *front, size_t n, int flags, size_t n_voice,
                        lr_front_result *result)
{
    uint32_t fsk = (flags & LR_FRONT_FSK_MESSAGES) ? result->n_messages : result->n_fsk;

    const lr_vad_state *voice = voice_of(front);

    result->n_voice = (uint32_t)n_voice;
    result->voice_active = lr_vad_active(voice);
    result->level_dbm0 = lr_vad_level_dbm0(voice);
    result->noise_dbm0 = lr_vad_noise_dbm0(voice);
    front->samples += (int64_t)n;
    result->samples = front->samples;
    return (int)(result->n_ended + result->n_voice + fsk);
}

int lr_front_process(lr_front *front, const int16_t *samples, size_t n, int flags,
                     lr_front_result *result)
{
    size_t n_voice = 0;
    int status = check_frame(front, samples, n, result);

    if (status == LR_OK)
        status = signalling(front, samples, n, flags, result);
    if (status == LR_OK)
        status = lr_vad_process(voice_of(front), samples, n, result->voice,
                                LR_FRONT_MAX_VOICE_EVENTS, &n_voice);
    if (status != LR_OK)
        return status;
    return finish_frame(front, n, flags, n_voice, result);
}

int lr_front_bind(lr_front *front, lr_front_result *result)
{
    if (front == NULL)
        return LR_ERR_NULL;
    if (front->magic != FRONT_MAGIC)
        return LR_ERR_STATE;
    front->bound = result;
    return LR_OK;
}

int lr_front_feed(lr_front *front, const char *frame, size_t n_bytes, int flags)
{
    int16_t aligned[LR_FRONT_MAX_SAMPLES];
    const int16_t *samples = (const int16_t *)(const void *)frame;

    if (front == NULL || (frame == NULL && n_bytes > 0))
        return LR_ERR_NULL;
    if (front->magic != FRONT_MAGIC)
        return LR_ERR_STATE;
    if (n_bytes % sizeof *samples != 0 || n_bytes > sizeof aligned)
        return LR_ERR_ARG;
    if ((uintptr_t)frame % _Alignof(int16_t) != 0) {
        memcpy(aligned, frame, n_bytes);
        samples = aligned;
    }
    return lr_front_process(front, samples, n_bytes / sizeof *samples, flags, front->bound);
}

int lr_front_sounding(const lr_front *front, int64_t *start)
{
    if (front == NULL || front->magic != FRONT_MAGIC)
        return 0;
    return lr_dtmf_rx_sounding((const lr_dtmf_rx *)(const void *)((const char *)front + HEADER),
                               start);
}

/*
 * The lines' voice detectors go together (lr_vad_process_lines),
 * LINES_AT_ONCE lines at a time.
 */
#define LINES_AT_ONCE 32

int lr_front_process_lines(lr_front *const *fronts, const int16_t *samples, size_t n_lines,
                           size_t n, const int *flags, lr_front_result *results,
                           uint32_t *lines_found)
{
    int found = 0;

    if (fronts == NULL || flags == NULL || results == NULL || lines_found == NULL
        || (samples == NULL && n > 0))
        return LR_ERR_NULL;
    if (n_lines > INT32_MAX)
        return LR_ERR_ARG; /* the count of lines found must fit the return value */
    for (size_t first = 0; first < n_lines; first += LINES_AT_ONCE) {
        size_t lines = n_lines - first < LINES_AT_ONCE ? n_lines - first : LINES_AT_ONCE;
        lr_vad_state *voices[LINES_AT_ONCE];
        const int16_t *frames[LINES_AT_ONCE];
        lr_vad_event *events[LINES_AT_ONCE];
        size_t n_voice[LINES_AT_ONCE];
        int status;

        for (size_t i = 0; i < lines; i++) {
            size_t line = first + i;
            frames[i] = n > 0 ? samples + line * n : samples;
            status = check_frame(fronts[line], frames[i], n, &results[line]);
            if (status == LR_OK)
                status = signalling(fronts[line], frames[i], n, flags[line], &results[line]);
            if (status != LR_OK)
                return status;
            voices[i] = voice_of(fronts[line]);
            events[i] = results[line].voice;
        }
        status = lr_vad_process_lines(voices, frames, lines, n, events,
                                      LR_FRONT_MAX_VOICE_EVENTS, n_voice);
        if (status != LR_OK)
            return status;
        for (size_t i = 0; i < lines; i++) {
            if (finish_frame(fronts[first + i], n, flags[first + i], n_voice[i],
                             &results[first + i]) > 0)
                lines_found[found++] = (uint32_t)(first + i);
        }
    }
    return found;
}

int64_t lr_front_samples(const lr_front *front)
{
    if (front == NULL || front->magic != FRONT_MAGIC)
        return -1;
    return front->samples;
}

lr_dtmf_rx *lr_front_dtmf(lr_front *front)
{
    if (front == NULL || front->magic != FRONT_MAGIC)
        return NULL;
    return dtmf_of(front);
}
