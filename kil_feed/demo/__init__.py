"""`kil demo`: a bundled demo site, its sources, subscribers and rules."""
