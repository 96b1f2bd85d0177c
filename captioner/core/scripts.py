"""Character ranges of the scripts written without spaces between words.

Subtitle cutting (:mod:`.cues`), the profanity filter (:mod:`.profanity`) and
the cloud engine's lines built from part of a turn
(``engines/assemblyai/turn_text.py``) each need to know where a run of
Chinese, Japanese or Thai letters is: one copy of the ranges, so that a
script added for one is not missed by the others.  Ranges only (for a regex
character class); each module composes the set it needs.  Hangul spaces its
words and is in none of them.
"""

from __future__ import annotations

# Thai, Lao, Myanmar, Khmer: they space their phrases but not their words.
PHRASED = "\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff"
# Kana, Bopomofo and its extension, Han ideographs (extension A, unified, compatibility).
KANA_HAN = "\u3040-\u30ff\u3100-\u312f\u31a0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
# Written among them, not letters: CJK radicals, symbols and punctuation, full-width forms.
CJK_MARKS = "\u2e80-\u2fdf\u3000-\u303f\uff00-\uff60"
HALFWIDTH_KANA = "\uff66-\uff9f"
HAN_BEYOND_BMP = "\U00020000-\U0003134f"  # rare ideographs (two UTF-16 units each)
