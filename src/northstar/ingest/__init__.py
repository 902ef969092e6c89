"""Ingestion: Segment-spec payloads, validation, dedupe by messageId, the durable writer, importers."""
