"""Ingest: files and folders in; sources (original bytes kept, text, metadata) and their claims out."""
