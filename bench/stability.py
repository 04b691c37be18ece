"""How settled a configuration's figures are: the coefficient of variation
of its wall times, the order-statistic confidence interval of a median, and
which configurations a further round must run (bench/study.py's CV rule:
every configuration runs the minimum rounds, then the ones whose CV is at or
above the target run again, with whatever they are paired with, until each
is under it or a limit is reached).  Standard library only."""

import math
import statistics as st


def cv(vals):
    """Sample standard deviation over the mean; None below two values."""
    if len(vals) < 2 or not st.mean(vals):
        return None
    return st.stdev(vals) / st.mean(vals)


def median_ci(vals, level=0.95):
    """(low, high, coverage) of the median: the order statistics x(k) and
    x(n+1-k) with the largest k whose binomial coverage 1 - 2 P(B(n, 1/2)
    < k) is at least LEVEL.  Below 6 values no pair reaches 95 %: then the
    interval is min..max and COVERAGE says what it is (5 values: 93.8 %,
    3: 75 %).  Exact, no resampling, so the same figures give the same
    interval on every machine."""
    x = sorted(vals)
    n = len(x)
    if not n:
        return None
    if n == 1:
        return (x[0], x[0], 0.0)
    best = (x[0], x[-1], 1 - 2 * 0.5 ** n)
    for k in range(2, n // 2 + 1):
        cov = 1 - 2 * sum(math.comb(n, i) for i in range(k)) / 2 ** n
        if cov < level:
            break
        best = (x[k - 1], x[n - k], cov)
    return best


def apart(a, b):
    """Whether two (low, high) intervals do not overlap."""
    return a[1] < b[0] or b[1] < a[0]


def unstable(walls, target):
    """Tags whose wall times (tag -> list) have a CV at or above TARGET."""
    return sorted(t for t, v in walls.items()
                  if cv(v) is not None and cv(v) >= target)
