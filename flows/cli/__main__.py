"""`python -m flows.cli`: the same as the `nba-props` script."""

from flows.cli import main

if __name__ == "__main__":
    main()
