"""The collection and governance pipeline (归集与治理). Built so far: ingest (``ingest``): deliveries
taken in as they arrive, stored immutably, every row accounted for."""
