"""The web adapter: the FastAPI app (ingestion, API, pages) over the Northstar façade."""
