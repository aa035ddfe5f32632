"""The share service over HTTP: FastAPI app factory (``app.create_app``), routes, audit middleware."""
