"""Models over metric data (DESIGN.md, "analytics/"): forecasting, anomaly detection, churn risk,
segmentation and retention projection. Pure functions of numbers; no store, no HTTP."""
