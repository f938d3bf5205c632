"""statsmodels' answers for the forecast cases crates/forecast/tests/statsmodels.rs sends.

Reads {"cases": [{name, model: "hw" | "holt", y, params: {alpha, beta, gamma},
start: {level, trend, season}, horizon}]} on stdin (params and start: our fit) and
writes, per case:

- initial: the starting states statsmodels' default fit (initialization_method
  "estimated") starts from: its heuristic start, or its simple one on a short series;
- forecast: ExponentialSmoothing's forecast with the case's parameters and start;
- forecast_hyndman: the same from the model's final states by Hyndman's formula. They
  differ at whole weeks ahead: statsmodels up to 0.15.0 uses the season factor of a week
  before the last one there (statsmodels issue 9538, fixed after 0.15.0);
- fitted: its one-step fitted values;
- fit: its default fit, which estimates the parameters and the starting states together
  (sse, parameters, starting states).
"""

import json
import sys
import warnings

import numpy as np
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


def floats(values):
    return [] if values is None else [float(v) for v in values]


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

    default = model(y, seasonal)
    fit = default.fit()
    return {
        "name": case["name"],
        "initial": {
            "level": float(default._initial_level),
            "trend": float(default._initial_trend),
            "season": floats(default._initial_seasonal),
        },
        "forecast": fixed.forecast(horizon).tolist(),
        "forecast_hyndman": hyndman.tolist(),
        "fitted": fixed.fittedvalues.tolist(),
        "fit": {
            "sse": float(fit.sse),
            "alpha": float(fit.params["smoothing_level"]),
            "beta": float(fit.params["smoothing_trend"]),
            "gamma": float(fit.params["smoothing_seasonal"]) if seasonal else None,
            "level": float(fit.params["initial_level"]),
            "trend": float(fit.params["initial_trend"]),
            "season": floats(fit.params["initial_seasons"]),
        },
    }


def main():
    warnings.simplefilter("ignore")
    cases = json.load(sys.stdin)["cases"]
    json.dump({"answers": [answer(case) for case in cases]}, sys.stdout)


if __name__ == "__main__":
    main()
