/*
 * levels.h - the dBm0 scale of the C kernels, the same as dsp_ext.levels.
 *
 * G.711 puts A-law's full scale (32 768 in 16-bit linear) at +3.14 dBm0.
 */
#ifndef LR_LEVELS_H
#define LR_LEVELS_H

#define DBM0_PEAK 22827.06                         /* peak of a 0 dBm0 sine */
#define DBM0_POWER (DBM0_PEAK * DBM0_PEAK / 2.0)   /* its mean power */

#endif
