#include "aes_hardware.h"

#include <string.h>

void tka_wipe(void *bytes, size_t length) {
    volatile uint8_t *wipe = (volatile uint8_t *)bytes;
    for (size_t i = 0; i < length; i++) wipe[i] = 0;
}

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>

int tka_aes_hardware_available(void) {
    unsigned int eax, ebx, ecx, edx;
    if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return 0;
    return (ecx & bit_AES) != 0;
}

/* SubWord of a key-schedule word (bytes in memory order, read little-endian): AESKEYGENASSIST applies the S-box to
 * the word in lane 1 and returns it in lane 0. */
__attribute__((target("aes,sse2"))) static uint32_t sub_word(uint32_t word) {
    __m128i lanes = _mm_set_epi32(0, 0, (int)word, 0);
    return (uint32_t)_mm_cvtsi128_si32(_mm_aeskeygenassist_si128(lanes, 0));
}

int tka_aes_expand_key(const uint8_t *key, size_t key_length, uint8_t schedule[TKA_AES_SCHEDULE_BYTES]) {
    if (key_length != 16 && key_length != 24 && key_length != 32) return 0;
    if (!tka_aes_hardware_available()) return 0;
    const size_t nk = key_length / 4;
    const int rounds = (int)nk + 6;
    const size_t total = 4 * ((size_t)rounds + 1);
    uint32_t words[60];
    memcpy(words, key, key_length);
    uint32_t rcon = 1;
    /* FIPS-197 section 5.2. A word's first byte is its lowest on x86, so RotWord is a rotation right by 8 and
     * Rcon goes into the lowest byte. */
    for (size_t i = nk; i < total; i++) {
        uint32_t temp = words[i - 1];
        if (i % nk == 0) {
            temp = sub_word((temp >> 8) | (temp << 24)) ^ rcon;
            rcon = (rcon << 1) ^ ((rcon & 0x80) ? 0x11b : 0);
        } else if (nk > 6 && i % nk == 4) {
            temp = sub_word(temp);
        }
        words[i] = words[i - nk] ^ temp;
    }
    memcpy(schedule, words, total * 4);
    tka_wipe(words, sizeof(words)); /* the words are key material: clear the stack copy */
    return rounds;
}

__attribute__((target("aes,sse2"))) void tka_aes_cbc_mac(const uint8_t *schedule, int rounds, const uint8_t start[16],
                                                         const uint8_t *data, size_t block_count, uint8_t out[16]) {
    const __m128i *keys = (const __m128i *)schedule;
    __m128i state = _mm_loadu_si128((const __m128i *)start);
    for (size_t block = 0; block < block_count; block++) {
        state = _mm_xor_si128(state, _mm_loadu_si128((const __m128i *)(data + 16 * block)));
        state = _mm_xor_si128(state, _mm_loadu_si128(keys));
        for (int round = 1; round < rounds; round++) state = _mm_aesenc_si128(state, _mm_loadu_si128(keys + round));
        state = _mm_aesenclast_si128(state, _mm_loadu_si128(keys + rounds));
    }
    _mm_storeu_si128((__m128i *)out, state);
}

#else

int tka_aes_hardware_available(void) { return 0; }

int tka_aes_expand_key(const uint8_t *key, size_t key_length, uint8_t schedule[TKA_AES_SCHEDULE_BYTES]) {
    (void)key;
    (void)key_length;
    (void)schedule;
    return 0;
}

void tka_aes_cbc_mac(const uint8_t *schedule, int rounds, const uint8_t start[16], const uint8_t *data,
                     size_t block_count, uint8_t out[16]) {
    (void)schedule;
    (void)rounds;
    (void)start;
    (void)data;
    (void)block_count;
    (void)out;
    __builtin_trap(); /* never called: tka_aes_hardware_available() is 0 */
}

#endif
