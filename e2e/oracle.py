"""Token schemes written here independently of the service, from their specifications (RFC 5869 HKDF, RFC 2104
HMAC, RFC 5297 AES-SIV, NIST SP 800-38G FF1) and the token formats of docs/behaviour.md, so the tests can check every
value the service wrote against its original without trusting the service's own code."""
import base64
import hashlib
import hmac
import math

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESSIV

ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def hkdf_sha256(ikm, salt, info, length):
    prk = hmac.new(salt, ikm, hashlib.sha256).digest()
    okm, block, counter = b"", b"", 1
    while len(okm) < length:
        block = hmac.new(prk, block + info + bytes([counter]), hashlib.sha256).digest()
        okm += block
        counter += 1
    return okm[:length]


def subkey(secret, purpose, length):
    return hkdf_sha256(secret, b"tokenize-action", b"v1 " + purpose.encode(), length)


def b64url(data):
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def hmac_token(value, key_id, secret):
    digest = hmac.new(subkey(secret, "hmac-sha256", 32), value.encode(), hashlib.sha256).digest()
    return f"tkh_{key_id}_{b64url(digest)}"


def siv_token(value, key_id, secret):
    sealed = AESSIV(subkey(secret, "aes-siv-256", 64)).encrypt(value.encode(), [key_id.encode()])
    return f"tks_{key_id}_{b64url(sealed)}"


class FF1:
    """NIST SP 800-38G FF1 with AES, empty tweak."""

    def __init__(self, key, radix):
        self.radix = radix
        self.encryptor = Cipher(algorithms.AES(key), modes.ECB()).encryptor()  # ECB: each block on its own

    def _aes(self, block):
        return self.encryptor.update(block)

    def _prf(self, data):
        y = bytes(16)
        for offset in range(0, len(data), 16):
            y = self._aes(bytes(a ^ b for a, b in zip(y, data[offset:offset + 16])))
        return y

    def _num(self, digits):
        value = 0
        for digit in digits:
            value = value * self.radix + digit
        return value

    def _str(self, value, length):
        digits = []
        for _ in range(length):
            value, digit = divmod(value, self.radix)
            digits.append(digit)
        return digits[::-1]

    def encrypt(self, numerals):
        n, t = len(numerals), 0
        u, v = n // 2, n - n // 2
        a, b = numerals[:u], numerals[u:]
        byte_count = math.ceil(math.ceil(v * math.log2(self.radix)) / 8)
        d = 4 * math.ceil(byte_count / 4) + 4
        p = bytes([1, 2, 1]) + self.radix.to_bytes(3, "big") + bytes([10, u % 256]) + n.to_bytes(4, "big") + t.to_bytes(4, "big")
        for i in range(10):
            q = bytes((-t - byte_count - 1) % 16) + bytes([i]) + self._num(b).to_bytes(byte_count, "big")
            r = self._prf(p + q)
            s = r
            j = 1
            while len(s) < d:
                s += self._aes(bytes(a ^ b for a, b in zip(r, j.to_bytes(16, "big"))))  # R xor [j]^16
                j += 1
            m = u if i % 2 == 0 else v
            c = (self._num(a) + int.from_bytes(s[:d], "big")) % (self.radix ** m)
            a, b = b, self._str(c, m)
        return a + b


_ciphers = {}


def _ff1(secret, radix):
    key = (secret, radix)
    if key not in _ciphers:
        _ciphers[key] = FF1(subkey(secret, "ff1-aes-256", 32), radix)
    return _ciphers[key]


FF1_MAXIMUM_LENGTH = 4096  # docs/tables.md, ff1 rule: more letters and digits than this get an siv token


def ff1_token(value, key_id, secret):
    """The format-preserving token: FF1 over the ASCII letters and digits (the local part of an email), radix 10
    for digits only, else 62 with cycle-walking until a letter remains; below NIST's minimum domain or above
    FF1_MAXIMUM_LENGTH letters and digits, an siv token."""
    chars = list(value)
    end = value.rfind("@") if "@" in value else len(chars)
    positions = [i for i in range(end) if chars[i] in ALPHABET and chars[i].isascii()]
    numerals = [ALPHABET.index(chars[i]) for i in positions]
    if not numerals or len(numerals) > FF1_MAXIMUM_LENGTH:
        return siv_token(value, key_id, secret)
    radix = 10 if all(n < 10 for n in numerals) else 62
    if radix ** len(numerals) < 1_000_000:
        return siv_token(value, key_id, secret)
    cipher = _ff1(secret, radix)
    result = numerals
    while True:
        result = cipher.encrypt(result)
        if radix == 10 or any(n >= 10 for n in result):
            break
    for position, numeral in zip(positions, result):
        chars[position] = ALPHABET[numeral]
    return "".join(chars)


TOKENS = {"hmac": hmac_token, "siv": siv_token, "ff1": ff1_token}


def token(scheme, value, key_id, secret):
    return TOKENS[scheme](value, key_id, secret)


def key_material(secret):
    """Every byte string derived from a key that must never leave the service: the secret, each scheme's
    subkey, and the hmac pads (the subkey padded to SHA-256's 64-byte block, XOR 0x36 and 0x5c)."""
    hmac_key = subkey(secret, "hmac-sha256", 32).ljust(64, b"\0")
    ledger_key = subkey(secret, "ff1-ledger", 32)
    return {
        "secret": secret, "hmac subkey": subkey(secret, "hmac-sha256", 32), "siv subkey": subkey(secret, "aes-siv-256", 64),
        "ff1 subkey": subkey(secret, "ff1-aes-256", 32), "hmac inner pad": bytes(b ^ 0x36 for b in hmac_key),
        "hmac outer pad": bytes(b ^ 0x5C for b in hmac_key), "ff1 ledger subkey": ledger_key,
        "ff1 ledger inner pad": bytes(b ^ 0x36 for b in ledger_key.ljust(64, b"\0")),
        "ff1 ledger outer pad": bytes(b ^ 0x5C for b in ledger_key.ljust(64, b"\0")),
    }


def bytea_escape(data):
    """PostgreSQL's bytea escape output format: printable ASCII as is (backslash doubled), the rest as octal."""
    return "".join("\\\\" if b == 0x5C else chr(b) if 0x20 <= b < 0x7F else f"\\{b:03o}" for b in data)


def searchable_forms(data):
    """How bytes may appear in a log: hex (both cases), base64 and base64url at every byte alignment (a window of
    24 bytes, so the bytes are found inside a longer encoded blob too), and bytea escape form."""
    forms = {data.hex(), data.hex().upper(), bytea_escape(data[:24])}
    for shift in range(3):
        window = data[shift:shift + 24]
        if len(window) == 24:
            forms.add(base64.b64encode(window).decode())
            forms.add(base64.urlsafe_b64encode(window).decode())
    forms.add(data[:16].hex())
    return forms



def secret_forms(text):
    """How a password or token may appear: as is, in hex, and base64-encoded alone or inside a longer blob."""
    data = text.encode()
    forms = {text, base64.b64encode(data).decode(), data.hex()} | searchable_forms(data)
    for shift in range(3):
        window = data[shift:shift + 18]
        if len(window) == 18:
            forms.add(base64.b64encode(window).decode())
    return forms
