/*
 * echo.c - line echo canceller: the state, the sample path and the control.
 *
 * The echo path is modelled by a partitioned-block frequency-domain NLMS
 * filter (echo_filter.c): 64-sample blocks, 128-point FFTs, 4, 10 or 16
 * partitions of 64 taps for 32, 64 or 128 ms. Two copies of it run (a two-path
 * canceller): the background filter adapts on every block in which the far
 * end talks; the foreground filter produces the output and only takes the
 * background's coefficients when they have cancelled significantly better,
 * or, while both agree, follows them slowly (which averages the adaptation
 * noise away). So a background led astray by near-end speech never reaches
 * the output, and is put back to the foreground when it falls clearly behind.
 *
 * Around that:
 * - both directions go through the same 150 Hz high-pass, which takes out
 *   DC and hum (the A-law idle code alone is a DC of 8) and keeps the echo
 *   relation between them intact;
 * - the step size follows the echo return loss enhancement (ERLE) the
 *   background reaches: large until 33 dB, then smaller, down to a floor;
 *   proportionate to where the echo is from the first decibels, and during
 *   the first convergence the rest of the tail leaks towards zero;
 * - double talk: a Geigel test on the filters' error (its peak against
 *   the far end's peak over the tail; in the output path sample by sample,
 *   so a talker's first syllable or a key is met at once), and a test for
 *   the error rising well above what the filters have been achieving; both
 *   lower the step (to a sixteenth in double talk) and make the foreground
 *   harder to replace;
 * - once converged, in double talk and in the far end's pauses, each bin of
 *   the background learns only what its echo estimate there can explain, so
 *   a key pressed during a prompt is not learnt as echo (ECHO_EXPLAINS);
 * - divergence guard: sample by sample the output is never more than 1 dB
 *   louder than the near end over 2 ms (none once the foreground has been
 *   adding energy; over 32 ms in double talk, where near-end talk and the
 *   echo under it swing either way over a few ms); past that the near end
 *   passes unchanged. A foreground that keeps adding energy while the far
 *   end talks is dropped;
 * - optional non-linear processor (NLP): in single talk, once converged,
 *   output quieter than the echo estimate allows is attenuated.
 *
 * Output for samples of a block not yet complete is computed from the
 * partial block (echo_filter_partial), so the output has no latency and
 * does not depend on how the input is cut into calls.
 */
#include <math.h>
#include <string.h>

#include "echo_filter.h"
#include "lr_echo.h"

#define STATE_MAGIC 0x45434831u /* "ECH1": set by init, checked by process */

static const float HIGH_PASS_HZ = 150.0f;
static const float SAMPLE_RATE = 8000.0f;
/* Step sizes (of a normalised NLMS, 0 .. 2). */
static const float MU_MAX = 0.8f;       /* until the background reaches STEP_KNEE_DB */
static const float MU_MIN = 0.3f;       /* floor once converged */
static const float MU_DISTURBED = 0.3f; /* after the echo changed */
/* In double talk the background keeps learning, slowly: the near end's talk
 * is noise to it, often louder than the echo; a step this small averages it
 * away while the echo not yet learnt (a line still converging when the near
 * end speaks) keeps being learnt. Not before the filters first cancel
 * CONVERGED_DB: until then the echo itself trips the Geigel test. */
static const float MU_DOUBLE_TALK = 0.05f;
/* Once the filters cancel CONVERGED_DB, in double talk and in the far end's pauses
 * (the ECHO_HANG_BLOCKS after it stops, when only the tail of its echo still comes
 * back), the background learns in each bin only what its echo estimate there can
 * explain: where the error is more than this (in power, 10 dB) over the estimate,
 * the step falls with the ratio. What is left there is the near end's. A key's two
 * tones, pressed in a pause of a prompt or over it, stand 20 to 60 dB over the echo
 * in their bins; learnt even at the double-talk step, they become two tones in the
 * echo estimate, which the foreground takes with the rest of what the background
 * learnt and the prompt's speech then plays into the cleaned line: the same digit
 * again, a second or two later. 10 dB leaves room for what the estimate still
 * misses (a changed echo path, bands the far end had not yet excited). */
