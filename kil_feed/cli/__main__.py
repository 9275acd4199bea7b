"""`python -m kil_feed.cli` is `kil`."""

from kil_feed.cli import main

main()
