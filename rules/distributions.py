"""Named duration distributions with units.

Every duration in the rules and scenarios is one of these specs. A spec is
validated when it is loaded and compiled once into a sampler that returns
*hours*, the engine's time unit, so the hot path never branches on the kind.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictFloat, model_validator

from rules.ranges import MAX_DURATION, MAX_VALUES, Amount, Weight

if TYPE_CHECKING:
    # numpy is imported where a draw is made: loading a scenario needs none
    # of it, and ``opsim run`` forks its worker before it is imported (the
    # worker imports it while the parent loads the scenario).
    import numpy as np

Unit = Literal["minutes", "hours", "days"]

#: Hours per unit. ``days`` are 24 elapsed hours; staff working time is
#: expressed in hours so that "a working day" is never ambiguous.
HOURS_PER_UNIT: dict[str, float] = {"minutes": 1 / 60, "hours": 1.0, "days": 24.0}

Sampler = Callable[["np.random.Generator"], float]


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)
    unit: Unit = "hours"

    @property
    def scale(self) -> float:
        return HOURS_PER_UNIT[self.unit]

    def mean_hours(self) -> float:
        raise NotImplementedError

    def sampler(self) -> Sampler:
        """A scalar draw function (hours); the engine uses :meth:`block`."""
        return lambda rng: float(self.block(rng, 1)[0])

    def block(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """``n`` draws in hours at once (the engine buffers these)."""
        raise NotImplementedError


class Fixed(_Spec):
    dist: Literal["fixed"]
    value: Amount

    def mean_hours(self) -> float:
        return self.value * self.scale

    def block(self, rng: np.random.Generator, n: int) -> np.ndarray:
        import numpy as np

        return np.full(n, self.value * self.scale)


class Exponential(_Spec):
    dist: Literal["exponential"]
    mean: StrictFloat = Field(gt=0, le=MAX_DURATION)

    def mean_hours(self) -> float:
        return self.mean * self.scale

    def block(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return rng.exponential(self.mean * self.scale, n)


class Uniform(_Spec):
    dist: Literal["uniform"]
    low: Amount
    high: Amount

    @model_validator(mode="after")
    def _order(self) -> Uniform:
        if self.low > self.high:
            raise ValueError(f"low ({self.low}) must be <= high ({self.high})")
        return self

    def mean_hours(self) -> float:
        return (self.low + self.high) / 2 * self.scale

    def block(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return rng.uniform(self.low * self.scale, self.high * self.scale, n)


class Triangular(_Spec):
    dist: Literal["triangular"]
    low: Amount
    mode: Amount
    high: Amount

    @model_validator(mode="after")
    def _order(self) -> Triangular:
        if not (self.low <= self.mode <= self.high) or self.low == self.high:
            raise ValueError(
                f"need low <= mode <= high and low < high, got "
                f"low={self.low}, mode={self.mode}, high={self.high}")
        return self

    def mean_hours(self) -> float:
        return (self.low + self.mode + self.high) / 3 * self.scale

    def block(self, rng: np.random.Generator, n: int) -> np.ndarray:
        s = self.scale
        return rng.triangular(self.low * s, self.mode * s, self.high * s, n)


class Lognormal(_Spec):
    """Parameterised by its own mean and standard deviation, which managers
    can read, rather than by the underlying normal's mu and sigma."""
    dist: Literal["lognormal"]
    mean: StrictFloat = Field(gt=0, le=MAX_DURATION)
    sd: StrictFloat = Field(gt=0, le=MAX_DURATION)

    def mean_hours(self) -> float:
        return self.mean * self.scale

    def _params(self) -> tuple[float, float]:
        import numpy as np

        sigma2 = float(np.log1p((self.sd / self.mean) ** 2))
        return float(np.log(self.mean * self.scale) - sigma2 / 2), float(np.sqrt(sigma2))

    def block(self, rng: np.random.Generator, n: int) -> np.ndarray:
        mu, sigma = self._params()
        return rng.lognormal(mu, sigma, n)


class Gamma(_Spec):
    dist: Literal["gamma"]
    shape: StrictFloat = Field(gt=0, le=MAX_DURATION)
    scale_: StrictFloat = Field(gt=0, le=MAX_DURATION, alias="scale")

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, allow_inf_nan=False)

    def mean_hours(self) -> float:
        return self.shape * self.scale_ * self.scale

    def block(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return rng.gamma(self.shape, self.scale_ * self.scale, n)


class Empirical(_Spec):
    dist: Literal["empirical"]
    values: list[Amount] = Field(min_length=1, max_length=MAX_VALUES)
    weights: list[Weight] | None = Field(default=None, max_length=MAX_VALUES)

    @model_validator(mode="after")
    def _weights(self) -> Empirical:
        if self.weights is not None:
            if len(self.weights) != len(self.values):
                raise ValueError(
                    f"weights has {len(self.weights)} entries but values has "
                    f"{len(self.values)}; give one weight per value")
            if sum(self.weights) <= 0:
                raise ValueError("weights must not all be zero")
        return self

    def _p(self) -> np.ndarray | None:
        if self.weights is None:
            return None
        import numpy as np

        w = np.asarray(self.weights, dtype=float)
        return w / w.sum()

    def mean_hours(self) -> float:
        import numpy as np

        p = self._p()
        v = np.asarray(self.values) * self.scale
        return float(v.mean() if p is None else (v * p).sum())

    def block(self, rng: np.random.Generator, n: int) -> np.ndarray:
        import numpy as np

        v = np.asarray(self.values, dtype=float) * self.scale
        return v[rng.choice(len(v), size=n, p=self._p())]


Duration = Annotated[
    Fixed | Exponential | Uniform | Triangular | Lognormal | Gamma | Empirical,
    Field(discriminator="dist"),
]

DIST_KINDS = ("fixed", "exponential", "uniform", "triangular", "lognormal", "gamma", "empirical")
