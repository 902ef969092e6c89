"""Alerts: rules on catalog metrics, their evaluation and lifecycle, and notification delivery."""
