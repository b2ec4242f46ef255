"""The reference: Mesa's textbook wealth model, written with the Mesa 3.5 API.

Every agent starts with one unit; each step, in a random order (``shuffle_do``), every agent
holding wealth gives one unit to a randomly chosen agent (possibly itself, as in the textbook).
No data collection.  Randomness comes only from the model's numpy Generator.

Two variants, because the way the partner is drawn changes the cost of a step tenfold:

* ``lean`` draws every agent's partner index for the step in one numpy call and looks it up
  in a plain list of the agents.  This is the cheapest honest form of the textbook step and
  the strict reference for the ratio target.
* ``textbook`` draws the partner inside the agent's step from ``model.agents`` (an AgentSet),
  as the tutorial does.  Indexing an AgentSet copies its members, so this step costs O(N).
"""

from __future__ import annotations

import mesa

from .stats import Timing, time_repeats

N_AGENTS = 2000
STEPS = 156
VARIANTS = ("lean", "textbook")


class WealthAgent(mesa.Agent):
    """Starts with one unit of wealth."""

    def __init__(self, model: mesa.Model):
        super().__init__(model)
        self.wealth = 1


class LeanWealthAgent(WealthAgent):
    def step(self) -> None:
        if self.wealth > 0:
            model = self.model
            other = model.members[model.partners[model.cursor]]
            model.cursor += 1
            other.wealth += 1
            self.wealth -= 1


class TextbookWealthAgent(WealthAgent):
    def step(self) -> None:
        if self.wealth > 0:
            agents = self.model.agents
            other = agents[int(self.model.rng.integers(len(agents)))]
            other.wealth += 1
            self.wealth -= 1


class WealthModel(mesa.Model):
    """``n`` agents of ``agent_class``; each step shuffles them and calls their ``step``."""

    agent_class: type[WealthAgent] = TextbookWealthAgent

    def __init__(self, n: int = N_AGENTS, rng: int | None = None):
        super().__init__(rng=rng)
        for _ in range(n):
            self.agent_class(self)
        self.members = list(self.agents)

    def step(self) -> None:
        self.agents.shuffle_do("step")


class TextbookWealthModel(WealthModel):
    agent_class = TextbookWealthAgent


class LeanWealthModel(WealthModel):
    agent_class = LeanWealthAgent
    partners: list[int] = []
    cursor = 0

    def step(self) -> None:
        self.partners = self.rng.integers(0, len(self.members), len(self.members)).tolist()
        self.cursor = 0
        super().step()


MODELS = {"lean": LeanWealthModel, "textbook": TextbookWealthModel}


def run_wealth(variant: str, n: int = N_AGENTS, steps: int = STEPS, seed: int = 0) -> mesa.Model:
    """Build and run one wealth model; returns it (total wealth stays ``n``)."""
    model = MODELS[variant](n, rng=seed)
    for _ in range(steps):
        model.step()
    return model


def time_wealth(variant: str, repeats: int, n: int = N_AGENTS, steps: int = STEPS) -> Timing:
    """Seconds per whole run (construction included, as for our runs); ``n * steps`` is the
    number of agent-steps in one run."""
    seeds = iter(range(repeats))
    return time_repeats(lambda: (lambda s=next(seeds): run_wealth(variant, n, steps, s)),
                        repeats)