static const float ECHO_EXPLAINS = 10.0f;
/* Past the knee the background is near the G.711 floor (36-38 dB), where its own
 * adaptation noise is much of what is left: the step halves every 2.5 dB, down to
 * MU_MIN from 36.5 dB. Halving it every 5 dB left the steady ERLE 0.1 dB lower on
 * speech (0.08 dB under speexdsp's on one path); a steeper fall or a lower floor
 * loses more on the CSS, whose floor is higher. */
static const float STEP_KNEE_DB = 33.0f;
static const float STEP_SLOPE = 0.12f;  /* log10 of the step falls this much per dB over the knee */
/* Proportionate step: once the background cancels 1 dB (fully from 5 dB), half
 * the step goes by where the filter's energy is, so the partitions holding the
 * echo learn fast. */
static const float FOCUS_FROM_DB = 1.0f;
static const float FOCUS_FULL_DB = 5.0f;
static const float FOCUS_SHARE = 0.5f;
/* Until the background first reaches 25 dB, partitions outside the echo's
 * region shrink by this much a block: what they hold then is the noise of the
 * first convergence, which would otherwise take the long tails seconds to
 * average away. Later they keep what they learn (the small late echo, and
 * the part of G.711's quantisation that follows the far end). */
static const float FOCUS_LEAK = 0.3f;
static const float LEAK_UNTIL_DB = 25.0f;
/* The first convergence's learning (see EXPLAINS_NEAR) lasts at most this many
 * blocks of far-end talk (2 s): on a line with near-end noise the background may
 * never reach LEAK_UNTIL_DB, and from then on the foreground should average the
 * background's adaptation noise away (following it) rather than take it whole. */
static const int LEARN_BLOCKS = 250;
/* The echo outlasts the far end's talk by the bulk delay and the hybrid's
 * response: the background keeps adapting for 4 blocks (32 ms) after it. */
static const int ECHO_HANG_BLOCKS = 4;
/* Far end active: block energy over 1 % of its recent peak and over -55 dBm0. */
static const float FAR_ACTIVE_SHARE = 0.01f;
static const float FAR_ACTIVE_FLOOR = (float)ECHO_BLOCK * 30.0f * 30.0f;
static const float GEIGEL = 0.5f;       /* error peak over far peak: 6 dB of echo return loss */
static const int DOUBLE_TALK_HANG = 4;  /* blocks */
static const float CONVERGED_DB = 15.0f;
static const float DISTURBED_DB = 6.0f; /* error this much above the best recent ERLE */
/* The background's error (smoothed) under this share of the near end's, 15 dB:
 * what the near end holds is echo, which the background has learnt. Near-end
 * talk or a changed echo path would leave its error higher. While the far end's
 * speech is still bringing new sounds (a Mandarin tone's pitch sweeping its
 * harmonics across the bins, a second voice), its error rises for a few blocks
 * over the best the filters have shown, and the test for being disturbed would
 * take that for the near end; with this, the background keeps its full step
 * there, and during the first convergence the foreground takes what it learns. */
static const float EXPLAINS_NEAR = 0.0316f;
static const float BEST_DECAY_DB = 0.02f; /* per block */
/* Two-path decisions: how many variances of the energy difference make it significant. */
static const float COPY_SIGNIFICANCE = 1.0f;
static const float COPY_SIGNIFICANCE_DISTURBED = 4.0f;
static const float RESET_SIGNIFICANCE = 32.0f;
/* The foreground following a background that agrees: 2 % a block, taken every
 * other block (as 1 - 0.98^2) for the same averaging at half the cost. */
