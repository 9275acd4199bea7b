"""`python -m kil_feed` is the `kil` command (used for subprocesses)."""

from kil_feed.cli import main

if __name__ == "__main__":
    main()
