"""Batch evaluation: many cases from JSON files or stdin, streamed, one result per case, in order."""