static const float FOLLOW_RATE = 0.0396f;
static const float FOLLOW_MARGIN = 1.2f;  /* background error at most this over the foreground's */
static const int DIVERGED_BLOCKS = 12;
static const float GUARD_RATE = 1.0f / 16.0f; /* the sample guard's 2 ms level follower */
/* How much louder than the near end the output may be before the near end
 * passes instead: 1 dB over 2 ms in single talk (none once the foreground has
 * been adding energy); 1 dB over 32 ms in double talk. Over 2 ms, near-end
 * talk and the echo under it swing either way against each other (the near
 * end, talk plus echo, is often quieter than the talk alone), and passing
 * the near end then would put the echo back into the talk, bursts of it at
 * every syllable or key; over 32 ms the near end is louder than a correct
 * output, and a foreground that adds energy (the echo path changed) still
 * shows. */
static const float GUARD_RATIO = 1.26f;
static const float GUARD_RATIO_DOUBLE_TALK = 1.26f;
static const float SLOW_GUARD_RATE = 1.0f / 256.0f;
/* Double talk from the first samples of the talk: an error sample over the
 * Geigel threshold, or (once converged) the error's 2 ms level 6 dB over what
 * the foreground has been leaving; a key rising over a few ms, or a quiet
 * talker under a loud far end, passes the first test late or never. */
static const float ONSET_RISE = 4.0f;
/* NLP: output more than 20 dB under the echo estimate is residual echo; take it down 30 dB. */
static const float NLP_MARGIN = 0.01f;
static const float NLP_DEPTH = 0.03f;     /* -30 dB */
static const float NLP_ATTACK = 1.0f / 16.0f;
static const float NLP_RELEASE = 1.0f / 64.0f;

struct lr_echo_state {
    uint32_t magic;
    int tail_ms;
    int nlp;
    echo_filter filter;

    /* The high-pass on both directions (biquad, direct form I). */
    float hp_b0, hp_a1, hp_a2; /* b1 = -2 b0, b2 = b0 */
    float far_hp[4], near_hp[4];

    /* The block being assembled, high-passed. */
    float far_time[2 * ECHO_BLOCK]; /* the previous block, then this one */
    float near_time[ECHO_BLOCK];
    float partial_echo[ECHO_BLOCK]; /* the foreground's echo estimate for a partial block */
    int fill;                       /* samples of this block received */
    int emitted;                    /* of them, already written out */

    /* Far-end level. */
    float far_peak[ECHO_MAX_PARTS + 1]; /* peak of each of the last blocks */
    int far_peak_at;
    float far_level;                    /* recent peak block energy, slowly decaying */

    /* Control. */
    int double_talk_hold;
    int disturbed;
    float fg_near, fg_error;        /* foreground's near and error energies, smoothed */
    float bg_error_fast;            /* background's error, smoothed as the foreground's */
    float best_erle_db;
    float bg_near, bg_error;        /* background's, for its step size */
    float s_ff, s_ee, s_dd;         /* two-path energies, smoothed */
    float diff_mean1, diff_mean2, diff_var1, diff_var2;
    int worse_blocks;
    int far_quiet_blocks;           /* blocks since the far end last talked */
    int first_convergence;          /* 1 until the background first reaches LEAK_UNTIL_DB */
    int learn_blocks;               /* blocks of far-end talk since the first convergence began */
    float guard_error, guard_near;  /* sample guard levels */
    float slow_error, slow_near;    /* the same over 32 ms, for double talk */
    float far_top;                  /* the far end's peak over the tail */
    int onset;                      /* near-end talk seen in this block before its test */
    float nlp_gain;
    float echo_level;               /* foreground echo estimate energy per sample, smoothed */

    uint32_t filter_updates;
    uint32_t divergences;
    int64_t samples;
    int64_t blocks;
};

size_t lr_echo_state_size(void)
{
    return sizeof(lr_echo_state);
}

void lr_echo_default_params(lr_echo_params *params)
{
    if (params == NULL)
        return;
    params->tail_ms = 64;
    params->nlp = 0;
}

