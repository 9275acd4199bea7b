"""The public web archive (FastAPI): issues, news, jobs, search, feeds, API, subscriptions."""
