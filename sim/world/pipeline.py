"""The deal pipeline: demand arrives as opportunities that reps work, time and win or lose.

Every opportunity is a row of numpy columns (like accounts): its account, size, win
probability, the work it still needs and the earliest week it may close.  Each week

1. opportunities follow their account (owner changes, churn, a leaver taking the client);
2. the attention an account gets this week moves its opportunities forward;
3. in the last ``timing_weeks`` of a quota period each rep decides, deal by deal, whether to
   pull a not-yet-ready deal in (a discount the firm pays, a lower win chance) or push a
   ready one into the next period (a risk of losing it), by what each choice pays under its
   own plan (:func:`timing_choice`);
4. ready deals close and are won or lost; open deals lapse at ``lose_rate``;
5. new opportunities arrive: an account opens one with probability seasonal demand /
   ``deal_weeks``, sized ``deal_weeks`` weeks of the account's demand (lognormal spread).

Random numbers come from pre-drawn tables read at one random offset per week per stream
(``opportunities``, ``wins``), so the number of draws a week never depends on how many
reps, accounts or deals there are: a change in hiring leaves the demand draws unchanged.
See docs/ODD.md 7.8.

With ``R`` replications side by side (sim.world.replicas) each replication has its own
tables and offsets, drawn from its own streams at the serial size, and reads them with the
keys its serial run would use: its local account row (``account // R``) and its own running
deal number (``uid``, counted per replication).  A deal's replication is ``account % R``.
"""

from __future__ import annotations

import numpy as np

from sim.world import deal_kernels, kernels
from sim.world.collect import DEALS_LOST, DEALS_PULLED, DEALS_PUSHED, DEALS_WON
from sim.world.compensation import next_period, ratchet_cost
from sim.world.draw_tables import DrawTable
from sim.world.replicas import total
from sim.world.state import Table

TABLE_MIN = 1 << 16  # smallest pre-drawn table of uniforms / normals


class Opportunities(Table):
    COLUMNS = {
        "uid": (np.int64, -1),          # running number of its replication (keys the tables)
        "account": (np.int64, -1),
        "size": (np.float64, 0.0),      # currency at the owner's full conversion
        "p_win": (np.float64, 0.0),
        "progress": (np.float64, 0.0),  # full-service weeks of work done
        "speed": (np.float64, 0.0),     # work done last week
        "born": (np.int32, 0),
        "hold": (np.int32, 0),          # earliest week it may close (pushed deals)
        "pulled": (np.bool_, False),
    }

    def columns(self) -> list[np.ndarray]:
        """Every column, in the order of ``COLUMNS`` (the deal kernels' arguments)."""
        return [self.__dict__[name] for name in self.COLUMNS]

    def keep(self, mask: np.ndarray) -> None:
        """Drop the rows where ``mask`` is False (order kept)."""
        if kernels.on(mask.size, self.__dict__.get("R", 1)):
            self.n = deal_kernels.compact_deals(mask, *self.columns())
            return
        rows = mask.nonzero()[0]
        k = rows.size
        d = self.__dict__
        for name in self.COLUMNS:
            d[name][:k] = d[name][rows]
        self.n = k


if tuple(Opportunities.COLUMNS) != deal_kernels.DEAL_COLUMNS:  # the kernels' argument order
    raise ImportError("sim.world.deal_kernels.DEAL_COLUMNS must list Opportunities.COLUMNS")


def _per_repl(repl: np.ndarray, R: int) -> tuple[np.ndarray, np.ndarray]:
    """Rank of each entry among the entries of its replication (in order), and the count of
    each replication."""
    counts = np.bincount(repl, minlength=R)
    order = np.argsort(repl, kind="stable")
    rank = np.empty(repl.size, dtype=np.int64)
    rank[order] = np.arange(repl.size) - (np.cumsum(counts) - counts)[repl[order]]
    return rank, counts