static void clear_line(lr_echo_state *st)
{
    echo_filter_clear(&st->filter);
    memset(st->far_hp, 0, sizeof st->far_hp);
    memset(st->near_hp, 0, sizeof st->near_hp);
    memset(st->far_time, 0, sizeof st->far_time);
    memset(st->near_time, 0, sizeof st->near_time);
    memset(st->partial_echo, 0, sizeof st->partial_echo);
    st->fill = st->emitted = 0;
    memset(st->far_peak, 0, sizeof st->far_peak);
    st->far_peak_at = 0;
    st->far_level = 0.0f;
    st->double_talk_hold = 0;
    st->disturbed = 0;
    st->fg_near = st->fg_error = st->best_erle_db = 0.0f;
    st->bg_error_fast = 0.0f;
    st->bg_near = st->bg_error = 0.0f;
    st->s_ff = st->s_ee = st->s_dd = 0.0f;
    st->diff_mean1 = st->diff_mean2 = st->diff_var1 = st->diff_var2 = 0.0f;
    st->worse_blocks = 0;
    st->far_quiet_blocks = 1000;
    st->first_convergence = 1;
    st->learn_blocks = 0;
    st->guard_error = st->guard_near = 0.0f;
    st->slow_error = st->slow_near = 0.0f;
    st->far_top = 0.0f;
    st->onset = 0;
    st->nlp_gain = 1.0f;
    st->echo_level = 0.0f;
    st->filter_updates = st->divergences = 0;
    st->samples = st->blocks = 0;
}

/* Partitions of 64 taps for a tail: 32 ms is 4 (256 taps); 64 ms is 10 (640
 * taps, 80 ms: room for 30 ms of bulk delay, a hybrid's response, and the
 * small slow end of it); 128 ms is 16 (1024 taps). */
static int echo_parts(int tail_ms)
{
    return tail_ms == 32 ? 4 : tail_ms == 64 ? 10 : 16;
}

int lr_echo_init(lr_echo_state *st, const lr_echo_params *params)
{
    double w0, alpha, c, a0;

    if (st == NULL || params == NULL)
        return LR_ERR_NULL;
    st->magic = 0;
    if (params->tail_ms != 32 && params->tail_ms != 64 && params->tail_ms != 128)
        return LR_ERR_ARG;
    if (params->nlp != 0 && params->nlp != 1)
        return LR_ERR_ARG;
    st->tail_ms = params->tail_ms;
    st->nlp = params->nlp;
    echo_filter_init(&st->filter, echo_parts(params->tail_ms));
    /* Butterworth high-pass (Q = 1/sqrt 2), bilinear transform. */
    w0 = 2.0 * 3.14159265358979323846 * HIGH_PASS_HZ / SAMPLE_RATE;
    alpha = sin(w0) / (2.0 * 0.70710678118654752);
    c = cos(w0);
    a0 = 1.0 + alpha;
    st->hp_b0 = (float)((1.0 + c) / 2.0 / a0);
    st->hp_a1 = (float)(-2.0 * c / a0);
    st->hp_a2 = (float)((1.0 - alpha) / a0);
    clear_line(st);
    st->magic = STATE_MAGIC;
    return LR_OK;
}

int lr_echo_reset(lr_echo_state *st)
{
    if (st == NULL)
        return LR_ERR_NULL;
    if (st->magic != STATE_MAGIC)
        return LR_ERR_STATE;
    clear_line(st);
    return LR_OK;
}

static inline float high_pass(const lr_echo_state *st, float *mem, float x)
{
    /* mem: x[n-1], x[n-2], y[n-1], y[n-2] */
    float y = st->hp_b0 * (x - 2.0f * mem[0] + mem[1]) - st->hp_a1 * mem[2] - st->hp_a2 * mem[3];
    mem[1] = mem[0];
    mem[0] = x;
    mem[3] = mem[2];
    mem[2] = y;
    return y;
}

