/*
 * lr_g711.h - ITU-T G.711 A-law and mu-law, bit-exact with the G.191
 * reference code (16-bit linear in and out).
 *
 * The buffer functions take n samples and return LR_OK, or LR_ERR_NULL when
 * n > 0 and a buffer is NULL. n == 0 is a valid no-op. Input and output may be
 * the same buffer only for the 8-bit transcoders.
 */
#ifndef LR_G711_H
#define LR_G711_H

#include "lr_common.h"

int lr_alaw_encode(const int16_t *pcm, size_t n, uint8_t *alaw);
int lr_alaw_decode(const uint8_t *alaw, size_t n, int16_t *pcm);
int lr_ulaw_encode(const int16_t *pcm, size_t n, uint8_t *ulaw);
int lr_ulaw_decode(const uint8_t *ulaw, size_t n, int16_t *pcm);

/* Transcoding per the G.711 conversion tables (Tables 3 and 4). */
int lr_alaw_to_ulaw(const uint8_t *alaw, size_t n, uint8_t *ulaw);
int lr_ulaw_to_alaw(const uint8_t *ulaw, size_t n, uint8_t *alaw);

/*
 * Single-sample forms computed from the G.191 formulas, without tables. The
 * buffer functions are table-driven; these are what the tables are built
 * from, and what other kernels use for a sample or two.
 */
uint8_t lr_alaw_encode_sample(int16_t linear);
int16_t lr_alaw_decode_sample(uint8_t alaw);
uint8_t lr_ulaw_encode_sample(int16_t linear);
int16_t lr_ulaw_decode_sample(uint8_t ulaw);

#endif
