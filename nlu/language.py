"""The NLU's view of a message's language; the detector itself lives in `chattext`."""

from chattext.language import EN, VI, detect_language

__all__ = ["EN", "VI", "detect_language"]