static inline int16_t saturate(float x)
{
    if (x != x)
        return 0;
    if (x >= 32767.0f)
        return 32767;
    if (x <= -32768.0f)
        return -32768;
    return (int16_t)lrintf(x);
}

/* Write the cleaned samples [from, to) of the block, given the foreground's echo estimate. */
static void emit(lr_echo_state *st, const float *echo, int from, int to, int16_t *out)
{
    int adding = st->worse_blocks > 1 || st->fg_error > st->fg_near;
    int j;

    for (j = from; j < to; j++) {
        float near = st->near_time[j];
        float error = near - echo[j];
        float value = error;
        int talking;
        float ratio;

        /* The block's double-talk test comes at its end; here it starts at once
         * (ONSET_RISE). */
        if (fabsf(error) > GEIGEL * st->far_top
            || (st->best_erle_db > CONVERGED_DB
                && st->guard_error > ONSET_RISE * st->fg_error * (1.0f / (float)ECHO_BLOCK)))
            st->onset = 1;
        talking = st->double_talk_hold > 0 || st->disturbed || st->onset;
        ratio = talking ? GUARD_RATIO_DOUBLE_TALK : adding ? 1.0f : GUARD_RATIO;

        st->guard_error += GUARD_RATE * (error * error - st->guard_error);
        st->guard_near += GUARD_RATE * (near * near - st->guard_near);
        st->slow_error += SLOW_GUARD_RATE * (error * error - st->slow_error);
        st->slow_near += SLOW_GUARD_RATE * (near * near - st->slow_near);
        if (talking ? st->slow_error > ratio * st->slow_near
                    : st->guard_error > ratio * st->guard_near)
            value = near; /* cancelling would add energy: pass the near end */
        if (st->nlp) {
            float target = 1.0f;
            if (st->best_erle_db > CONVERGED_DB && !st->double_talk_hold && !st->disturbed
                && st->guard_error < NLP_MARGIN * st->echo_level)
                target = NLP_DEPTH;
            st->nlp_gain += (target < st->nlp_gain ? NLP_ATTACK : NLP_RELEASE)
                            * (target - st->nlp_gain);
            value *= st->nlp_gain;
        }
        *out++ = saturate(value);
    }
}

static float energy(const float *x, int n)
{
    float sum = 0.0f;
    int i;

    for (i = 0; i < n; i++)
        sum += x[i] * x[i];
    return sum;
}

static float peak(const float *x, int n)
{
    float top = 0.0f;
    int i;

    for (i = 0; i < n; i++) {
        float a = fabsf(x[i]);
        top = a > top ? a : top;
    }
    return top;
}

static float db_ratio(float num, float den)
{
    return 10.0f * log10f((num + 1e-9f) / (den + 1e-9f));
}

