"""Northstar: a self-hosted success-metrics platform."""
