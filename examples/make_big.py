"""Write a larger problem file: n height/weight points from two groups, with the seed's starting parameters.

    python examples/make_big.py out/big.toml               # 1,000 points
    python examples/make_big.py out/big.toml --points 20000

The points are decimals with one digit after the point (read exactly: 171.3 is 1713/10), drawn from
two Gaussian groups with a fixed random seed, so the same command always writes the same file. The
starting parameters are the seed example's (examples/seed/problem.toml): means [162, 57] and
[185, 80], covariances 10·I, weights 1/2.
"""
from __future__ import annotations

import argparse
import random
from pathlib import Path

GROUPS = (  # (mean height, mean weight, sd height, sd weight, correlation)
    (163.0, 58.0, 6.5, 7.0, 0.5),
    (178.0, 78.0, 7.0, 9.0, 0.5),
)


def points(n: int, seed: int = 7) -> list[tuple[float, float]]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        mh, mw, sh, sw, rho = GROUPS[i % 2]
        z1, z2 = rng.gauss(0, 1), rng.gauss(0, 1)
        out.append((round(mh + sh * z1, 1), round(mw + sw * (rho * z1 + (1 - rho**2) ** 0.5 * z2), 1)))
    return out


def problem_toml(n: int, seed: int = 7) -> str:
    rows = ",\n    ".join(f"[{h}, {w}]" for h, w in points(n, seed))
    return f"""# {n} height/weight points from two groups (examples/make_big.py, seed {seed}); the seed example's start.
[data]
variables = ["height", "weight"]
points = [
    {rows},
]

[[components]]
name = "women"
mean = [162, 57]
covariance = [[10, 0], [0, 10]]
weight = 0.5

[[components]]
name = "men"
mean = [185, 80]
covariance = [[10, 0], [0, 10]]
weight = 0.5
"""


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", help="problem file to write (TOML); its folder is created")
    parser.add_argument("--points", type=int, default=1000, help="number of points (default 1000)")
    parser.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    args = parser.parse_args(argv)
    if args.points < 1:
        parser.error("--points must be at least 1")
    path = Path(args.output)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(problem_toml(args.points, args.seed), encoding="utf-8")
    print(f"wrote {path} ({args.points} points)")


if __name__ == "__main__":
    main()
