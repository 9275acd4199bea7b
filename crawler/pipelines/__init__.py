"""Item pipelines, one job each, in order: validate, normalise, classify, dedupe, store."""
