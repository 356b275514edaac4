/*
 * tone_cadence.c - the tone detector's segments and cadence matching.
 *
 * Segments: a new class must hold for SETTLE hops (25 ms) before the
 * current segment ends, and a tone's end for as many more hops as a gap
 * shows longer than it is in that tone's window; so interruptions up to
 * 25 ms are bridged (a line glitch; ANSam's phase reversals, which empty the
 * 2100 Hz bin for about 15 ms every 450 ms). Segment edges are dated from
 * the hop where the class changed, less the part of the window a tone must
 * fill (or leave) to change it.
 *
 * Cadence: closed segments go into a short history. With no pattern
 * reported, a pattern is confirmed when its steps (from any tone step of the
 * cadence) match the last confirm_steps segments, the last one in progress
 * and at least as long as its step's minimum. While reported, each segment
 * must fit the next step; the pattern ends when one does not, or runs over
 * its maximum, or when a one-shot pattern runs through.
 */
#include "tone_rx_state.h"

int tone_sig_index(const lr_tone_rx *st, uint32_t mask)
{
    int s;
    for (s = 0; s < st->n_sig && st->sig_mask[s] != mask; s++)
        ;
    return s;
}

static void push_history(lr_tone_rx *st, uint32_t mask, int64_t start, int64_t end)
{
    segment *s = &st->history[st->n_history % HISTORY];
    s->mask = mask;
    s->start = start;
    s->end = end;
    st->n_history++;
}

/* The closed segment `back` places before the segment in progress (1 = the last). */
static const segment *closed(const lr_tone_rx *st, int back)
{
    return &st->history[(st->n_history - back) % HISTORY];
}

static int fits(const step_limits *step, uint32_t mask, int64_t duration)
{
    return step->mask == mask && duration >= step->min && duration <= step->max;
}

/*
 * Which pattern could be confirmed on the segment in progress: one whose
 * steps from a tone step r match the last confirm - 1 closed segments and
 * whose next step has the frequencies in progress. Of several, the one that
 * needs the least time in the segment in progress.
 */
static void find_next(lr_tone_rx *st)
{
    int k, r, i;

    st->next = -1;
    for (k = 0; k < st->n_pat; k++) {
        const pattern *p = &st->patterns[k];
        int earlier = p->confirm - 1;
        if (earlier > st->n_history)
            continue;
        for (r = 0; r < p->n_steps; r++) {
            int ok = p->steps[r].mask != 0;
            int64_t start = 0, last_on_end = -1;
            int at = r;
            const step_limits *last;
            for (i = 0; ok && i < earlier; i++) {
                const segment *seg = closed(st, earlier - i);
                if (i == 0)
                    start = seg->start;
                ok = fits(&p->steps[at], seg->mask, seg->end - seg->start);
                if (seg->mask != 0)
                    last_on_end = seg->end;
                at++;
                if (at == p->n_steps) {
                    ok = ok && p->repeats;
                    at = 0;
                }
            }
            if (!ok)
                continue;
            last = &p->steps[at];
            if (last->mask != st->cur_mask)
                continue;
            if (earlier == 0)
                start = st->cur_start;
            if (start < st->reported_until)
                continue;
            if (st->next < 0 || last->min < st->next_min) {
                st->next = k;
                st->next_pos = at;
                st->next_start = start;
                st->next_last_on_end = last_on_end < 0 ? start : last_on_end;
                st->next_min = last->min;
                st->next_max = last->max;
            }
        }
    }
}

static void emit(lr_tone_event *events, size_t *n_events, int kind, int code, int64_t start,
                 int64_t end)
{
    lr_tone_event *e = &events[(*n_events)++];
    e->kind = kind;
    e->code = code;
    e->start = start;
    e->end = end;
}

static void end_active(lr_tone_rx *st, int64_t end, lr_tone_event *events, size_t *n_events)
{
    if (end <= st->active_start)
        end = st->active_start + 1;
    emit(events, n_events, LR_TONE_OFF, st->patterns[st->active].code, st->active_start, end);
    st->active = -1;
    st->reported_until = end;
}

/*
 * How long the segment in progress has surely lasted: up to where a
 * pending change would end it, else up to where an end or a start would
 * already have shown.
 */
static int64_t known_end(const lr_tone_rx *st)
{
    int64_t now = st->hops * SUB;
    if (st->cand_hops > 0)
        return st->cand_start;
    if (st->cur_mask != 0) {
        int s;
        for (s = 0; s < st->n_sig && st->sig_mask[s] != st->cur_mask; s++)
            ;
        return now - st->sig_offset[s];
    }
    return now - st->max_onset;
}

