"""The loopback HTTP server now lives in `kil_feed.loopback` (the benchmarks use it too);
this name stays so that test modules importing it keep working."""

from kil_feed.loopback import MockServer, RequestInfo, Route

__all__ = ["MockServer", "RequestInfo", "Route"]
