#ifndef TOKENIZE_ACTION_AES_HARDWARE_H
#define TOKENIZE_ACTION_AES_HARDWARE_H

#include <stddef.h>
#include <stdint.h>

/* AES encryption (FIPS-197) with the processor's AES instructions and a key schedule computed once.
 * Only the forward direction: FF1 and CBC-MAC never decrypt a block. Callers check
 * tka_aes_hardware_available() and otherwise use a library implementation. */

/* Bytes of an expanded key: 4 * (14 + 1) words of 4 bytes, enough for AES-256. */
#define TKA_AES_SCHEDULE_BYTES 240

/* 1 when this build and processor have the AES instructions (x86-64 AES-NI), else 0. */
int tka_aes_hardware_available(void);

/* Expands a 16-, 24- or 32-byte key into `schedule` and returns the number of rounds (10, 12 or 14), or 0 when the
 * key length is wrong or the hardware is missing. */
int tka_aes_expand_key(const uint8_t *key, size_t key_length, uint8_t schedule[TKA_AES_SCHEDULE_BYTES]);

/* CBC-MAC: x = start; then for each of `block_count` 16-byte blocks of `data`, x = AES(x XOR block). Writes x to
 * `out` (which may alias `start`). With block_count 0, `out` is `start`; encrypt one block X with start = 0 and
 * data = X. */
void tka_aes_cbc_mac(const uint8_t *schedule, int rounds, const uint8_t start[16], const uint8_t *data,
                     size_t block_count, uint8_t out[16]);

/* Zeroes `length` bytes at `bytes` in a way the compiler may not drop (for key material about to be freed). */
void tka_wipe(void *bytes, size_t length);

#endif