static void close_segment(lr_tone_rx *st, int64_t end, lr_tone_event *events, size_t *n_events)
{
    push_history(st, st->cur_mask, st->cur_start, end);
    if (st->active < 0)
        return;
    {
        const pattern *p = &st->patterns[st->active];
        if (!fits(&p->steps[st->pos], st->cur_mask, end - st->cur_start)) {
            end_active(st, st->cur_mask != 0 && st->last_on_end <= st->active_start
                               ? end : st->last_on_end, events, n_events);
            return;
        }
        if (st->cur_mask != 0)
            st->last_on_end = end;
        if (++st->pos == p->n_steps) {
            st->pos = 0;
            if (!p->repeats)
                end_active(st, st->last_on_end, events, n_events);
        }
    }
}

static void open_segment(lr_tone_rx *st, uint32_t mask, int64_t start, lr_tone_event *events,
                         size_t *n_events)
{
    st->cur_mask = mask;
    st->cur_start = start;
    if (st->active >= 0 && st->patterns[st->active].steps[st->pos].mask != mask)
        end_active(st, st->last_on_end, events, n_events);
    if (st->active < 0)
        find_next(st);
}

/* Per hop: confirm the pattern waiting on the segment in progress, or end
 * the one reported when its step runs over. */
static void check_progress(lr_tone_rx *st, lr_tone_event *events, size_t *n_events)
{
    int64_t duration = known_end(st) - st->cur_start;

    if (st->active >= 0) {
        const step_limits *step = &st->patterns[st->active].steps[st->pos];
        if (duration > step->max) {
            int64_t end = st->last_on_end;
            if (st->cur_mask != 0 && end <= st->active_start)
                end = st->cur_start + step->max;
            end_active(st, end, events, n_events);
            find_next(st);
        }
        return;
    }
    if (st->next >= 0 && duration >= st->next_min) {
        if (duration > st->next_max) {
            st->next = -1;
            return;
        }
        st->active = st->next;
        st->pos = st->next_pos;
        st->active_start = st->next_start;
        st->last_on_end = st->next_last_on_end;
        st->next = -1;
        emit(events, n_events, LR_TONE_ON, st->patterns[st->active].code, st->active_start, -1);
    }
}

/* A new class `heard` for the hop that just ended: debounce, and date edges. */
void tone_track_segments(lr_tone_rx *st, uint32_t heard, lr_tone_event *events,
                         size_t *n_events)
{
    int64_t now = st->hops * SUB;

    if (heard == st->cur_mask) {
        st->cand_hops = 0;
    } else if (st->cand_hops > 0 && heard == st->cand_mask) {
        st->cand_hops++;
    } else {
        int64_t edge;
        if (heard == 0)
            edge = now - st->sig_offset[tone_sig_index(st, st->cur_mask)];
        else if (st->cur_mask == 0)
            edge = now - st->sig_onset[tone_sig_index(st, heard)];
        else
            edge = now - st->sig_change[tone_sig_index(st, heard)];
        /* Only the silence the input starts with may be empty. */
        int64_t earliest = st->cur_start + (st->n_history > 0 ? 1 : 0);
        if (edge < earliest)
            edge = earliest;
        st->cand_mask = heard;
        st->cand_hops = 1;
        st->cand_start = edge;
    }
    if (st->cand_hops >= (st->cand_mask == 0 && st->cur_mask != 0
                              ? st->sig_settle_off[tone_sig_index(st, st->cur_mask)]
                              : SETTLE)) {
        st->cand_hops = 0;
        close_segment(st, st->cand_start, events, n_events);
        open_segment(st, st->cand_mask, st->cand_start, events, n_events);
    }
    check_progress(st, events, n_events);
}

void tone_finish(lr_tone_rx *st, lr_tone_event *events, size_t *n_events)
{
    int64_t end;
    uint32_t mask;
    const step_limits *step;

    if (st->active < 0)
        return;
    end = st->last_on_end;
    mask = st->cand_hops > 0 ? st->cand_mask : st->cur_mask;
    step = &st->patterns[st->active].steps[st->pos];
    if (st->cand_hops > 0 && st->cand_mask != st->cur_mask) {
        /* A change still settling: the segment in progress ends there. */
        if (st->cur_mask != 0 && st->cur_mask == step->mask)
            end = st->cand_start;
    } else if (mask != 0 && mask == step->mask) {
        end = st->hops * SUB + st->fill;
    }
    end_active(st, end, events, n_events);
}