/* The block is complete: output its remaining samples, then learn from it. */
static void run_block(lr_echo_state *st, int16_t *out)
{
    echo_filter *f = &st->filter;
    const float *far = st->far_time + ECHO_BLOCK;
    const float *near = st->near_time;
    float fg_echo[ECHO_BLOCK], bg_echo[ECHO_BLOCK], fg_err[ECHO_BLOCK], bg_err[ECHO_BLOCK];
    float far_energy, near_energy, ff, ee, diff, spread, far_top;
    float copy_significance, mu;
    const float *bg_estimate = bg_echo; /* what the background's error is taken from */
    int j, far_active, echo_active, double_talk, copy, reset, explained_near, take_fresh, learning;

    echo_filter_push(f, st->far_time);
    echo_filter_outputs(f, fg_echo, bg_echo);
    emit(st, fg_echo, st->emitted, ECHO_BLOCK, out);
    st->blocks++;

    for (j = 0; j < ECHO_BLOCK; j++) {
        fg_err[j] = near[j] - fg_echo[j];
        bg_err[j] = near[j] - bg_echo[j];
    }
    far_energy = energy(far, ECHO_BLOCK);
    near_energy = energy(near, ECHO_BLOCK);
    ff = energy(fg_err, ECHO_BLOCK);
    ee = energy(bg_err, ECHO_BLOCK);
    if (!isfinite(ff) || !isfinite(ee)) {
        /* Cannot happen with int16 input; if it ever did, start the line again
         * rather than carry a broken filter. */
        clear_line(st);
        return;
    }

    /* Far end active? Its recent peak block energy decays slowly. */
    if (far_energy > st->far_level)
        st->far_level = 0.5f * st->far_level + 0.5f * far_energy;
    else
        st->far_level = 0.995f * st->far_level + 0.005f * far_energy;
    far_active = far_energy > FAR_ACTIVE_SHARE * st->far_level && far_energy > FAR_ACTIVE_FLOOR;
    /* The echo outlasts the far end's talk by the bulk delay and the hybrid's response. */
    if (far_active) {
        st->far_quiet_blocks = 0;
        if (st->learn_blocks < LEARN_BLOCKS)
            st->learn_blocks++;
    }
    else if (st->far_quiet_blocks < 1000)
        st->far_quiet_blocks++;
    echo_active = st->far_quiet_blocks <= ECHO_HANG_BLOCKS;
    learning = st->first_convergence && st->learn_blocks < LEARN_BLOCKS;

    /* Geigel test on the filters' error against the far end's peak over the tail:
     * near-end speech raises both; a foreground still behind the background
     * during convergence raises only its own. */
    st->far_peak[st->far_peak_at] = peak(far, ECHO_BLOCK);
    st->far_peak_at = (st->far_peak_at + 1) % (f->parts + 1);
    far_top = peak(st->far_peak, f->parts + 1);
    st->far_top = far_top;
    st->onset = 0;
    if (fminf(peak(fg_err, ECHO_BLOCK), peak(bg_err, ECHO_BLOCK)) > GEIGEL * far_top)
        st->double_talk_hold = DOUBLE_TALK_HANG;
    else if (st->double_talk_hold > 0)
        st->double_talk_hold--;
    double_talk = st->double_talk_hold > 0;

    /* Disturbed: the error rose well above what the filters have been achieving
     * (near-end speech, or the echo path changed); the better of the two counts. */
    if (far_active) {
        float erle_now;
        st->fg_near = 0.7f * st->fg_near + 0.3f * near_energy;
        st->fg_error = 0.7f * st->fg_error + 0.3f * ff;
        st->bg_error_fast = 0.7f * st->bg_error_fast + 0.3f * ee;
        erle_now = db_ratio(st->fg_near, fminf(st->fg_error, st->bg_error_fast));
        if (erle_now > st->best_erle_db)
            st->best_erle_db = 0.7f * st->best_erle_db + 0.3f * erle_now;
        else
            st->best_erle_db -= BEST_DECAY_DB;
        /* Not before the first convergence is over: until then the far end's
         * speech keeps exciting what the filters have not learnt yet, and the
         * error rises with every new sound (see EXPLAINS_NEAR); near-end talk
         * loud enough to matter trips the Geigel test. */
        st->disturbed = !learning && st->best_erle_db > CONVERGED_DB
                        && erle_now < st->best_erle_db - DISTURBED_DB;
    }
    st->echo_level = 0.7f * st->echo_level
                     + 0.3f * energy(fg_echo, ECHO_BLOCK) / (float)ECHO_BLOCK;

    /* Two-path: is the background's error significantly lower (copy it to the
     * foreground) or higher (put it back)? Significance is judged against the
     * energy of the difference of the two outputs. */
    {
        float spread_now = 0.0f;
        for (j = 0; j < ECHO_BLOCK; j++) {
            float d = fg_echo[j] - bg_echo[j];
            spread_now += d * d;
        }
        spread = spread_now;
    }
    st->s_ff = 0.7f * st->s_ff + 0.3f * ff;
    st->s_ee = 0.7f * st->s_ee + 0.3f * ee;
    st->s_dd = 0.7f * st->s_dd + 0.3f * near_energy;
    explained_near = st->s_ee < EXPLAINS_NEAR * st->s_dd;
    /* During the first convergence, in single talk, a background that explains
     * the near end and does at least as well as the foreground is taken by it
     * once it has learnt from this block too (below): the two-path tests judge
     * the background a block late and, on a line with no near-end noise, pass
     * only about half the time however much better it is, and the foreground,
     * a few blocks behind, lost 2 to 5 dB to it through the first second of
     * speech. */
    take_fresh = learning && far_active && !double_talk && !st->disturbed
                 && explained_near && st->s_ee <= st->s_ff;
    diff = ff - ee;
    st->diff_mean1 = 0.6f * st->diff_mean1 + 0.4f * diff;
    st->diff_mean2 = 0.85f * st->diff_mean2 + 0.15f * diff;
    st->diff_var1 = 0.36f * st->diff_var1 + 0.16f * ff * spread;
    st->diff_var2 = 0.7225f * st->diff_var2 + 0.0225f * ff * spread;
    copy_significance = (double_talk || st->disturbed) ? COPY_SIGNIFICANCE_DISTURBED
                                                       : COPY_SIGNIFICANCE;
    copy = diff * fabsf(diff) > copy_significance * ff * spread
           || st->diff_mean1 * fabsf(st->diff_mean1) > 4.0f * copy_significance * st->diff_var1
           || st->diff_mean2 * fabsf(st->diff_mean2) > 4.0f * copy_significance * st->diff_var2;
    reset = -diff * fabsf(diff) > RESET_SIGNIFICANCE * ff * spread
            || -st->diff_mean1 * fabsf(st->diff_mean1) > RESET_SIGNIFICANCE * st->diff_var1
            || -st->diff_mean2 * fabsf(st->diff_mean2) > RESET_SIGNIFICANCE * st->diff_var2;
    /* Decisions only while the far end talks: in its pauses both filters' outputs
     * are the dying tail of the echo, too little to judge by. The foreground takes
     * the background only if that cancels at all. */
    if (far_active && spread > 0.0f && copy && st->s_ee < st->s_dd) {
        echo_filter_copy_to_foreground(f);
        st->filter_updates++;
        st->diff_mean1 = st->diff_mean2 = st->diff_var1 = st->diff_var2 = 0.0f;
        st->s_ff = st->s_ee;
    } else if (far_active && spread > 0.0f && reset) {
        echo_filter_copy_to_background(f);
        st->diff_mean1 = st->diff_mean2 = st->diff_var1 = st->diff_var2 = 0.0f;
        memcpy(bg_err, fg_err, sizeof bg_err);
        bg_estimate = fg_echo;
        ee = ff;
        st->s_ee = st->s_ff;
    } else if (far_active && !double_talk && !st->disturbed
               && st->s_ee <= FOLLOW_MARGIN * st->s_ff && st->blocks % 2 == 0) {
        echo_filter_follow(f, FOLLOW_RATE);
    }

    /* Divergence: a foreground that keeps making the near end louder is dropped. */
    if (far_active) {
        /* More energy than the near end, or in double talk twice as much: loud
         * near-end speech over a little echo makes the error swing either side
         * of the near end by less than that. */
        if (ff > (double_talk ? 2.0f : 1.0f) * near_energy)
            st->worse_blocks++;
        else if (st->worse_blocks > 0)
            st->worse_blocks--;
    }
    if (st->worse_blocks >= DIVERGED_BLOCKS) {
        int drop_background = st->s_ee > st->s_dd; /* the background too if it is no better */
        echo_filter_drop(f, drop_background);
        if (drop_background) {
            st->first_convergence = 1;
            st->learn_blocks = 0;
        }
        st->divergences++;
        st->best_erle_db = 0.0f;
        st->worse_blocks = 0;
        st->diff_mean1 = st->diff_mean2 = st->diff_var1 = st->diff_var2 = 0.0f;
    }

    /* Adapt the background while the echo of the far end's talk comes back. */
    if (echo_active) {
        float bg_erle, focus, release;
        int explained;
        st->bg_near = 0.9f * st->bg_near + 0.1f * near_energy;
        st->bg_error = 0.9f * st->bg_error + 0.1f * ee;
        bg_erle = db_ratio(st->bg_near, st->bg_error);
        if (double_talk && st->best_erle_db > CONVERGED_DB)
            mu = MU_DOUBLE_TALK;
        else if (double_talk || (st->disturbed && !explained_near))
            mu = MU_DISTURBED;
        else if (bg_erle < STEP_KNEE_DB)
            mu = MU_MAX;
        else
            mu = fmaxf(MU_MIN, MU_MAX * powf(10.0f, -STEP_SLOPE * (bg_erle - STEP_KNEE_DB)));
        /* Trust the filter's shape (where its energy is) once it cancels a little. */
        focus = fminf(fmaxf((bg_erle - FOCUS_FROM_DB) / (FOCUS_FULL_DB - FOCUS_FROM_DB), 0.0f), 1.0f);
        if (bg_erle >= LEAK_UNTIL_DB)
            st->first_convergence = 0;
        /* The leak fades out over the last 5 dB before it stops. */
        release = st->first_convergence
                  ? fminf(fmaxf((LEAK_UNTIL_DB - bg_erle) / 5.0f, 0.0f), 1.0f) : 0.0f;
        explained = st->best_erle_db > CONVERGED_DB && (double_talk || !far_active);
        echo_filter_adapt(f, bg_err, mu, FOCUS_SHARE * focus, FOCUS_LEAK * focus * release,
                          far_active, (long)st->blocks, explained ? bg_estimate : NULL,
                          ECHO_EXPLAINS);
        if (take_fresh) {
            echo_filter_copy_to_foreground(f);
            st->filter_updates++;
        }
    }

    /* This block becomes the previous one. */
    memcpy(st->far_time, st->far_time + ECHO_BLOCK, ECHO_BLOCK * sizeof(float));
    st->fill = st->emitted = 0;
}

