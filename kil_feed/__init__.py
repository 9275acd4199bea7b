"""kil-feed: UK public-sector procurement news, interim jobs and a weekly newsletter."""

__version__ = "0.1.0"
