"""The CDS Hooks 2.0 service: the engine's advice as cards inside an electronic health record.

Imported only by `ntrk-advisor serve` (and the tests): nothing on the CLI's ordinary paths loads it,
so the web server's dependencies (the `server` extra) are needed only to serve.
"""
