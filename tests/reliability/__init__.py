"""Reliability tests: secrets, faults, concurrency, bad input, drift, rate limiting, a real DNS server."""
