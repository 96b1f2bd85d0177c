"""The words the profanity filter masks: every form spelled out, matched whole.

Why a closed list of forms rather than stems or prefixes: "ass" as a prefix
masks "assess" and "class", "cock" masks "cocktail", "cunt" masks
"Scunthorpe".  Listing each inflection (-s, -ed, -ing, -er, -y…) and the
usual compounds keeps every match deliberate, and a word missing here is a
one-line fix.

What is in: the strong English profanity (the fuck/shit/cunt families and
their compounds, sexual insults) and slurs, which PocketSphinx can also
hallucinate from unclear audio.  What is out on purpose: words with a common
innocent meaning, since masking them garbles ordinary speech — "ass"
(donkey), "cock" (rooster, cocking a gun), "dick" (a name), "pussy" (cat),
"prick", "piss", "screw", "crap", "damn", "hell", "bloody", "fag"
(cigarette), "dyke" (dike).  Compounds that are only ever profane
("cocksucker", "dickhead", "asshole") are in.

Forms are lowercase with no apostrophes or hyphens: "son-of-a-bitch" is
matched part by part, and "shit's" as "shit" plus the clitic "'s" (see
:mod:`captioner.core.profanity`).
"""

from __future__ import annotations

_FORMS = """
fuck fucks fucked fucking fuckin fucker fuckers fuckery fuckup fuckups
fuckhead fuckheads fuckface fuckfaces fuckwit fuckwits fuckboy fuckboys
motherfucker motherfuckers motherfucking motherfuckin clusterfuck clusterfucks

shit shits shitted shitting shitty shittier shittiest shite shitter shitters
shithead shitheads shithole shitholes shitload shitloads shitstorm shitstorms shitshow
bullshit bullshits bullshitted bullshitting bullshitter bullshitters
horseshit dipshit dipshits apeshit batshit chickenshit

cunt cunts
twat twats
wank wanks wanked wanking wanker wankers
bollocks
asshole assholes arsehole arseholes
cocksucker cocksuckers cocksucking
dickhead dickheads
bitch bitches bitched bitching bitchy sonofabitch
bastard bastards
slut sluts slutty
whore whores

nigger niggers nigga niggas
faggot faggots
kike kikes
spic spics
"""

PROFANE_WORDS: frozenset[str] = frozenset(_FORMS.split())
"""Every masked form, lowercase (matched case-insensitively, whole word only)."""
