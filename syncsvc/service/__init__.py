"""Composition: what the CLI and the daemon call; nothing else composes stages.

``sync`` is one pass over the sources (fetch → parse → normalize → guard → store),
``republish`` turns the store's entries into output files (store → dedupe → identity →
publish), ``status`` answers per-source health (CLI, /status, /admin) and holds the
Prometheus metrics, ``daemon`` schedules passes and runs the HTTP server.
"""