class Pipeline:
    def __init__(self, model, capacity: int):
        """``capacity``: the serial (one replication's) initial book capacity, which sizes
        the random tables, so that every replication reads the tables of its serial run."""
        self.opp = Opportunities(capacity * model.R)
        self.opp.R = model.R  # (the kernels' size threshold is per replication)
        size = max(TABLE_MIN, 8 * capacity)
        keep = model.R > 1 and kernels.on(capacity * model.R, model.R)
        self.demand = DrawTable(model, "opportunities", size, keep=keep)
        self.outcome = DrawTable(model, "wins", size, normals=False, keep=keep)  # (uniforms)
        self.next_uid = 0 if model.R == 1 else np.zeros(model.R, dtype=np.int64)

    def week(self, model, idx, own, service, conv, base, discount):
        """Run the pipeline's week; return revenue per account of ``idx`` and discounts (a
        float, or one per replication at ``R > 1``)."""
        o = self.opp
        self.demand.new_week(model)
        self.outcome.new_week(model)
        k, owner, repl = self._advance(model, idx, own, service)
        n = o.n
        pull, push = timing_choice(model, self, owner, conv)
        o.pulled[:n] = pull
        o.hold[:n] = np.where(push, model.week + model.plan.weeks_left[model.woy], o.hold[:n])
        settle = self._settle_compiled if kernels.on(n, model.R) else self._settle
        revenue, discounts, (won, lost, pulled), stay = settle(model, idx, k, owner, conv,
                                                               discount, pull, repl)
        row = model.collector.row  # the week's figures (sim.world.collect)
        row[DEALS_WON], row[DEALS_LOST] = won, lost
        pushed = (np.count_nonzero(push) if repl is None
                  else np.bincount(repl[push], minlength=model.R))
        row[DEALS_PULLED], row[DEALS_PUSHED] = pulled, pushed
        o.keep(stay)
        self.arrive(model, idx, base)
        return revenue, discounts

    def _advance(self, model, idx, own, service):
        """Drop the deals whose account churned, left or lost its owner; the rest take this
        week's service of their account as their speed and add it to their progress.  Return
        each deal's position in ``idx``, its owner and its replication (None at R = 1)."""
        o = self.opp
        if kernels.on(o.n, model.R):
            o.n, k, owner, repl = deal_kernels.advance_deals(
                o.n, idx, model.book.n, own, service, model.R, *o.columns())
            return k, owner, None if model.R == 1 else repl
        pos = np.empty(model.book.n, dtype=np.int64)
        pos.fill(-1)
        pos[idx] = np.arange(idx.size)
        o.keep(pos[o.view("account")] >= 0)  # the account churned, left or lost its owner
        n = o.n
        k = pos[o.account[:n]]
        o.speed[:n] = service[k]
        o.progress[:n] += o.speed[:n]
        return k, own[k], None if model.R == 1 else o.account[:n] % model.R

    def _settle(self, model, idx, k, owner, conv, discount, pull, repl=None):
        """Which deals are ready, won, lost or lapsed; revenue per account of ``idx``;
        discounts given away; (won, lost, pulled) counts; which deals stay open.  With
        ``repl`` (each deal's replication, R > 1) discounts and counts are per replication."""
        pp, o, n = model.sc.pipeline, self.opp, self.opp.n
        ready = ((o.progress[:n] >= pp.work_weeks) & (o.hold[:n] <= model.week)) | pull
        p = np.where(pull, pull_win(pp, o, n), o.p_win[:n])
        u = self.outcome.uniform(o.uid[:n], repl)
        won = ready & (u < p)
        # Lapsing uses the other end of the uniform: independent of the win draw.
        lapsed = ~ready & (u > 1 - pp.lose_rate)
        price = np.where(pull, 1 - pp.pull_discount, 1.0)
        full = o.size[:n] * conv[owner] * won
        d = discount[owner]
        volume = full * (1 + model.sc.tactics.urgency_elasticity * d)
        revenue_opp = volume * price * (1 - d)
        given = volume * (1 - price * (1 - d))
        revenue = np.bincount(k, weights=revenue_opp, minlength=idx.size)
        if repl is None:
            discounts = float(np.add.reduce(given))
            count = np.count_nonzero
        else:  # each replication's deals, pairwise in their order, as its serial sum
            discounts = total(model, given, o.account[:n])
            count = lambda m: np.bincount(repl[m], minlength=model.R)  # noqa: E731
        counts = (count(won), count(ready & ~won) + count(lapsed), count(pull))
        return revenue, discounts, counts, ~(ready | lapsed)

    def _settle_compiled(self, model, idx, k, owner, conv, discount, pull, repl=None):
        """:meth:`_settle` as one compiled pass (sim.world.kernels.settle_deals)."""
        pp, o, n = model.sc.pipeline, self.opp, self.opp.n
        disc_opp = np.empty(n)
        stay = np.empty(n, dtype=bool)
        R = model.R
        u = self.outcome.uniform(o.uid[:n], repl)
        counts = np.zeros((R, 3), dtype=np.int64)
        revenue = kernels.settle_deals(
            o.progress[:n], o.hold[:n], o.p_win[:n], o.size[:n], u, pull, k, owner,
            conv, discount, np.zeros(n, dtype=np.int64) if repl is None else repl,
            model.week, pp.work_weeks, pp.pull_win_loss, pp.lose_rate, pp.pull_discount,
            model.sc.tactics.urgency_elasticity, idx.size, counts, disc_opp, stay)
        if repl is not None:
            return revenue, total(model, disc_opp, o.account[:n]), tuple(counts.T.copy()), stay
        return revenue, float(disc_opp.sum()), tuple(int(x) for x in counts[0]), stay

    def arrive(self, model, idx: np.ndarray, base: np.ndarray) -> None:
        """New opportunities: account i opens one with probability demand / deal_weeks, with
        the demand of the week ``lead_weeks`` ahead (clients open deals for the season they
        buy for)."""
        pp = model.sc.pipeline
        ahead = model.cal.multiplier[(model.woy + pp.lead_weeks) % len(model.cal.multiplier)]
        p = min(float(ahead) / pp.deal_weeks, 1.0)
        if model.R == 1:
            new = (self.demand.uniform(idx) < p).nonzero()[0]
            if new.size == 0:
                return
            z = self.demand.normal(idx[new])
            uid = np.arange(self.next_uid, self.next_uid + new.size)
            self.next_uid += new.size
        elif self.demand.kept():  # the same, in one compiled pass over the kept tables
            self.demand.warm(idx[-1] // model.R + 1 if idx.size else 0)
            new, z, uid = deal_kernels.arrivals_stacked(
                idx, model.R, p, self.demand.u.rows, self.demand.z.rows, self.demand.offset,
                self.next_uid)
            if new.size == 0:
                return
        else:
            # Keyed by the local account row in its replication's table; a new deal's uid
            # is its replication's running number plus its rank among that replication's
            # new deals (which come in idx order, the serial order).
            repl, loc = idx % model.R, idx // model.R
            new = (self.demand.uniform(loc, repl) < p).nonzero()[0]
            if new.size == 0:
                return
            rn = repl[new]
            z = self.demand.normal(loc[new], rn)
            rank, made = _per_repl(rn, model.R)
            uid = self.next_uid[rn] + rank
            self.next_uid += made
        s = pp.deal_sigma
        size = base[new] * pp.deal_weeks * np.exp(s * z - 0.5 * s * s)
        self.opp.add(new.size, uid=uid, account=idx[new], size=size, p_win=pp.win_base,
                     progress=0.0, speed=0.0, born=model.week, hold=model.week, pulled=False)

    def expected_in_period(self, model, owner: np.ndarray, conv: np.ndarray):
        """Per open deal: weeks it still needs at last week's pace, whether that fits in the
        period, and its expected value to the rep (win chance x survival x size)."""
        pp, o = model.sc.pipeline, self.opp
        n = o.n
        need = np.maximum(pp.work_weeks - o.progress[:n], 0) / np.maximum(o.speed[:n], 1e-9)
        fits = (need < model.plan.weeks_left[model.woy]) & (o.hold[:n] <= model.week)
        value = o.p_win[:n] * o.size[:n] * conv[owner]
        return need, fits, value * (1 - pp.lose_rate) ** np.minimum(need, 52)


def pull_win(pp, o: Opportunities, n: int) -> np.ndarray:
    """Win chance of a deal closed early: the client is as ready as the work done on it,
    and a rushed close loses ``pull_win_loss`` of that."""
    ready = np.minimum(o.progress[:n] / pp.work_weeks, 1.0)
    return o.p_win[:n] * (1 - pp.pull_win_loss) * ready


def timing_choice(model, pipe: Pipeline, owner: np.ndarray, conv: np.ndarray):
    """Pull-in and push-out decisions in the last weeks of a period, deal by deal.

    A rep values a deal closing this period at the commission it adds to its expected period
    total (minus what a known ratchet costs next period), and a deal closing next period at
    next period's commission per unit at its expected next-period sales.  It pulls a deal in
    when the discounted, riskier sale now pays more than waiting, and pushes a ready deal out
    when the risky sale next period pays more than closing now.  Each deal is weighed
    against the rep's expected total with its other deals as they stand.
    """
    pp, plan, r, o = model.sc.pipeline, model.plan, model.reps, pipe.opp
    n = o.n
    none = np.zeros(n, dtype=bool)
    if n == 0 or plan.weeks_left[model.woy] > pp.timing_weeks:
        return none, none
    need, fits, value = pipe.expected_in_period(model, owner, conv)
    exp_rep = np.zeros(r.n)
    exp_rep[owner] = r.period_sales[owner]  # each owner's own sales (repeats write the same)
    np.add.at(exp_rep, owner[fits], value[fits])
    S, q, rate = exp_rep[owner], r.quota[owner], r.rate[owner]
    # What each owner expects of next period, worked out once per owner and read by its
    # deals (every step is elementwise per rep, so the values are those per deal).
    reps = np.bincount(owner, minlength=r.n).nonzero()[0]
    row = np.empty(r.n, dtype=np.int64)
    row[reps] = np.arange(reps.size)
    deal_row = row[owner]
    q_rep, s_rep = next_period(model, reps)
    unit_next = plan.unit_value(s_rep, q_rep, r.rate[reps])[deal_row]
    rc = ratchet_cost(model, reps)[deal_row]
    over = lambda x: np.maximum(S + x - q, 0) - np.maximum(S - q, 0)  # noqa: E731
    x = o.size[:n] * conv[owner]
    # Pull in: a deal that would not close this period.
    x_pull = x * (1 - pp.pull_discount)
    p_pull = pull_win(pp, o, n)
    gain_pull = p_pull * (plan.commission(S + x_pull, q, rate) - plan.commission(S, q, rate)
                          - rc * over(x_pull))
    wait = value * unit_next
    pull = ~fits & (o.hold[:n] <= model.week) & (gain_pull > wait)
    # Push out: a deal that would close this period.
    lose_now = plan.commission(S, q, rate) - plan.commission(np.maximum(S - value, 0), q, rate)
    keep_now = lose_now - rc * (np.maximum(S - q, 0) - np.maximum(S - value - q, 0))
    push = fits & ((1 - pp.push_loss) * value * unit_next > keep_now) & (value > 0)
    return pull, push & ~pull
