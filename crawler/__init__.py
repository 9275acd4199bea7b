"""The Scrapy project: spiders yield plain items, pipelines validate, normalise, classify,
dedupe and store them. Spiders and extraction helpers never import storage."""
