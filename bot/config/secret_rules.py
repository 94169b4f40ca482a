"""How strong a secret must be before a production process may start with it."""

from __future__ import annotations

import math
from collections import Counter

DEMO_SECRET = "demo-only-not-secret"
MAKE_SECRET = 'python -c "import secrets; print(secrets.token_urlsafe(32))"'
# 64 bits is the floor for a secret nobody can guess offline; token_urlsafe(32) has 256.
# Measured with zxcvbn (log2 of its guesses): token_urlsafe(32) about 140 (it caps its
# brute-force estimate), token_urlsafe(16) 73; "changeme-changeme-changeme" 26, the demo
# placeholder written twice 51, "qwertyuiopasdfghjkl" 15.
MIN_SECRET_BITS = 64.0
# zxcvbn refuses longer input (and its cost grows with length); a longer secret is judged
# by its first characters, which only errs towards refusing.
ZXCVBN_MAX_CHARS = 72


def weak_secret_reason(value: str) -> str | None:
    """Why a secret is too easy to guess, or None when it is good enough."""
    if not value or not value.strip():
        return "is not set"
    if DEMO_SECRET in value.lower():
        return "is or contains the demo placeholder"
    if len(value) < 16:
        return f"is too short ({len(value)} characters, at least 16)"
    counts = Counter(value)
    if len(counts) < 8:
        return f"uses only {len(counts)} different characters"
    # Shannon entropy of the characters as they occur: a crude but safe upper bound on how
    # much guessing the string resists ("aaaa..." scores 0, a random url-safe token ~6/char).
    per_char = -sum(n / len(value) * math.log2(n / len(value)) for n in counts.values())
    if per_char * len(value) < MIN_SECRET_BITS:
        return f"has too little entropy (about {per_char * len(value):.0f} bits, at least 64)"
    # How people really pick secrets: words, repeats, keyboard rows, sequences and dates
    # ("changeme-changeme-changeme" has many different characters and still falls in 2^26
    # guesses). Imported here: its word lists are loaded only when a secret is checked.
    from zxcvbn import zxcvbn

    bits = math.log2(zxcvbn(value[:ZXCVBN_MAX_CHARS])["guesses"])
    if bits < MIN_SECRET_BITS:
        return (
            f"is easy to guess (words, repeats, keyboard rows or sequences: about {bits:.0f} "
            f"bits, at least {MIN_SECRET_BITS:.0f})"
        )
    return None
