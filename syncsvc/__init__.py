"""syncsvc: pulls partner calendars and news, deduplicates them, republishes one feed.

The flow, one line per stage; each stage is a package, in the order data flows, and the
records passed between them live in ``models``:

    config     config.load:           syncsvc.toml → Settings, SourceConfig, DedupeSettings
    fetch      fetch.Fetcher.fetch:   partner URL or feeds_dir file → Fetched | NotModified
    parse      parse.ics/feed/schedule: bytes → Parsed(RawEvent | RawItem)
    normalize  normalize.normalize_*: RawEvent/RawItem → Event | NewsItem
    guard      guard.refuse_flooding_series, guard.shrink_decision: apply | hold | refuse
    store      store.Store:           SQLite, one transaction per source
    dedupe     dedupe.dedupe_*:       Event/NewsItem → PublishedEvent/PublishedItem, stable UIDs
    publish    publish.publish_all:   published records → files in output_dir
    serve      serve.make_app:        output files, /status, /metrics, /admin over HTTP

Only ``service`` composes stages: ``service.sync.Pipeline`` runs fetch → parse → normalize →
guard → store, ``service.republish`` runs store → dedupe → publish, ``service.status`` reads
per-source health, ``service.daemon`` schedules both and runs serve; ``cli`` calls them.
Shared by all: ``errors``, ``models``, ``instants``, ``logs``, ``config`` and ``recur`` (the
series expander and the VEVENT codec). A stage never imports a later one, and no module
is longer than 300 lines (``tests/test_package_layout.py``).
"""

__version__ = "0.1.0"
