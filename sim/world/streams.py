"""One random generator per process, so that common random numbers survive a policy change.

Every stochastic process of the model draws from its own named stream.  A stream's generator
is seeded from the run's seed and the stream's name (``SeedSequence(seed, spawn_key=(crc32
(name),))``), not from the order in which processes ask for numbers.  So a change that makes
one process draw more or fewer numbers (a hiring rule, a tactic, a policy) leaves the draws of
every other process exactly where they were, and paired runs stay paired.
"""

from __future__ import annotations

import zlib

import numpy as np

#: The processes that draw random numbers, and what each stream is for.
STREAMS = {
    "org": "initial organisation: manager skill, initial reps, initial books",
    "accounts": "attributes of accounts: potential and difficulty",
    "arrivals": "how many new accounts arrive each week",
    "opportunities": "deal pipeline: which accounts open an opportunity each week, and its size",
    "wins": "deal pipeline: whether a closing deal is won, and whether an open one lapses",
    "churn": "accounts that leave the firm",
    "offers": "outside offers that reach reps",
    "slumps": "personal slumps: start, cause and length",
    "signals": "warning signs reps show",
    "detection": "what managers notice, and which urgency claims they check",
    "tactics": "reps' tactic choices",
    "leverage": "threats and demands, and whether threats are carried out",
    "concessions": "whether a manager grants a demand",
    "quits": "resignations",
    "handover": "which accounts follow a leaver, and interim owners",
    "hiring": "attributes of new hires",
    "support": "whether a manager's help ends a slump",
    "perception": "noise in reps' estimates of their own revenue at risk",
    "sensitivity": "each new rep's stress sensitivity to monitoring",
    "disclosure": "what a rep discloses in a 1:1",
    "monitoring": "which tactics monitoring catches",
    "manager": "backups and rotations a manager orders",
}


class Streams:
    """Named generators, created on first use from the run's entropy."""

    def __init__(self, entropy: int):
        self.entropy = int(entropy)
        self._gens: dict[str, np.random.Generator] = {}

    def __getitem__(self, name: str) -> np.random.Generator:
        gen = self._gens.get(name)
        if gen is None:
            key = (zlib.crc32(name.encode()),)
            gen = np.random.default_rng(np.random.SeedSequence(self.entropy, spawn_key=key))
            self._gens[name] = gen
        return gen

    def __setattr__(self, name: str, value) -> None:
        if name == "_gens":  # a new set of generators (say, a saved state put back)
            for stream in STREAMS:
                self.__dict__.pop(stream, None)
        elif not name.startswith("_") and name != "entropy":
            self._gens[name] = value  # ``streams.x = gen`` is what ``streams["x"]`` gives
        object.__setattr__(self, name, value)

    def by_slot(self, name: str, slots: np.ndarray, capacity: int) -> np.ndarray:
        """One uniform per rep slot from stream ``name``: a full row of ``capacity`` draws is
        taken and each rep reads its own slot's, so a rep's draw does not move when other
        reps join or leave (a quit in one run of a pair does not re-deal everyone's draws)."""
        return self[name].random(capacity)[slots]

    def __getattr__(self, name: str) -> np.random.Generator:
        if name.startswith("_"):
            raise AttributeError(name)
        gen = self[name]
        if name in STREAMS:  # the next ``streams.name`` finds it without calling this
            self.__dict__[name] = gen
        return gen