int lr_echo_process(lr_echo_state *st, const int16_t *far, const int16_t *near,
                    int16_t *out, size_t n)
{
    if (st == NULL || far == NULL || near == NULL || out == NULL)
        return LR_ERR_NULL;
    if (st->magic != STATE_MAGIC)
        return LR_ERR_STATE;
    while (n > 0) {
        int room = ECHO_BLOCK - st->fill;
        int take = n < (size_t)room ? (int)n : room;
        int j;

        /* Read the inputs first: out may be near itself. */
        for (j = 0; j < take; j++) {
            st->far_time[ECHO_BLOCK + st->fill + j] = high_pass(st, st->far_hp, (float)far[j]);
            st->near_time[st->fill + j] = high_pass(st, st->near_hp, (float)near[j]);
        }
        st->fill += take;
        if (st->fill == ECHO_BLOCK) {
            run_block(st, out);
        } else {
            echo_filter_partial(&st->filter, st->far_time, st->fill, st->partial_echo);
            emit(st, st->partial_echo, st->emitted, st->fill, out);
            st->emitted = st->fill;
        }
        far += take;
        near += take;
        out += take;
        n -= (size_t)take;
        st->samples += take;
    }
    return LR_OK;
}

int lr_echo_get_status(const lr_echo_state *st, lr_echo_status *status)
{
    if (st == NULL || status == NULL)
        return LR_ERR_NULL;
    if (st->magic != STATE_MAGIC)
        return LR_ERR_STATE;
    status->erle_db = st->best_erle_db > 0.0f ? st->best_erle_db : 0.0f;
    status->converged = st->best_erle_db > CONVERGED_DB;
    status->double_talk = st->double_talk_hold > 0;
    status->filter_updates = st->filter_updates;
    status->divergences = st->divergences;
    status->samples = st->samples;
    return LR_OK;
}
