"""statsmodels' answers for the forecast cases crates/forecast/tests/statsmodels.rs sends.

Reads {"cases": [{name, model: "hw" | "holt", y, params: {alpha, beta, gamma},
start: {level, trend, season}, horizon}]} on stdin and writes, per case:

- start: statsmodels' own simple initialisation of the series (FPP section 7.6);
- forecast: ExponentialSmoothing's forecast with the case's parameters and start;
- forecast_hyndman: the same from the model's final states by Hyndman's formula. They
  differ at whole weeks ahead: statsmodels up to 0.15.0 uses the season factor of a week
  before the last one there (statsmodels issue 9538, fixed after 0.15.0);
- fitted: its one-step fitted values;
- fit: its own least-squares fit of the smoothing parameters from its own start (sse and
  parameters), and estimated_sse: the SSE of its default fit, which also fits the start.
"""

import json
import sys
import warnings

import numpy as np
from statsmodels.tsa.exponential_smoothing.initialization import _initialization_simple
from statsmodels.tsa.holtwinters import ExponentialSmoothing

WEEK = 7


def model(y, seasonal, **init):
    return ExponentialSmoothing(
        y,
        trend="add",
        seasonal="mul" if seasonal else None,
        seasonal_periods=WEEK if seasonal else None,
        **init,
    )


def known(seasonal, level, trend, season):
    init = {"initialization_method": "known", "initial_level": level, "initial_trend": trend}
    if seasonal:
        init["initial_seasonal"] = season
    return init


def answer(case):
    y = np.asarray(case["y"], dtype=float)
    seasonal = case["model"] == "hw"
    horizon = case["horizon"]
    p, s = case["params"], case["start"]

    fixed = model(y, seasonal, **known(seasonal, s["level"], s["trend"], s["season"])).fit(
        smoothing_level=p["alpha"],
        smoothing_trend=p["beta"],
        smoothing_seasonal=p["gamma"] if seasonal else None,
        optimized=False,
    )
    steps = np.arange(1, horizon + 1)
    hyndman = fixed.level[-1] + steps * fixed.trend[-1]
    if seasonal:
        hyndman = hyndman * fixed.season[len(y) - WEEK + (steps - 1) % WEEK]

    level, trend, season = _initialization_simple(
        y, "add", "mul" if seasonal else None, WEEK if seasonal else None
    )
    own = model(y, seasonal, **known(seasonal, level, trend, season)).fit()
    estimated = model(y, seasonal).fit()
    return {
        "name": case["name"],
        "start": {
            "level": float(level),
            "trend": float(trend),
            "season": [] if season is None else [float(v) for v in season],
        },
        "forecast": fixed.forecast(horizon).tolist(),
        "forecast_hyndman": hyndman.tolist(),
        "fitted": fixed.fittedvalues.tolist(),
        "fit": {
            "sse": float(own.sse),
            "alpha": float(own.params["smoothing_level"]),
            "beta": float(own.params["smoothing_trend"]),
            "gamma": float(own.params["smoothing_seasonal"]) if seasonal else None,
        },
        "estimated_sse": float(estimated.sse),
    }


def main():
    warnings.simplefilter("ignore")
    cases = json.load(sys.stdin)["cases"]
    json.dump({"answers": [answer(case) for case in cases]}, sys.stdout)


if __name__ == "__main__":
    main()
