"""All queries, as named functions taking the session as a keyword argument.

One module per entity: `sources`, `items`, `subscribers`, `issues`, `deliveries`,
`crawl_runs`. Routes, CLI commands, pipelines and jobs call these; none writes SQL itself.
"""
